import { AbortError } from "../errors/abort-error.js";

/** An abortable wait; injected into the transport so tests can skip real backoff. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Resolves after `ms` milliseconds, or rejects with an `AbortError` as soon as `signal` fires
 * (unlike a plain `setTimeout` promise, an abort during backoff is noticed at once).
 *
 * @param ms - How long to wait.
 * @param signal - Cancels the wait.
 * @throws {AbortError} when `signal` fires before or during the wait.
 */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError("The operation was aborted.", { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError("The operation was aborted.", { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
