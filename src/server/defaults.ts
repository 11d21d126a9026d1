import { BATCHING_DEFAULTS } from "./runtime/coalesce-options.js";
import { MEDIA_DEFAULTS } from "./media/media-options.js";

/**
 * The defaults of `createServer`'s limits and timeouts, in one place: `rerank-kit serve` reads its
 * flag defaults (and so its `--help`) from here, and a test holds `createServer` to the same values.
 */
export const SERVER_DEFAULTS = {
  maxDocuments: 1000,
  maxInFlight: 256,
  maxBodyBytes: 10 * 1024 * 1024,
  maxResponseBytes: 512 * 1024 * 1024,
  requestTimeoutMs: 60_000,
  headerTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  idleTimeoutMs: 5_000,
  shutdownTimeoutMs: 30_000,
  maxMediaBytes: MEDIA_DEFAULTS.maxMediaBytes,
  mediaFetchTimeoutMs: MEDIA_DEFAULTS.mediaFetchTimeoutMs,
  batching: BATCHING_DEFAULTS,
} as const;
