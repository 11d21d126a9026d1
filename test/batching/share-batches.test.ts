/**
 * Cutting a call's micro-batch plan into parts for several workers (src/batching/share-batches.ts):
 * each worker re-plans its part from the part's own lengths, and must get exactly the part's
 * micro-batches of the whole call's plan, or q8 scores would change (their activation scales
 * depend on what shares a run).
 */
import { describe, expect, it } from "vitest";
import { planMicroBatches, type MicroBatchLimits } from "../../src/batching/micro-batches.js";
import { shareMicroBatches } from "../../src/batching/share-batches.js";
import { mulberry32 } from "../fixtures/prng.js";

/**
 * The micro-batches a worker runs for one part, as indices of the whole call: the part is sent as
 * its items in the order given, and the worker plans from their lengths alone.
 */
function replanned(part: number[], lengths: number[], limits: MicroBatchLimits, dtype: string): number[][] {
  return planMicroBatches(part.map((i) => lengths[i] as number), limits, dtype).map((b) => b.map((k) => part[k] as number));
}

const key = (batches: number[][]): string[] => batches.map((b) => [...b].sort((x, y) => x - y).join(",")).sort();

describe("shareMicroBatches: parts made of whole micro-batches", () => {
  const cases: Array<{ dtype: string; limits: MicroBatchLimits }> = [
    { dtype: "q8", limits: {} },
    { dtype: "fp32", limits: {} },
    { dtype: "q8", limits: { maxBatchSize: 3 } },
    { dtype: "q4", limits: { maxBatchTokens: 300 } },
  ];

  it("each worker re-plans its part into exactly the whole call's micro-batches of that part", () => {
    const next = mulberry32(23);
    let checked = 0;
    for (let trial = 0; trial < 200; trial++) {
      const { dtype, limits } = cases[trial % cases.length]!;
      // Lengths around the q8 bucket edge (128 tokens) with many ties, where a cut inside a batch
      // or a changed order would move rows between runs.
      const n = 2 + Math.floor(next() * 90);
      const lengths = Array.from({ length: n }, () => 20 + Math.floor(next() * 12) * 12);
      const plan = planMicroBatches(lengths, limits, dtype);
      for (const parts of [2, 3, 4]) {
        const shared = shareMicroBatches(plan, lengths, parts);
        expect(shared.length).toBe(Math.min(parts, plan.length));
        // Every item exactly once, none lost or repeated.
        expect(shared.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
        const runs = shared.flatMap((part) => replanned(part, lengths, limits, dtype));
        expect(key(runs), `trial ${trial}, ${parts} parts, ${dtype}`).toEqual(key(plan));
        checked += plan.length > 1 ? 1 : 0;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it("keeps a plan of one micro-batch whole", () => {
    const lengths = [30, 40, 35, 50];
    const plan = planMicroBatches(lengths, {}, "q8");
    expect(plan).toHaveLength(1);
    expect(shareMicroBatches(plan, lengths, 2)).toEqual([[0, 1, 2, 3]]);
  });

  it("balances parts by padded tokens, each a run of consecutive micro-batches", () => {
    // Eight runs of 2 rows x 200 tokens, then four of 2 x 250 (q8, long rows: 512 tokens a run).
    const lengths = [...Array(16).fill(200), ...Array(8).fill(250)];
    const plan = planMicroBatches(lengths, {}, "q8");
    expect(plan.map((b) => b.length)).toEqual(Array(12).fill(2));
    const shared = shareMicroBatches(plan, lengths, 2);
    const padded = (part: number[]): number => part.reduce((s, i) => s + lengths[i]!, 0);
    const cut = shared[0]!.length / 2;
    expect(shared).toEqual([plan.slice(0, cut).flat(), plan.slice(cut).flat()]);
    // 5200 padded tokens in all: the cut is off the middle by less than one run (500 tokens).
    expect(Math.abs(padded(shared[0]!) - padded(shared[1]!))).toBeLessThanOrEqual(500);
  });

  it("gives no part for an empty plan and one part when one is asked", () => {
    expect(shareMicroBatches([], [], 3)).toEqual([]);
    const lengths = Array(70).fill(10);
    const plan = planMicroBatches(lengths, {}, "q8");
    expect(plan.length).toBeGreaterThan(1);
    expect(shareMicroBatches(plan, lengths, 1)).toEqual([lengths.map((_, i) => i)]);
  });
});
