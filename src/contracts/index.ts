/**
 * The contracts of rerank-kit: each capability a model can have, declared once, and the
 * capability table with its one guard, {@link has}.
 *
 * @module
 */
export { SCORE_TYPES, VLLM_SCORE_TYPES } from "./vocabulary.js";
export type { ScoreType, ContentPart, MultiModalInput, ScoreInput, Usage, Progress, MaybePromise } from "./vocabulary.js";
export type { ScoreOptions, RerankOptions, RankedResult, ScoreResponse, RerankResponse, Scorer } from "./scorer.js";
export type { EmbedKind, EmbedOptions, EmbedResponse, Embedder } from "./embedder.js";
export type { ImageInput, EmbedImagesOptions, ImageEmbedder, ImageTokenCounter } from "./image-embedder.js";
export type { TokenEmbeddings, TokenEmbedder } from "./token-embedder.js";
export type { SparseVector, SparseEmbedOptions, SparseEmbedResponse, SparseEmbedder, TokenWeightEmbedder, TokenWeights } from "./sparse-embedder.js";
export type { SequenceEmbedder, SequenceTokenEmbedder } from "./sequence-embedder.js";
export type { ClassifyOptions, Classification, ClassifyResponse, Classifier } from "./classifier.js";
export type { Tokenization, Tokenizer, Detokenizer, DocumentWindows } from "./tokenizer.js";
export type { ModelMetadata } from "./metadata.js";
export type { NextTokenOptions, NextTokenResponse, NextTokenScorer } from "./next-token-scorer.js";
export { NO_METADATA } from "./metadata.js";
export { CAPABILITIES, CAPABILITY_NAMES, has, capabilitiesOf } from "./capabilities.js";
export type { Capability, CapabilityContracts, CapabilitySpec, CallShape, Contract, DataKind } from "./capabilities.js";
