import { TimeoutError } from "../errors/timeout-error.js";
import { APIError } from "./errors/api-error.js";
import { ConnectionError } from "./errors/connection-error.js";

/** Longest server-requested wait rerank-kit honours; longer `Retry-After` values fall back to backoff. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** First backoff delay. */
export const INITIAL_BACKOFF_MS = 500;
/** Backoff ceiling. */
export const MAX_BACKOFF_MS = 8_000;

/**
 * Whether a failed attempt may be retried. Score, rerank and embedding POSTs are read-only, so
 * they are retried like GETs (ky would not retry a POST by default).
 *
 * - An explicit `x-should-retry: true|false` header from the server wins.
 * - Retried: 408, 409, 429, every 5xx, connection errors (refused, reset, cut mid-body) and
 *   per-attempt timeouts.
 * - Not retried: other 4xx, malformed 2xx bodies, aborts, and anything else.
 *
 * @param error - The error of the failed attempt.
 */
export function shouldRetry(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  if (!(error instanceof APIError)) return false;
  const explicit = error.headers.get("x-should-retry");
  if (explicit === "true") return true;
  if (explicit === "false") return false;
  const s = error.status;
  return s === 408 || s === 409 || s === 429 || s >= 500;
}

/**
 * The server-requested wait in milliseconds, from `retry-after-ms`, else `Retry-After` as
 * seconds or an HTTP date. `undefined` when absent, unparsable, negative or over 60 s.
 *
 * @param headers - Response headers of the failed attempt.
 * @param now - Current time in ms (injectable for tests).
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  let ms: number | undefined;
  const msHeader = headers.get("retry-after-ms");
  if (msHeader !== null && msHeader.trim() !== "") {
    const v = Number(msHeader);
    if (Number.isFinite(v)) ms = v;
  }
  if (ms === undefined) {
    const h = headers.get("retry-after");
    if (h !== null && h.trim() !== "") {
      const seconds = Number(h);
      if (Number.isFinite(seconds)) ms = seconds * 1000;
      else {
        const date = Date.parse(h);
        if (!Number.isNaN(date)) ms = date - now;
      }
    }
  }
  return ms !== undefined && ms >= 0 && ms <= MAX_RETRY_AFTER_MS ? ms : undefined;
}

/**
 * Default backoff before retry number `retriesSoFar + 1`: 0.5 s doubling to at most 8 s, minus
 * up to 25 % jitter so that many clients do not retry in lockstep.
 *
 * @param retriesSoFar - Retries already made (0 for the first retry).
 * @param random - A value in [0, 1) (injectable for tests).
 */
export function backoffMs(retriesSoFar: number, random = Math.random()): number {
  const base = Math.min(INITIAL_BACKOFF_MS * 2 ** retriesSoFar, MAX_BACKOFF_MS);
  return base * (1 - random * 0.25);
}

/**
 * How long to wait before the next attempt: the server's `Retry-After` when valid, else
 * {@link backoffMs}.
 *
 * @param error - The error of the failed attempt (its headers are read when it is an `APIError`).
 * @param retriesSoFar - Retries already made.
 */
export function retryDelayMs(error: unknown, retriesSoFar: number): number {
  const fromServer = error instanceof APIError ? retryAfterMs(error.headers) : undefined;
  return fromServer ?? backoffMs(retriesSoFar);
}
