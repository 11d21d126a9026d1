export { RerankKitError } from "./rerank-kit-error.js";
export { InvalidInputError } from "./invalid-input-error.js";
export { ContextLengthError } from "./context-length-error.js";
export { ModelLoadError } from "./model-load-error.js";
export { InvalidScoreError } from "./invalid-score-error.js";
export { AbortError, throwIfAborted } from "./abort-error.js";
export { TimeoutError } from "./timeout-error.js";
export { InvalidOptionError } from "./invalid-option-error.js";
