/**
 * Request batching options of `createServer` (`batching`). One set serves every kind of request
 * the server coalesces; each kind counts a batch's size in its own unit (see `maxBatchPairs`).
 */
export interface BatcherOptions {
  /** Merge concurrent requests into shared model calls. @default true */
  enabled?: boolean;
  /** Longest wait for companions when a slot is free and more requests are arriving, in ms. @default 2 */
  maxWaitMs?: number;
  /**
   * Most items in one merged call; a larger request runs alone. A score call counts pairs, an
   * embedding call counts its inputs (texts or token-id sequences), since that is what each
   * model call pads into one batch. @default 64
   */
  maxBatchPairs?: number;
  /** Called after each merged score call with its pair and request counts. */
  onBatch?: (pairs: number, requests: number) => void;
}

/** The defaults of {@link BatcherOptions}, in one place. */
export const BATCHING_DEFAULTS = { enabled: true, maxWaitMs: 2, maxBatchPairs: 64 } as const;
