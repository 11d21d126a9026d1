/**
 * rerank-kit: second-stage reranking and embeddings for RAG, in process or against a
 * vLLM-compatible server.
 *
 * The root holds what an app uses: the scoring vocabulary and contracts, the errors,
 * {@link loadScorer}, the local scorer classes with their options, and {@link BaseScorer} for a
 * custom scorer. Remote clients are in `rerank-kit/remote`, the server in `rerank-kit/server`,
 * framework adapters in their own subpaths. Every name here is API, so the list is kept short on
 * purpose (test/package/entry-points.test.ts snapshots it).
 *
 * @module
 */
export * from "./types.js";
export * from "./errors/index.js";
export { BaseScorer } from "./base-scorer.js";
export { loadScorer } from "./local/load-scorer.js";
export type { LocalScorer } from "./local/load-scorer.js";
export { CrossEncoderScorer } from "./local/cross-encoder.js";
export { BiEncoderScorer } from "./local/bi-encoder.js";
export { LateInteractionScorer } from "./local/late-interaction/late-interaction-scorer.js";
export { LlmRerankerScorer } from "./local/llm-reranker/llm-reranker.js";
export type { LlmRerankerOptions } from "./local/llm-reranker/llm-reranker.js";
export { ImageTextScorer } from "./local/image-text/image-text-scorer.js";
export type { ImageTextOptions, ImageTextScoreOptions } from "./local/image-text/image-text-scorer.js";
export type { ImageTextInput } from "./local/image-text/inputs.js";
export { SpladeScorer } from "./local/sparse/splade-scorer.js";
export { BgeM3Scorer } from "./local/sparse/bge-m3-scorer.js";
export { StaticEmbedder, type StaticEmbedderOptions } from "./local/static/static-embedder.js";
export { sparseDot, pruneSparse } from "./scoring/sparse.js";
export type { SparsePruning } from "./scoring/sparse.js";
export type {
  Dtype,
  LocalModelOptions,
  CrossEncoderOptions,
  BiEncoderOptions,
  LateInteractionOptions,
  LoadScorerOptions,
  WorkerLoadOption,
  InWorker,
  InProcess,
} from "./local/options.js";
export type { Activation } from "./scoring/activation.js";
export type { HfOverrides, ScoreMethod } from "./local/llm-reranker/hf-overrides.js";
export type { ColbertSettings } from "./local/late-interaction/colbert-config.js";
export type { CacheStats } from "./local/late-interaction/document-cache.js";
export { loadWorkerScorer, WorkerScorer, WorkerBiEncoder, WorkerLateInteraction, WorkerClassifier } from "./local/worker-pool/index.js";
export type { WorkerScorerOptions, WorkerOption, WorkerPoolShape } from "./local/worker-pool/index.js";
export { quantizeModel } from "./local/quantize/quantize-model.js";
export type { QuantizeOptions, QuantizeResult, ParityReport, ParitySample } from "./local/quantize/quantize-model.js";
export { convertLlmReranker } from "./local/llm-reranker/convert.js";
export type { ConvertOptions, ConvertResult } from "./local/llm-reranker/convert.js";
export { DTYPES, COLBERT_CONVENTIONS, COLBERT_CONVENTION_DEFAULTS } from "./local/options.js";
export type { WorkerOf, AnyWorkerScorer } from "./local/worker-pool/worker-scorer.js";
export type { FromPretrained } from "./local/worker-pool/in-worker.js";
export type { RawPixels } from "./imaging/pixels.js";
export type { ImageTextFamily } from "./local/image-text/layout.js";
export type { Int8Weights } from "./local/runtime/int8-weights-u8.js";
export type { TaskOption } from "./local/options.js";
