import { describe, expect, it } from "vitest";
import { cosine, l2Normalize, l2NormalizeRows, maxSim } from "../../src/scoring/similarity.js";
import { poolRow } from "../../src/scoring/pooling.js";
import { budgetDtype, defaultBudget, planMicroBatches } from "../../src/batching/micro-batches.js";
import { InvalidInputError, InvalidOptionError } from "../../src/errors/index.js";

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

// The per-dtype default budgets (BATCH_BUDGETS), here because this is the file the `batching`
// mutation scope runs (test/batching/budgets.test.ts also loads a model, too slow per mutant).
// Expected rows are the table's, written out: fp32/fp16 1024 tokens at every length, q8/q4 1024 up
// to 128 tokens and 512 above, 32 rows everywhere.
describe("planMicroBatches refuses what it cannot plan", () => {
  it.each([[[3, Number.NaN]], [[3, -1]], [[2.5]], [[Infinity]]])("lengths %j: InvalidInputError naming the index", (lengths) => {
    const bad = lengths.length - 1;
    expect(() => planMicroBatches(lengths)).toThrow(InvalidInputError);
    expect(() => planMicroBatches(lengths)).toThrow(`lengths[${bad}] must be an integer >= 0, got ${String(lengths[bad])}`);
    expect(() => planMicroBatches(lengths)).toThrow(expect.objectContaining({ field: `lengths[${bad}]` }));
  });

  it.each([
    ["maxBatchTokens", 0],
    ["maxBatchTokens", Number.NaN],
    ["maxBatchSize", -2],
    ["maxBatchSize", 1.5],
  ] as const)("%s = %s: InvalidOptionError", (option, value) => {
    const call = () => planMicroBatches([1, 2], { [option]: value });
    expect(call).toThrow(InvalidOptionError);
    expect(call).toThrow(`planMicroBatches: option \`${option}\` must be an integer >= 1, got ${String(value)}`);
    expect(call).toThrow(expect.objectContaining({ option, field: option, allowed: "an integer >= 1" }));
  });

  it("accepts the smallest valid limits and zero-length items", () => {
    expect(planMicroBatches([0, 0], { maxBatchTokens: 1, maxBatchSize: 1 })).toEqual([[0], [1]]);
  });
});

describe("planMicroBatches default budgets per dtype and length", () => {
  const sizes = (batches: number[][]) => batches.map((b) => b.length);
  const SHORT = { maxLength: 128, maxBatchTokens: 1024, maxBatchSize: 32 };
  const LONG = { maxLength: Infinity, maxBatchTokens: 512, maxBatchSize: 32 };
  const FLAT = { maxLength: Infinity, maxBatchTokens: 1024, maxBatchSize: 32 };

  it("maps every dtype name onto its row family; unknown or absent is fp32", () => {
    const names = ["fp32", "fp16", "q8", "int8", "uint8", "q4", "q4f16", "bnb4", "bf16", "", undefined];
    expect(names.map(budgetDtype)).toEqual(["fp32", "fp16", "q8", "q8", "q8", "q4", "q4", "q4", "fp32", "fp32", "fp32"]);
  });

  it("picks the row whose maxLength bounds the longest row, 128 itself included", () => {
    for (const dtype of ["q8", "q4"]) {
      expect(defaultBudget(dtype, 1)).toEqual(SHORT);
      expect(defaultBudget(dtype, 128)).toEqual(SHORT);
      expect(defaultBudget(dtype, 129)).toEqual(LONG);
      expect(defaultBudget(dtype, 5000)).toEqual(LONG);
    }
    for (const dtype of ["fp32", "fp16", undefined]) {
      expect(defaultBudget(dtype, 1)).toEqual(FLAT);
      expect(defaultBudget(dtype, 5000)).toEqual(FLAT);
    }
  });

  it("falls back to the dtype's last row for a length no row bounds (NaN), never to undefined", () => {
    expect(defaultBudget("q8", Number.NaN)).toEqual(LONG);
    expect(defaultBudget("fp32", Number.NaN)).toEqual(FLAT);
  });

  it("plans with the given dtype's rows: 2 rows of 220 tokens under q8 and q4, 4 under fp32, fp16 and unknown", () => {
    const long = Array(6).fill(220);
    expect(sizes(planMicroBatches(long, {}, "q8"))).toEqual([2, 2, 2]);
    expect(sizes(planMicroBatches(long, {}, "q4"))).toEqual([2, 2, 2]);
    expect(sizes(planMicroBatches(long, {}, "fp16"))).toEqual([4, 2]);
    expect(sizes(planMicroBatches(long, {}, "bf16"))).toEqual([4, 2]);
    expect(sizes(planMicroBatches(long))).toEqual([4, 2]);
    // Short rows keep 1024 tokens under q8: 17 x 60 = 1020.
    expect(sizes(planMicroBatches(Array(40).fill(60), {}, "q8"))).toEqual([17, 17, 6]);
  });

  it("checks the budget against the new row's length, not the batch's longest so far", () => {
    // 2 x 600 = 1200 > 1024, although the batch so far holds a 1-token row.
    expect(planMicroBatches([1, 600])).toEqual([[0], [1]]);
    // A 129-token row makes a batch of 128s long under q8, whose budget is 512 (4 x 129 = 516).
    expect(sizes(planMicroBatches([128, 128, 128, 129], {}, "q8"))).toEqual([3, 1]);
  });

  it("explicit limits replace the table's, one field at a time", () => {
    expect(sizes(planMicroBatches(Array(6).fill(220), { maxBatchTokens: 4096 }, "q8"))).toEqual([6]);
    expect(sizes(planMicroBatches(Array(6).fill(220), { maxBatchSize: 1 }, "q8"))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(sizes(planMicroBatches(Array(40).fill(10), { maxBatchSize: 4 }, "q8"))).toEqual(Array(10).fill(4));
  });
});
