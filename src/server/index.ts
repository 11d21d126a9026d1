/**
 * `rerank-kit/server`: vLLM's score protocol served from Node over any Scorer.
 *
 * @module
 */
export { createServer } from "./create-server.js";
export type { RerankServer, ListenOptions, ServerAddress } from "./create-server.js";
export type { CreateServerOptions, PoolingTask, SequenceEmbedder, SequenceTokenEmbedder, ServerTokenizer } from "./options.js";
export type { BatcherOptions } from "./runtime/coalesce-options.js";
export type { ErrorEnvelope } from "./http/error-response.js";
export type { AppEnv } from "./app-env.js";
