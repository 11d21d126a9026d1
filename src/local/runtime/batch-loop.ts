/**
 * The loop every batched run shares, whatever its inputs (token ids, pixels): batches in order,
 * abort checked between them, progress reported after each, the event loop given a turn.
 * @module
 */
import { throwIfAborted } from "../../errors/abort-error.js";
import type { Progress } from "../../types.js";

/** The caller's hold on a batched run. */
export interface BatchControl {
  signal?: AbortSignal | undefined;
  /**
   * Called after each batch with the items done so far, and awaited: a callback that throws or
   * returns a promise that rejects fails the run with its error (never an unhandled rejection).
   */
  onProgress?: ((progress: Progress) => unknown) | undefined;
}

/**
 * Runs planned batches one after another. The signal is checked before each batch and after the
 * last; the event loop gets a turn between batches, since each ONNX run blocks it.
 * @param batches item indices per batch, as a planner gives them
 * @param total items in the whole run, reported as `total`
 * @throws {AbortError} when the signal fires; whatever `runBatch` or `onProgress` throws.
 */
export async function runBatchLoop(
  batches: readonly (readonly number[])[],
  total: number,
  control: BatchControl,
  runBatch: (batch: readonly number[]) => Promise<void>,
): Promise<void> {
  let done = 0;
  for (const batch of batches) {
    throwIfAborted(control.signal);
    await runBatch(batch);
    done += batch.length;
    await control.onProgress?.({ done, total });
    await new Promise<void>((r) => setImmediate(r));
  }
  throwIfAborted(control.signal);
}
