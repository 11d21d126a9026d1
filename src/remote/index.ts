/**
 * rerank-kit/remote: a typed, robust client for vLLM-compatible scoring and embedding servers
 * (vLLM, Cohere v1/v2, Jina, Hugging Face TEI, Infinity). Loads no native code.
 *
 * @module
 */
export { RemoteScorer } from "./remote-scorer.js";
export { RemoteEmbedder } from "./remote-embedder.js";
export { imageItem, type ImageSource } from "./image-items.js";
export { RemoteSparseEmbedder } from "./remote-sparse-embedder.js";
export type { RemoteDecodeOptions, RemoteSparseEmbedderOptions, RemoteSparseEmbedOptions, SparseDialect } from "./remote-sparse-embedder.js";
export { VllmClient } from "./vllm-client.js";
export type {
  ClassificationResult,
  CohereEmbedOptions,
  CohereEmbedResult,
  CohereEmbeddingType,
  PoolingOutput,
  TokenizeResult,
  RemoteCallOptions as VllmCallOptions,
} from "./vllm-client.js";
export type {
  EmbedDialect,
  RemoteCallOptions,
  RemoteClientOptions,
  RemoteEmbedderOptions,
  RemoteEmbedOptions,
  RemoteRerankOptions,
  RemoteScoreOptions,
  RemoteScorerOptions,
  ScoreDialect,
} from "./options.js";
export type { HealthStatus, ModelInfo } from "./discovery.js";
export {
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ScoringNotSupportedError,
  ConflictError,
  PayloadTooLargeError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  ConnectionError,
  MalformedResponseError,
} from "./errors/index.js";
export type { APIErrorInit } from "./errors/index.js";
export type { Sleep } from "./delay.js";
export {
  bgeRerankerV2Gemma,
  mxbaiRerankV2,
  promptTemplates,
  qwen3Reranker,
  QWEN3_DEFAULT_INSTRUCTION,
} from "./prompt-templates.js";
export type { PromptTemplate, PromptTemplateName } from "./prompt-templates.js";
export { TimeoutError } from "../errors/timeout-error.js";
export { AbortError } from "../errors/abort-error.js";
export { RerankKitError } from "../errors/rerank-kit-error.js";
export { InvalidInputError } from "../errors/invalid-input-error.js";
export { InvalidOptionError } from "../errors/invalid-option-error.js";
