/**
 * The limits a local model runs under, resolved once at load: its longest sequence (from the
 * caller, the family's metadata or the model's own files) and its micro-batch budget.
 * @module
 */
import type { MicroBatchLimits } from "../../batching/micro-batches.js";
import { InvalidOptionError } from "../../errors/invalid-option-error.js";
import type { ModelFiles } from "../files/model-files.js";
import type { LocalModelOptions } from "../options.js";
import type { TextTokenizer } from "../tokenization/text-tokenizer.js";

/** Explicit micro-batch limits, and the dtype that picks the defaults for the rest. */
export type BatchLimits = MicroBatchLimits & { dtype?: string | undefined };

/** What a family's sequences look like, for the smallest `maxLength` it can work with. */
export interface SequenceShape {
  /** Sequences are pairs (the pair's special tokens count). @default false */
  pair?: boolean | undefined;
  /**
   * The fewest non-special tokens a sequence needs (2 for a pair: one query and one document
   * token; ColBERT also needs its marker). @default 2 for pairs, else 1
   */
  minContentTokens?: number | undefined;
}

/** Model types whose position embeddings start at 2 (the padding offset), so 2 fewer are usable. */
const OFFSET_POSITIONS = new Set(["roberta", "xlm-roberta", "camembert"]);

/** The most positions the model's position embeddings cover (RoBERTa's offset of 2 removed), if known. */
export function positionLimit(files: ModelFiles): number | undefined {
  let positions = Number(files.config["max_position_embeddings"]);
  if (OFFSET_POSITIONS.has(String(files.config["model_type"] ?? "")) && Number.isFinite(positions)) positions -= 2;
  return Number.isFinite(positions) && positions > 0 ? positions : undefined;
}

/**
 * The model's length limit as sentence-transformers resolves it: the tokenizer's
 * `model_max_length`, capped by `max_position_embeddings` (minus RoBERTa's offset of 2).
 */
export function modelMaxLength(files: ModelFiles): number {
  const fromTokenizer = Number(files.tokenizerConfig["model_max_length"]);
  const candidates = [fromTokenizer, positionLimit(files) ?? NaN].filter((n) => Number.isFinite(n) && n > 0 && n < 1e6);
  return candidates.length > 0 ? Math.min(...candidates) : 512;
}

/**
 * The longest sequence a scorer feeds the model: the caller's `maxLength` (checked), else the
 * family's own limit (`max_seq_length`, ColBERT's lengths), else the model's.
 * @throws {InvalidOptionError} when the caller's `maxLength` leaves too few tokens or exceeds
 *   the model's positions.
 */
export function resolveMaxLength(
  files: ModelFiles,
  tokenizer: TextTokenizer,
  requested: number | undefined,
  familyLimit: number | undefined,
  shape: SequenceShape,
): number {
  if (requested !== undefined) checkMaxLength(files, tokenizer, requested, shape);
  return requested ?? familyLimit ?? modelMaxLength(files);
}

/** The micro-batch limits the caller set, with the dtype that picks the defaults of the others. */
export function batchLimits(options: LocalModelOptions): BatchLimits {
  const limits: BatchLimits = { dtype: options.dtype ?? "fp32" };
  if (options.maxBatchTokens !== undefined) limits.maxBatchTokens = options.maxBatchTokens;
  if (options.maxBatchSize !== undefined) limits.maxBatchSize = options.maxBatchSize;
  return limits;
}

/**
 * Checks a requested `maxLength` against the model at load time: too small leaves no room for text
 * after the special tokens (every document would get the same score); beyond the position
 * embeddings ONNX Runtime fails later with a raw broadcast error.
 * @throws {InvalidOptionError} naming the allowed range.
 */
function checkMaxLength(files: ModelFiles, tokenizer: TextTokenizer, maxLength: number, shape: SequenceShape): void {
  const specials = shape.pair ? tokenizer.pairSpecials : tokenizer.singleSpecials;
  const min = specials + (shape.minContentTokens ?? (shape.pair ? 2 : 1));
  const max = positionLimit(files);
  if (Number.isInteger(maxLength) && maxLength >= min && (max === undefined || maxLength <= max)) return;
  const allowed = `an integer from ${min} to ${max ?? "any"}`;
  throw new InvalidOptionError(
    `${files.dir}: option \`maxLength\` must be ${allowed} for this model ` +
      `(${specials} special tokens per sequence${max === undefined ? "" : `, ${max} position embeddings`}), got ${String(maxLength)}`,
    { option: "maxLength", allowed },
  );
}
