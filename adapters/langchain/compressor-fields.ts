import { InvalidInputError } from "../../src/index.js";
import { validateOptions, type OptionRule, type OptionSpec } from "../../src/internal.js";
import type { ScoreOptions, Scorer } from "../../src/index.js";
import { LOCAL_MODEL_RULES } from "../shared/local-model.js";
import type { LongDocumentStrategy } from "./long-documents.js";
import type { DocumentToText } from "./texts.js";

/** Options of {@link RerankCompressor}. None is written back. */
export interface RerankCompressorFields {
  /** Local or remote scorer, e.g. from `loadScorer()` or `new RemoteScorer()`. It is used as is, never copied. */
  scorer: Scorer;
  /** Documents kept per call; `0` keeps all. @default 3 (as LangChain's Cohere integration) */
  topN?: number;
  /** Drop documents scoring below this. Scores are model-specific: calibrate per model. @default undefined (keep all) */
  scoreThreshold?: number;
  /** Metadata key the score is written under in the returned copies. @default "relevanceScore" */
  metadataKey?: string;
  /** How documents longer than the model's limit are scored. `chunk-max` needs a local scorer. @default "truncate" */
  longDocuments?: LongDocumentStrategy;
  /** `chunk-max`: tokens shared by consecutive windows (capped at half a window). @default 32 */
  overlapTokens?: number;
  /** `chunk-max`: windows scored per document at most. @default 8 */
  maxChunksPerDoc?: number;
  /** Passed to every scorer call (`activation`, `instruction`, `maxTokensPerDoc`, ...). @default {} */
  scoreOptions?: Omit<ScoreOptions, "signal" | "onProgress">;
  /** Cancels every call of this compressor (LangChain passes no signal to compressors). */
  signal?: AbortSignal;
  /** The text scored for a document, e.g. to include a title from metadata. @default the `pageContent` */
  documentToText?: DocumentToText;
  /**
   * What `compressDocuments` does when the scorer fails (a server down, a model error):
   * `"throw"` rejects; `"keep-order"` fails open, returning the first `topN` documents in their
   * retrieval order with the score `null` and the error message under `metadata.rerankError`, and
   * reports the error in the callback event. Bad input and aborts always reject.
   * @default "throw"
   */
  onError?: "throw" | "keep-order";
}

/** Per-call options of {@link RerankCompressor.rerank}; they override the constructor's. */
export interface RerankCallOptions {
  /** Results kept; `0` keeps all. @default the compressor's `topN` */
  topN?: number;
  /** Drop results scoring below this. @default the compressor's `scoreThreshold` */
  scoreThreshold?: number;
  /** Cancels this call. */
  signal?: AbortSignal;
}

/** One reranked document, as LangChain.js reranker integrations return it. */
export interface RerankScore {
  /** Position in the documents passed in. */
  index: number;
  /** The scorer's score; higher is more relevant. */
  relevanceScore: number;
}

/** The rule of every {@link RerankCompressorFields} field. */
export const COMPRESSOR_FIELD_RULES = {
  scorer: { kind: "any", note: "a Scorer" },
  topN: { kind: "integer", min: 0, note: "0 = all" },
  scoreThreshold: { kind: "number" },
  metadataKey: { kind: "string" },
  longDocuments: { kind: "enum", values: ["truncate", "chunk-max"] },
  overlapTokens: { kind: "integer", min: 0 },
  maxChunksPerDoc: { kind: "integer", min: 1 },
  scoreOptions: { kind: "object" },
  signal: { kind: "signal" },
  documentToText: { kind: "function" },
  onError: { kind: "any", note: '"throw" | "keep-order"' },
} as const satisfies Record<keyof RerankCompressorFields, OptionRule>;

/** The rule of every {@link RerankCallOptions} field. */
export const RERANK_CALL_RULES = {
  topN: COMPRESSOR_FIELD_RULES.topN,
  scoreThreshold: COMPRESSOR_FIELD_RULES.scoreThreshold,
  signal: COMPRESSOR_FIELD_RULES.signal,
} as const satisfies Record<keyof RerankCallOptions, OptionRule>;

/** The fields of `RerankCompressor.fromModel`: the compressor's, without `scorer`, plus how to load the model. */
export const FROM_MODEL_RULES: OptionSpec = (({ scorer: _scorer, ...rest }) => ({ ...rest, ...LOCAL_MODEL_RULES }))(COMPRESSOR_FIELD_RULES);

/**
 * Checks the compressor's fields: every name known (`top_n` gets "did you mean `topN`"), every
 * value in range.
 * @throws {InvalidInputError} naming the first bad field ({@link InvalidOptionError} for a misspelled one).
 */
export function checkCompressorFields(fields: RerankCompressorFields): void {
  const scorer = fields?.scorer as Partial<Scorer> | undefined;
  if (typeof scorer?.rerank !== "function" || typeof scorer.score !== "function") {
    throw new InvalidInputError("RerankCompressor needs a scorer (loadScorer() or a RemoteScorer)", { field: "scorer" });
  }
  validateOptions(fields, COMPRESSOR_FIELD_RULES, { where: "RerankCompressor" });
  if (fields.metadataKey === "") throw new InvalidInputError("metadataKey must be a non-empty string", { field: "metadataKey" });
  if (fields.onError !== undefined && fields.onError !== "throw" && fields.onError !== "keep-order") {
    throw new InvalidInputError(`onError must be "throw" or "keep-order", got ${JSON.stringify(fields.onError)}`, { field: "onError" });
  }
}
