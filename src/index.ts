/**
 * rerank-kit: second-stage reranking and embeddings for RAG, in process or against a
 * vLLM-compatible server.
 *
 * @module
 */
export * from "./types.js";
export * from "./errors/index.js";
export { BaseScorer, checkRerankArguments } from "./base-scorer.js";
export { toPairs, assertTexts, assertScoreInputs } from "./scoring/pairing.js";
export type { Pairs } from "./scoring/pairing.js";
export { rankScores, cutResults } from "./scoring/ranking.js";
export type { RankOptions } from "./scoring/ranking.js";
export * from "./local/index.js";
export type { Activation, ResolvedActivation } from "./scoring/activation.js";
export type { PoolingMode } from "./scoring/pooling.js";
export type { MicroBatchLimits } from "./batching/micro-batches.js";
