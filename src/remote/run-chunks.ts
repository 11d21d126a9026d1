import { setMaxListeners } from "node:events";
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
  task: (chunk: T, index: number, signal: AbortSignal | undefined) => Promise<R>,
): Promise<R[]> {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  // One chunk with at most one signal needs no linked controller: the hot path of small calls.
  if (chunks.length === 1 && present.length <= 1) {
    const only = present[0];
    return [
      await limit(() => {
        throwIfAborted(only);
        return task(chunks[0] as T, 0, only);
      }),
    ];
  }
  const inner = new AbortController();
  // Every chunk's attempt listens on this signal; the listeners are removed when it settles.
  setMaxListeners(0, inner.signal);
  const forward = (event: Event) => inner.abort((event.target as AbortSignal).reason);
  for (const s of present) {
    if (s.aborted) inner.abort(s.reason);
    else s.addEventListener("abort", forward, { once: true });
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
    for (const s of present) s.removeEventListener("abort", forward);
  }
}
