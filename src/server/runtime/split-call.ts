import { shareMicroBatches } from "../../batching/share-batches.js";
import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../types.js";

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

/** A pool that can plan a score call's micro-batches (a `WorkerScorer` of a cross-encoder). */
export interface PlanningTarget {
  readonly idleWorkers: number;
  readonly microBatchSplit: boolean;
  planScore(queries: ScoreInput[], documents: ScoreInput[], options: ScoreOptions): Promise<{ batches: number[][]; lengths: number[] }>;
}

/** `target` when it can split score calls along their micro-batches (see `WorkerScorer.microBatchSplit`). */
export function planningTarget(target: unknown): PlanningTarget | undefined {
  const t = target as Partial<PlanningTarget> | undefined;
  return typeof t?.idleWorkers === "number" && t.microBatchSplit === true && typeof t.planScore === "function" ? (t as PlanningTarget) : undefined;
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
  return join(await runParts(bounds.length - 1, signal, (p, part) => call(bounds[p]!, bounds[p + 1]!, part)));
}

/**
 * Runs `count` calls, all started before any is awaited (so each lands on its own idle worker),
 * and returns their answers in order. A call that fails aborts the others and the whole rejects
 * with that call's error; `signal` aborts them all.
 */
export async function runParts<R>(count: number, signal: AbortSignal, call: (part: number, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const controller = new AbortController();
  const stop = (): void => controller.abort(signal.reason);
  if (signal.aborted) stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    const running = Array.from({ length: count }, (_, p) =>
      call(p, controller.signal).catch((error: unknown) => {
        // The first failure wins: the siblings' abort errors that follow are not the cause.
        controller.abort(error);
        throw error;
      }),
    );
    return await Promise.all(running);
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/**
 * Runs one score call as parts made of whole micro-batches of its plan (`planScore`, cut by
 * `shareMicroBatches`), one per idle worker, and puts every score back at its pair's index. Each
 * micro-batch runs whole with its own rows and padding, so even q8 scores equal the unsplit
 * call's bit for bit. A plan of one micro-batch runs as one call.
 */
export async function runPlannedSplit(
  target: PlanningTarget,
  queries: ScoreInput[],
  documents: ScoreInput[],
  options: ScoreOptions,
  parts: number,
  signal: AbortSignal,
  call: (queries: ScoreInput[], documents: ScoreInput[], signal: AbortSignal) => Promise<ScoreResponse>,
): Promise<ScoreResponse> {
  const plan = await target.planScore(queries, documents, { ...options, signal });
  const groups = shareMicroBatches(plan.batches, plan.lengths, parts);
  if (groups.length < 2) return call(queries, documents, signal);
  const answers = await runParts(groups.length, signal, (p, part) => {
    const items = groups[p] as number[];
    return call(items.map((i) => queries[i] as ScoreInput), items.map((i) => documents[i] as ScoreInput), part);
  });
  return scatterScores(groups, answers, queries.length);
}

/** Answers of parts holding the pair indices `groups` as one answer in pair order, usage summed. */
export function scatterScores(groups: readonly (readonly number[])[], answers: readonly ScoreResponse[], pairs: number): ScoreResponse {
  const scores = new Array<number>(pairs);
  const pairTokens = new Array<number>(pairs);
  groups.forEach((items, p) => {
    const answer = answers[p] as ScoreResponse;
    if (answer.scores.length !== items.length) throw new Error(`A part of ${items.length} pairs returned ${answer.scores.length} scores`);
    items.forEach((i, k) => {
      scores[i] = answer.scores[k] as number;
      if (answer.pairTokens) pairTokens[i] = answer.pairTokens[k] as number;
    });
  });
  const joined = joinScores(answers as ScoreResponse[]);
  const result: ScoreResponse = { scores, usage: joined.usage };
  if (joined.pairTokens !== undefined) result.pairTokens = pairTokens;
  return result;
}

/** The score answers of consecutive parts as one: scores and per-pair tokens concatenated, usage summed. */
export function joinScores(parts: ScoreResponse[]): ScoreResponse {
  const promptTokens = parts.reduce((n, p) => n + p.usage.promptTokens, 0);
  const totalTokens = parts.reduce((n, p) => n + p.usage.totalTokens, 0);
  const joined: ScoreResponse = { scores: parts.flatMap((p) => p.scores), usage: { promptTokens, totalTokens } };
  if (parts.every((p) => p.pairTokens !== undefined)) joined.pairTokens = parts.flatMap((p) => p.pairTokens as number[]);
  return joined;
}
