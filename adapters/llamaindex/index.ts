/**
 * LlamaIndex.TS adapters: {@link RerankKitPostprocessor} (a `BaseNodePostprocessor`) and
 * {@link RerankKitEmbedding} (a `BaseEmbedding` with batched `getTextEmbeddings`), over any
 * local or remote rerank-kit scorer.
 *
 * @module
 */
export { RerankKitPostprocessor } from "./postprocessor.js";
export type { RerankKitPostprocessorOptions } from "./postprocessor.js";
export { RerankKitEmbedding } from "./embedding.js";
export type { RerankKitEmbeddingOptions } from "./embedding.js";
export { RerankKitMultiModalEmbedding } from "./multimodal-embedding.js";
export type { RerankKitMultiModalEmbeddingOptions } from "./multimodal-embedding.js";
export type { LocalModelSettings } from "../shared/local-model.js";
