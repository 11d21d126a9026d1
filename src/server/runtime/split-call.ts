import type { ScoreResponse } from "../../types.js";

/**
 * What a pool offers a split: how many calls can start in parallel right now, and whether the
 * parts' answers equal the whole call's. A worker pool (`WorkerScorer`) has both; anything else
 * (one in-process model, a remote client) is never split.
 */
interface ParallelTarget {
  readonly idleWorkers: number;
  readonly batchInvariant: boolean;
}

/**
 * Parts a call to `target` may be split into now: its idle workers when splitting is exact
 * (the model's results do not depend on the batch), else 1.
 */
export function splitLanes(target: unknown): number {
  const t = target as Partial<ParallelTarget> | undefined;
  if (typeof t?.idleWorkers !== "number" || t.batchInvariant !== true) return 1;
  return Math.max(1, t.idleWorkers);
}

/**
 * Cuts `weights` (one per item, e.g. characters) into `parts` contiguous, non-empty ranges of
 * about equal weight, so the parts finish together. Returns the `parts + 1` boundaries.
 */
export function partition(weights: readonly number[], parts: number): number[] {
  const n = weights.length;
  const k = Math.max(1, Math.min(parts, n));
  const bounds = [0];
  const w = (i: number): number => Math.max(0, weights[i] as number);
  const total = weights.reduce((a, b) => a + Math.max(0, b), 0);
  let sum = 0;
  let i = 0;
  for (let p = 1; p < k; p++) {
    const goal = (total * p) / k;
    const first = i;
    // Each part takes at least one item and leaves one for each later part.
    while (i < n - (k - p) && (i === first || sum + w(i) / 2 <= goal)) sum += w(i++);
    bounds.push(i);
  }
  bounds.push(n);
  return bounds;
}

/**
 * Runs one call as `parts` calls over contiguous ranges of its items, all started before any is
 * awaited (so each lands on its own idle worker), and joins their answers in order. A part that
 * fails aborts the others and the call rejects with that part's error; `signal` aborts them all.
 */
export async function runSplit<R>(
  weights: readonly number[],
  parts: number,
  signal: AbortSignal,
  call: (start: number, end: number, signal: AbortSignal) => Promise<R>,
  join: (answers: R[]) => R,
): Promise<R> {
  const bounds = partition(weights, parts);
  const controller = new AbortController();
  const stop = (): void => controller.abort(signal.reason);
  if (signal.aborted) stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    const running = bounds.slice(1).map((end, p) =>
      call(bounds[p]!, end, controller.signal).catch((error: unknown) => {
        // The first failure wins: the siblings' abort errors that follow are not the cause.
        controller.abort(error);
        throw error;
      }),
    );
    return join(await Promise.all(running));
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/** The score answers of consecutive parts as one: scores and per-pair tokens concatenated, usage summed. */
export function joinScores(parts: ScoreResponse[]): ScoreResponse {
  const promptTokens = parts.reduce((n, p) => n + p.usage.promptTokens, 0);
  const totalTokens = parts.reduce((n, p) => n + p.usage.totalTokens, 0);
  const joined: ScoreResponse = { scores: parts.flatMap((p) => p.scores), usage: { promptTokens, totalTokens } };
  if (parts.every((p) => p.pairTokens !== undefined)) joined.pairTokens = parts.flatMap((p) => p.pairTokens as number[]);
  return joined;
}
