/**
 * `rerank-kit/server`: vLLM's score protocol served from Node over any Scorer.
 *
 * @module
 */
export { createServer } from "./create-server.js";
export type { RerankServer, ListenOptions, ServerAddress } from "./create-server.js";
export type { CreateServerOptions, PoolingTask } from "./options.js";
export type { MediaOptions } from "./media/index.js";
export type { SequenceEmbedder, SequenceTokenEmbedder, Tokenizer } from "../contracts/index.js";
import type { Tokenizer } from "../contracts/index.js";

/** What `/tokenize` and the length checks need. @deprecated Use {@link Tokenizer}, the one tokenizer contract. */
export type ServerTokenizer = Tokenizer;
export type { BatcherOptions } from "./runtime/coalesce-options.js";
export type { ErrorEnvelope } from "./http/error-response.js";
export type { AppEnv } from "./app-env.js";
export type { RequestLogFormat, RequestLogOptions } from "./http/request-log.js";
