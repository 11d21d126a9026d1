import { planMicroBatches, type MicroBatchLimits } from "../../batching/micro-batches.js";
import { runBatchLoop, type BatchControl } from "./batch-loop.js";
import type { FillOptions } from "./graph-inputs.js";
import type { FloatOutput, OnnxSession } from "./onnx-session.js";

/** One encoded sequence: token ids and, for BERT pairs, segment ids. */
export interface EncodedSequence {
  ids: number[];
  typeIds?: number[] | undefined;
  /** Per-token attention (defaults to 1 for every token). ColBERT's [MASK] expansion sets 0s. */
  attention?: number[] | undefined;
}

/** What the extractor sees for one row of a batch. */
export interface BatchRow {
  /** The whole output tensor of the batch. */
  output: FloatOutput;
  /** Row within the batch. */
  row: number;
  /** Padded sequence length of the batch. */
  seq: number;
  /** Attention mask of the batch, `[batch, seq]`. */
  mask: BigInt64Array;
}

/** Options for {@link runMicroBatches}. */
export interface RunOptions extends MicroBatchLimits, BatchControl {
  /** The weights' dtype (`fp32`, `q8`, ...): picks the default micro-batch budget. @default "fp32" */
  dtype?: string | undefined;
  /** Output to read, e.g. `logits` or `last_hidden_state`. */
  output: string;
  /** Id used for padding. */
  padId: number;
  /**
   * Which side padding goes on. Decoders read the last position, so `left` puts every row's last
   * token at `seq - 1` (as sentence-transformers and transformers do for Qwen3 and Gemma);
   * encoders pad on the right. @default "right"
   */
  padding?: "left" | "right" | undefined;
  /** Forwarded to graphs that declare `num_logits_to_keep`. */
  logitsToKeep?: FillOptions["logitsToKeep"];
  /** Forwarded to task-conditioned graphs (a `task_id` input). */
  taskId?: FillOptions["taskId"];
  /**
   * Token ids every sequence starts with (a score template's system prompt, instruction and
   * query). Decoders with a key/value cache compute it once and each sequence passes only its
   * own tokens (`sequences` then hold what follows the prefix); needs `padding: "left"`, except on
   * graphs with GroupQueryAttention, whose prefixed rows run one per batch.
   */
  prefix?: readonly number[] | undefined;
  /**
   * Find the longest token prefix all sequences share (at least `minTokens`, default 16) and
   * compute it once, as `prefix` does. Only for outputs read at the last position (an LLM
   * reranker's score): the extractor then sees each sequence without the prefix. Ignored unless
   * the graph has a key/value cache, padding is `left` (or the attention is GroupQueryAttention,
   * whose prefixed rows run one per batch) and there are two sequences or more.
   */
  reusePrefix?: boolean | { minTokens?: number } | undefined;
}

/**
 * Runs sequences through the session in length-sorted micro-batches (right padding unless
 * `padding: "left"`) and returns one extracted value per sequence, in input order. Abort,
 * progress and yielding between batches are {@link runBatchLoop}'s.
 */
export async function runMicroBatches<T>(
  session: OnnxSession,
  sequences: readonly EncodedSequence[],
  options: RunOptions,
  extract: (row: BatchRow, index: number) => T,
): Promise<T[]> {
  const results = new Array<T>(sequences.length);
  ({ sequences, options } = prepareRun(session, sequences, options));
  const fused = session.attention === "group-query";
  const batches = planMicroBatches(planLengths(sequences, options), options, options.dtype);
  const withTypes = session.hasInput("token_type_ids");
  const left = options.padding === "left";
  const prefix = options.prefix && options.prefix.length > 0 ? await session.prefixCache(options.prefix) : undefined;
  if (prefix && !left && !fused) throw new Error("runMicroBatches: a shared prefix needs padding: \"left\"");
  await runBatchLoop(batches, sequences.length, options, async (batch) => {
    const seq = Math.max(...batch.map((i) => (sequences[i] as EncodedSequence).ids.length));
    const n = batch.length;
    const ids = new Int64Matrix(n * seq, options.padId);
    const mask = new Int64Matrix(n * seq, 0);
    const types = withTypes ? new Int64Matrix(n * seq, 0) : undefined;
    batch.forEach((itemIndex, row) => {
      const s = sequences[itemIndex] as EncodedSequence;
      const base = row * seq + (left ? seq - s.ids.length : 0);
      for (let t = 0; t < s.ids.length; t++) {
        ids.set(base + t, s.ids[t] as number);
        mask.set(base + t, s.attention ? (s.attention[t] as number) : 1);
        if (types && s.typeIds) types.set(base + t, s.typeIds[t] as number);
      }
    });
    const feeds: Record<string, { data: BigInt64Array; dims: [number, number] }> = {
      input_ids: { data: ids.data, dims: [n, seq] },
      attention_mask: { data: mask.data, dims: [n, seq] },
    };
    if (types) feeds["token_type_ids"] = { data: types.data, dims: [n, seq] };
    const output = await session.run(feeds, options.output, { logitsToKeep: options.logitsToKeep, prefix, taskId: options.taskId });
    batch.forEach((itemIndex, row) => {
      results[itemIndex] = extract({ output, row, seq, mask: mask.data }, itemIndex);
    });
  });
  return results;
}

/**
 * The micro-batches {@link runMicroBatches} would run `sequences` in (item indices per batch, in
 * run order), with the tokens each item is planned by: the same preparation and the same planner,
 * so a caller that splits a call along these batches gets the runs one call would make.
 */
export function planRuns(session: OnnxSession, sequences: readonly EncodedSequence[], options: RunOptions): { batches: number[][]; lengths: number[] } {
  const prepared = prepareRun(session, sequences, options);
  const lengths = planLengths(prepared.sequences, prepared.options);
  return { batches: planMicroBatches(lengths, prepared.options, prepared.options.dtype), lengths };
}

/**
 * The length each sequence is planned by. A row that continues a cached prefix attends to the
 * prefix too, and the prefix's key/value cache is copied into every row of its batch (then
 * concatenated again inside the graph), so the budget counts it: planned by its own tokens, a
 * batch of 32 short documents behind a 100-token prefix fed 32 copies of that cache (about 0.7 GB
 * on Qwen3-Reranker-0.6B).
 */
function planLengths(sequences: readonly EncodedSequence[], options: RunOptions): number[] {
  const prefix = options.prefix?.length ?? 0;
  return sequences.map((s) => s.ids.length + prefix);
}

/** A run's sequences and options once a shared prefix is taken out and fused attention's limit applied. */
function prepareRun(session: OnnxSession, sequences: readonly EncodedSequence[], options: RunOptions): { sequences: readonly EncodedSequence[]; options: RunOptions } {
  const shared = sharedPrefix(session, sequences, options);
  if (shared) {
    options = { ...options, prefix: shared, reusePrefix: false };
    sequences = sequences.map((s) => ({ ...s, ids: s.ids.slice(shared.length) }));
  }
  // GroupQueryAttention continues a cached prefix one row at a time (see fused-attention.ts).
  if (session.attention === "group-query" && options.prefix && options.prefix.length > 0) options = { ...options, maxBatchSize: 1 };
  return { sequences, options };
}

/** The longest common token prefix worth caching, or undefined. */
function sharedPrefix(session: OnnxSession, sequences: readonly EncodedSequence[], options: RunOptions): number[] | undefined {
  const want = options.reusePrefix;
  // Rows of a fused-attention graph's prefixed runs are alone in their batch, so any padding side works.
  const sided = options.padding === "left" || session.attention === "group-query";
  if (!want || options.prefix || !sided || sequences.length < 2 || session.inputs.cacheLayers === 0) return undefined;
  const minTokens = typeof want === "object" && want.minTokens !== undefined ? want.minTokens : 16;
  const first = (sequences[0] as EncodedSequence).ids;
  // Every sequence keeps at least its last token: the position the score is read at.
  let n = Math.min(...sequences.map((s) => s.ids.length)) - 1;
  for (const s of sequences) {
    if (s.attention || s.typeIds?.some((t) => t !== 0)) return undefined;
    let i = 0;
    while (i < n && s.ids[i] === first[i]) i++;
    n = i;
  }
  return n >= Math.max(1, minTokens) ? first.slice(0, n) : undefined;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * An int64 tensor filled from small non-negative ints. On little-endian machines it writes the
 * low 32-bit words directly, avoiding a BigInt allocation per token.
 */
class Int64Matrix {
  readonly data: BigInt64Array;
  private readonly words: Int32Array | undefined;

  constructor(length: number, fill: number) {
    this.data = new BigInt64Array(length);
    this.words = LITTLE_ENDIAN ? new Int32Array(this.data.buffer) : undefined;
    if (fill !== 0) for (let i = 0; i < length; i++) this.set(i, fill);
  }

  set(index: number, value: number): void {
    if (this.words) this.words[index * 2] = value;
    else this.data[index] = BigInt(value);
  }
}
