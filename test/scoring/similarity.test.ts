import { describe, expect, it } from "vitest";
import { cosine, l2Normalize, l2NormalizeRows, maxSim } from "../../src/scoring/similarity.js";
import { poolRow } from "../../src/scoring/pooling.js";
import { planMicroBatches } from "../../src/batching/micro-batches.js";

describe("similarity", () => {
  it("cosine of hand-computed vectors", () => {
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosine([3, 4], [4, 3])).toBeCloseTo(24 / 25, 12);
  });
  it("normalizes to unit length, rows independently", () => {
    expect(Array.from(l2Normalize(Float32Array.from([3, 4])))).toEqual([0.6000000238418579, 0.800000011920929]);
    const rows = l2NormalizeRows(Float32Array.from([3, 4, 0, 2]), 2);
    expect(Array.from(rows)).toEqual([0.6000000238418579, 0.800000011920929, 0, 1]);
  });
  it("MaxSim sums, over query tokens, the best dot product with any document token", () => {
    const q = Float32Array.from([1, 0, 0, 1]); // two query tokens
    const d = Float32Array.from([0.5, 0.5, 0.9, 0.1, 0.2, 0.8]); // three doc tokens
    // token 1: max(0.5, 0.9, 0.2) = 0.9; token 2: max(0.5, 0.1, 0.8) = 0.8
    expect(maxSim(q, d, 2)).toBeCloseTo(1.7, 6);
  });
});

describe("pooling", () => {
  // batch 1, seq 3, dim 2; the last position is padding.
  const hidden = Float32Array.from([1, 2, 3, 4, 100, 100]);
  const mask = [1, 1, 0];
  it("mean pools over attended tokens only", () => {
    expect(Array.from(poolRow(hidden, mask, 0, 3, 2, "mean"))).toEqual([2, 3]);
  });
  it("cls takes the first token, lasttoken the last attended one (not index -1)", () => {
    expect(Array.from(poolRow(hidden, mask, 0, 3, 2, "cls"))).toEqual([1, 2]);
    expect(Array.from(poolRow(hidden, mask, 0, 3, 2, "lasttoken"))).toEqual([3, 4]);
  });
});

describe("planMicroBatches", () => {
  it("sorts by length, respects the token budget and batch size, and covers every index once", () => {
    const lengths = [300, 10, 12, 250, 11, 40, 9];
    const batches = planMicroBatches(lengths, { maxBatchTokens: 600, maxBatchSize: 3 });
    expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(3);
      expect(Math.max(...b.map((i) => lengths[i] as number)) * b.length).toBeLessThanOrEqual(600);
    }
    expect(batches[0]).toEqual([6, 1, 4]);
  });
  it("defaults to 1024 padded tokens and 32 rows per batch", () => {
    expect(planMicroBatches(Array(25).fill(100)).map((b) => b.length)).toEqual([10, 10, 5]);
    expect(planMicroBatches(Array(40).fill(10)).map((b) => b.length)).toEqual([32, 8]);
  });

  it("puts an item longer than the budget in a batch of its own, with no empty batch before it", () => {
    expect(planMicroBatches([5000, 3], { maxBatchTokens: 100 })).toEqual([[1], [0]]);
    expect(planMicroBatches([5000], { maxBatchTokens: 100 })).toEqual([[0]]);
  });

  it("returns no batch for no items", () => {
    expect(planMicroBatches([])).toEqual([]);
  });

  it("fills a batch up to exactly the token budget", () => {
    expect(planMicroBatches([10, 10], { maxBatchTokens: 20 })).toEqual([[0, 1]]);
    expect(planMicroBatches([10, 10, 10], { maxBatchTokens: 20 })).toEqual([[0, 1], [2]]);
  });

  it("keeps caller order among equal lengths", () => {
    expect(planMicroBatches([5, 5, 5, 5, 5], { maxBatchSize: 2 })).toEqual([[0, 1], [2, 3], [4]]);
    expect(planMicroBatches([7, 5, 7, 5, 7, 5, 7, 5, 7, 5, 7, 5])).toEqual([[1, 3, 5, 7, 9, 11, 0, 2, 4, 6, 8, 10]]);
  });
});
