/**
 * Cutting one call's micro-batch plan into parts that can run on different workers without
 * changing any answer. Each micro-batch is its own model run, so a model whose outputs depend on
 * what shares their batch (dynamic int8: one activation scale per run) gives the same floats as
 * long as every micro-batch keeps its rows and its padding: a part must hold whole micro-batches.
 * @module
 */

/**
 * Groups a plan's micro-batches (from `planMicroBatches`, in plan order) into at most
 * `parts` parts of consecutive micro-batches with about equal padded tokens (rows x longest row),
 * so the parts finish together. Each part lists item indices in ascending order: the caller
 * sends those items as one call in that order, and the worker's own planner rebuilds exactly the
 * part's micro-batches from them (a part starts where a micro-batch starts and the planner is
 * greedy over the same length-sorted items, ties broken by index). Never cuts inside a
 * micro-batch; a plan of one micro-batch is one part.
 * @param batches item indices per micro-batch, in plan order
 * @param lengths tokens per item (what the plan was made from)
 * @param parts most parts wanted (>= 1)
 * @returns 1 to `min(parts, batches.length)` parts, none empty (none at all for an empty plan)
 * @example
 * ```ts
 * const plan = planMicroBatches(lengths, {}, "q8");
 * for (const part of shareMicroBatches(plan, lengths, 2)) await worker.score(part.map((i) => pairs[i]));
 * ```
 */
export function shareMicroBatches(batches: readonly (readonly number[])[], lengths: readonly number[], parts: number): number[][] {
  const cost = batches.map((b) => b.length * Math.max(0, ...b.map((i) => lengths[i] ?? 0)));
  const total = cost.reduce((a, b) => a + b, 0);
  const k = Math.max(1, Math.min(Math.floor(parts), batches.length));
  const out: number[][] = [];
  let next = 0;
  let sum = 0;
  for (let p = 1; p <= k && next < batches.length; p++) {
    const goal = (total * p) / k;
    const part: number[] = [];
    // Each part takes at least one micro-batch and leaves one for each later part.
    while (next < batches.length && (part.length === 0 || (batches.length - next > k - p && sum + (cost[next] as number) / 2 <= goal))) {
      part.push(...(batches[next] as number[]));
      sum += cost[next] as number;
      next++;
    }
    out.push(part.sort((a, b) => a - b));
  }
  return out;
}
