import { throwIfAborted } from "../../errors/abort-error.js";
import { planMicroBatches, type MicroBatchLimits } from "../../batching/micro-batches.js";
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
export interface RunOptions extends MicroBatchLimits {
  /** Output to read, e.g. `logits` or `last_hidden_state`. */
  output: string;
  /** Id used for padding. */
  padId: number;
  signal?: AbortSignal | undefined;
  /** Called after each batch with the number of sequences done so far. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/**
 * Runs sequences through the session in length-sorted micro-batches (right padding) and returns
 * one extracted value per sequence, in input order. Checks the abort signal between batches and
 * yields to the event loop there, since each `run()` blocks it.
 */
export async function runMicroBatches<T>(
  session: OnnxSession,
  sequences: readonly EncodedSequence[],
  options: RunOptions,
  extract: (row: BatchRow, index: number) => T,
): Promise<T[]> {
  const results = new Array<T>(sequences.length);
  const batches = planMicroBatches(
    sequences.map((s) => s.ids.length),
    options,
  );
  const withTypes = session.hasInput("token_type_ids");
  let done = 0;
  for (const batch of batches) {
    throwIfAborted(options.signal);
    const seq = Math.max(...batch.map((i) => (sequences[i] as EncodedSequence).ids.length));
    const n = batch.length;
    const ids = new BigInt64Array(n * seq).fill(BigInt(options.padId));
    const mask = new BigInt64Array(n * seq);
    const types = withTypes ? new BigInt64Array(n * seq) : undefined;
    batch.forEach((itemIndex, row) => {
      const s = sequences[itemIndex] as EncodedSequence;
      for (let t = 0; t < s.ids.length; t++) {
        ids[row * seq + t] = BigInt(s.ids[t] as number);
        mask[row * seq + t] = BigInt(s.attention ? (s.attention[t] as number) : 1);
        if (types && s.typeIds) types[row * seq + t] = BigInt(s.typeIds[t] as number);
      }
    });
    const feeds: Record<string, { data: BigInt64Array; dims: [number, number] }> = {
      input_ids: { data: ids, dims: [n, seq] },
      attention_mask: { data: mask, dims: [n, seq] },
    };
    if (types) feeds["token_type_ids"] = { data: types, dims: [n, seq] };
    const output = await session.run(feeds, options.output);
    batch.forEach((itemIndex, row) => {
      results[itemIndex] = extract({ output, row, seq, mask }, itemIndex);
    });
    done += n;
    options.onProgress?.(done, sequences.length);
    await new Promise<void>((r) => setImmediate(r));
  }
  throwIfAborted(options.signal);
  return results;
}
