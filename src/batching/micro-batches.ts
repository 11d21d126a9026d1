/**
 * Length-sorted micro-batches under a token budget. Sorting by length means little padding; a
 * budget on padded tokens (batch size x longest row) bounds peak memory, where one padded batch of
 * 100 long pairs needs over 1 GB of attention scores (one layer's `[100, 12, 265, 265]` fp32
 * scores alone take 337 MB). The budget itself comes
 * from {@link BATCH_BUDGETS}, per weight type and sequence length, unless the caller sets it.
 */
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { checkOption } from "../options/check-options.js";

/** Limits for {@link planMicroBatches}. Unset fields come from {@link BATCH_BUDGETS}. */
export interface MicroBatchLimits {
  /**
   * Most padded tokens (rows x longest row) in one batch.
   * @default by weight type and the batch's longest row: 1024, or 512 for q8 / q4 batches whose
   * longest row is over 128 tokens
   */
  maxBatchTokens?: number;
  /** Most rows in one batch. @default 32 */
  maxBatchSize?: number;
}

/** The weight types {@link BATCH_BUDGETS} has rows for. */
export type BudgetDtype = "fp32" | "fp16" | "q8" | "q4";

/** One row of {@link BATCH_BUDGETS}: the budget for batches whose longest row is at most `maxLength` tokens. */
export interface BatchBudget {
  /** Upper bound (inclusive) of the length bucket, in tokens; the last row of a dtype is `Infinity`. */
  readonly maxLength: number;
  readonly maxBatchTokens: number;
  readonly maxBatchSize: number;
}

/**
 * Default micro-batch budgets, measured with MiniLM-L6-shaped encoders exported by torch on a
 * 2-core AVX-512 / AMX Xeon (bench/README.md records the runs):
 * - fp32: 1024 tokens at every length. On ~260-token pairs 1024 (about 4 rows) was within noise
 *   of 512 and ahead of 2048; on ~60-token passages 16-32 rows are the optimum
 *   (163 / 160 / 142 passages/s at 16 / 32 / 64 rows on raw ORT), which 1024 tokens gives.
 * - q8 (dynamic int8): the int8 GEMMs finish early, so the fp32 attention and element-wise ops
 *   over `[rows, heads, seq, seq]` dominate and fall out of the 2 MB L2 quickly: long pairs
 *   want 2 rows (512 tokens: 32.8 pairs/s against 26.6 at 1024 and 18.7 at 4096), short
 *   passages still 16-32 rows (1024 tokens).
 * - fp16 follows fp32 and q4 follows q8 (ONNX Runtime's CPU kernels compute both in fp32 /
 *   int8 after dequantizing); not measured separately.
 */
export const BATCH_BUDGETS: Readonly<Record<BudgetDtype, readonly BatchBudget[]>> = {
  fp32: [{ maxLength: Infinity, maxBatchTokens: 1024, maxBatchSize: 32 }],
  fp16: [{ maxLength: Infinity, maxBatchTokens: 1024, maxBatchSize: 32 }],
  q8: [
    { maxLength: 128, maxBatchTokens: 1024, maxBatchSize: 32 },
    { maxLength: Infinity, maxBatchTokens: 512, maxBatchSize: 32 },
  ],
  q4: [
    { maxLength: 128, maxBatchTokens: 1024, maxBatchSize: 32 },
    { maxLength: Infinity, maxBatchTokens: 512, maxBatchSize: 32 },
  ],
};

/**
 * The {@link BATCH_BUDGETS} row family of a weights file's dtype (`int8` / `uint8` are dynamic
 * int8 like `q8`; `q4f16` / `bnb4` are 4-bit like `q4`; anything unknown is treated as fp32).
 */
export function budgetDtype(dtype: string | undefined): BudgetDtype {
  switch (dtype) {
    case "q8":
    case "int8":
    case "uint8":
      return "q8";
    case "q4":
    case "q4f16":
    case "bnb4":
      return "q4";
    case "fp16":
      return "fp16";
    default:
      return "fp32";
  }
}

/** The default budget for a batch of the given weight type whose longest row has `longest` tokens. */
export function defaultBudget(dtype: string | undefined, longest: number): BatchBudget {
  const rows = BATCH_BUDGETS[budgetDtype(dtype)];
  return rows.find((r) => longest <= r.maxLength) ?? (rows[rows.length - 1] as BatchBudget);
}

/**
 * Groups item indices into batches of similar length. Each batch lists indices into `lengths`;
 * every index appears exactly once. Results must be put back by index, not by batch position.
 * @param dtype the weights' dtype, which picks the default budgets (see {@link BATCH_BUDGETS})
 * @throws {InvalidInputError} when a length is not an integer >= 0 (a NaN would compare false
 *   against every budget and merge all items into one batch)
 * @throws {InvalidOptionError} when `maxBatchTokens` or `maxBatchSize` is set but not an integer >= 1
 */
export function planMicroBatches(lengths: readonly number[], limits: MicroBatchLimits = {}, dtype = "fp32"): number[][] {
  const bad = lengths.findIndex((n) => !Number.isInteger(n) || n < 0);
  if (bad >= 0) throw new InvalidInputError(`planMicroBatches: lengths[${bad}] must be an integer >= 0, got ${String(lengths[bad])}`, { field: `lengths[${bad}]` });
  for (const option of ["maxBatchTokens", "maxBatchSize"] as const) checkOption(option, limits[option], { kind: "integer", min: 1 }, "planMicroBatches");
  const order = lengths.map((_, i) => i).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of order) {
    const len = lengths[i] as number;
    const nextLongest = Math.max(longest, len);
    const budget = defaultBudget(dtype, nextLongest);
    const maxTokens = limits.maxBatchTokens ?? budget.maxBatchTokens;
    const maxSize = limits.maxBatchSize ?? budget.maxBatchSize;
    if (current.length > 0 && (current.length >= maxSize || nextLongest * (current.length + 1) > maxTokens)) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(i);
    longest = Math.max(longest, len);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
