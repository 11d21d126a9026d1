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
  /**
   * Split a lone large request across idle workers of a worker pool whose results do not depend
   * on the batch (encoders with fp32 / fp16 weights; `WorkerScorer.batchInvariant`): the parts
   * run in parallel and are joined in order, with the same scores, vectors and usage as one call.
   * A cross-encoder pool with q8 / q4 weights splits score requests only along the micro-batches
   * one worker would run (`WorkerScorer.microBatchSplit`), so a request of one micro-batch is not
   * split. Only while no other request waits or is on its way, so a loaded server never splits.
   * @default true
   */
  split?: boolean;
  /**
   * Fewest items (pairs, texts or token-id sequences) in each part of a split: a request of
   * fewer than twice this many is never split. @default 2
   */
  minPartSize?: number;
  /** Called after each merged score call with its pair and request counts. */
  onBatch?: (pairs: number, requests: number) => void;
}

/** The defaults of {@link BatcherOptions}, in one place. */
export const BATCHING_DEFAULTS = { enabled: true, maxWaitMs: 2, maxBatchPairs: 64, split: true, minPartSize: 2 } as const;
