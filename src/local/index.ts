export { loadScorer } from "./load-scorer.js";
export type { LocalScorer } from "./load-scorer.js";
export { CrossEncoderScorer } from "./cross-encoder.js";
export { LlmRerankerScorer } from "./llm-reranker/llm-reranker.js";
export type { LlmRerankerOptions } from "./llm-reranker/llm-reranker.js";
export { convertLlmReranker } from "./llm-reranker/convert.js";
export type { ConvertOptions, ConvertResult } from "./llm-reranker/convert.js";
export { parseHfOverrides } from "./llm-reranker/hf-overrides.js";
export type { HfOverrides, ScoreMethod } from "./llm-reranker/hf-overrides.js";
export type { ScoreHeadSpec } from "./llm-reranker/score-head.js";
export type { Int8Weights } from "./runtime/int8-weights-u8.js";
export { BiEncoderScorer } from "./bi-encoder.js";
export { LateInteractionScorer } from "./late-interaction/late-interaction-scorer.js";
export { SpladeScorer } from "./sparse/splade-scorer.js";
export { BgeM3Scorer } from "./sparse/bge-m3-scorer.js";
export { StaticEmbedder, type StaticEmbedderOptions } from "./static/static-embedder.js";
export { LocalScorerBase } from "./local-scorer-base.js";
export { detectFamily } from "./detect-family.js";
export type { DetectedFamily } from "./detect-family.js";
export type { ColbertSettings } from "./late-interaction/colbert-config.js";
export type { CacheStats } from "./late-interaction/document-cache.js";
export type { StPipeline, DenseLayer } from "./st-modules.js";
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
} from "./options.js";
export { DTYPES, COLBERT_CONVENTIONS, COLBERT_CONVENTION_DEFAULTS, type ColbertConvention } from "./options.js";
export type { ModelFiles, StModule, Json } from "./files/model-files.js";
export { loadWorkerScorer, WorkerScorer, WorkerBiEncoder, WorkerLateInteraction, WorkerClassifier, type EmbedTokenSequences, type WorkerOf, type AnyWorkerScorer } from "./worker-pool/index.js";
export type { WorkerScorerOptions, WorkerOption, WorkerPoolShape } from "./worker-pool/index.js";
export type { FromPretrained } from "./worker-pool/in-worker.js";
export { quantizeModel, DEFAULT_PARITY_SAMPLE } from "./quantize/quantize-model.js";
export type { QuantizeOptions, QuantizeResult, ParityReport, ParitySample } from "./quantize/quantize-model.js";
export { ImageTextScorer } from "./image-text/image-text-scorer.js";
export type { ImageTextOptions, ImageTextScoreOptions } from "./image-text/image-text-scorer.js";
export type { ImageTextInput } from "./image-text/inputs.js";
export type { ImageTextFamily } from "./image-text/layout.js";
export type { RawPixels } from "../imaging/pixels.js";
