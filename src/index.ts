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
export { ScoreTemplate, renderScoreTemplate, scoreTemplatePresets } from "./templates/index.js";
export type { ScoreTemplateInput, ScoreTemplateOrigin, ScoreTemplatePresetName, TemplateLayout } from "./templates/index.js";
export type { Activation, ResolvedActivation } from "./scoring/activation.js";
export type { ClassActivation } from "./scoring/classification.js";
export type { PoolingMode } from "./scoring/pooling.js";
export { sparseDot, pruneSparse } from "./scoring/sparse.js";
export type { SparsePruning } from "./scoring/sparse.js";
export { planMicroBatches, BATCH_BUDGETS, defaultBudget, budgetDtype } from "./batching/micro-batches.js";
export type { MicroBatchLimits, BatchBudget, BudgetDtype } from "./batching/micro-batches.js";
export {
  RemoteScorer,
  RemoteEmbedder,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  ConnectionError,
  MalformedResponseError,
  ScoringNotSupportedError,
  apiErrorFromResponse,
  promptTemplates,
  qwen3Reranker,
  mxbaiRerankV2,
  bgeRerankerV2Gemma,
} from "./remote/index.js";
export type {
  RemoteScorerOptions,
  RemoteEmbedderOptions,
  RemoteClientOptions,
  RemoteCallOptions,
  RemoteScoreOptions,
  RemoteRerankOptions,
  RemoteEmbedOptions,
  ScoreDialect,
  EmbedDialect,
  HealthStatus,
  ModelInfo,
  PromptTemplate,
  PromptTemplateName,
} from "./remote/index.js";
