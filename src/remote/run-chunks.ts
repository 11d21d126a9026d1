import type { LimitFunction } from "p-limit";
import { throwIfAborted } from "../errors/abort-error.js";

/**
 * Runs `task` over every chunk under the client's concurrency limit and resolves with all
 * results in chunk order, or rejects with the first failure. The first failure (or the caller's
 * abort, or `close()`) aborts every other chunk in flight and skips the queued ones, so the
 * call never settles with part of its work done, and no request keeps running for nothing.
 *
 * @param signals - The caller's signal and the client's close signal, either may be undefined.
 */
export async function runChunks<T, R>(
  chunks: readonly T[],
  limit: LimitFunction,
  signals: readonly (AbortSignal | undefined)[],
  task: (chunk: T, index: number, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const inner = new AbortController();
  const forward = (event: Event) => inner.abort((event.target as AbortSignal).reason);
  for (const s of signals) {
    if (s?.aborted) inner.abort(s.reason);
    else s?.addEventListener("abort", forward, { once: true });
  }
  try {
    return await Promise.all(
      chunks.map((chunk, i) =>
        limit(async () => {
          throwIfAborted(inner.signal);
          try {
            return await task(chunk, i, inner.signal);
          } catch (error) {
            // Stop the sibling chunks; Promise.all already reports this first error to the caller.
            inner.abort(error);
            throw error;
          }
        }),
      ),
    );
  } finally {
    for (const s of signals) s?.removeEventListener("abort", forward);
  }
}
