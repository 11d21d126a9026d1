/**
 * The llama.cpp bench row's verdict (bench/llama-verdict.ts): each engine against the fp32
 * reference within its own allowance; the difference between the engines reported, not judged.
 * Scores are binary fractions so every difference below is exact.
 */
import { describe, expect, it } from "vitest";
import { driftSummary, llamaRowVerdict, maxAbsDiff, type LlamaRowInput } from "../../bench/llama-verdict.js";

const REF = [0.5, -1, 2, 0];
const TOKENS = [210, 305, 198, 260];
const shift = (deltas: number[]) => REF.map((z, i) => z + (deltas[i] as number));

/** A row with both engines at the given offsets from the reference and allowance 0.5 each. */
function input(rkDeltas: number[], llamaDeltas: number[], over: Partial<LlamaRowInput> = {}): LlamaRowInput {
  return {
    reference: { logits: REF, tokens: TOKENS },
    rk: { logits: shift(rkDeltas), tokens: TOKENS },
    llama: { logits: shift(llamaDeltas), tokens: TOKENS },
    allowance: { rk: 0.5, llama: 0.5 },
    ...over,
  };
}

describe("maxAbsDiff", () => {
  it("is the largest absolute difference, either sign", () => {
    expect(maxAbsDiff([1, 2, 3], [1.25, 1.5, 3])).toBe(0.5);
    expect(maxAbsDiff([], [])).toBe(0);
  });

  it("is NaN when a score is not finite, so a broken side never looks close", () => {
    expect(maxAbsDiff([1, Number.NaN], [1, 2])).toBeNaN();
    expect(maxAbsDiff([1, Number.POSITIVE_INFINITY], [1, Number.POSITIVE_INFINITY])).toBeNaN();
  });

  it("refuses lists of different lengths", () => {
    expect(() => maxAbsDiff([1, 2], [1])).toThrow(RangeError);
  });
});

describe("llamaRowVerdict", () => {
  it("passes two engines that drift apart in opposite directions, each within its allowance (the first q4 row's case)", () => {
    const v = llamaRowVerdict(input([0.375, 0, -0.25, 0], [-0.375, 0.125, 0, 0]));
    expect(v).toEqual({ void: false, reasons: [], drift: { rk: 0.375, llama: 0.375 }, between: 0.75 });
  });

  it("passes a drift equal to the allowance", () => {
    expect(llamaRowVerdict(input([0.5, 0, 0, 0], [0, 0, 0, -0.5])).void).toBe(false);
  });

  it("voids the row when rerank-kit drifts beyond its allowance, and says which engine", () => {
    const v = llamaRowVerdict(input([0, 0.625, 0, 0], [0, 0, 0, 0]));
    expect(v.void).toBe(true);
    expect(v.drift).toEqual({ rk: 0.625, llama: 0 });
    expect(v.reasons).toEqual(["rerank-kit drifts 6.25e-1 from fp32, over the 0.5 allowed"]);
  });

  it("voids the row when llama.cpp drifts beyond its allowance, even when the engines agree with each other", () => {
    const v = llamaRowVerdict(input([0.5, 0, 0, 0], [0.75, 0, 0, 0]));
    expect(v.void).toBe(true);
    expect(v.between).toBe(0.25);
    expect(v.reasons).toEqual(["llama.cpp drifts 7.50e-1 from fp32, over the 0.5 allowed"]);
  });

  it("holds each engine to its own allowance", () => {
    const allowance = { rk: 0.125, llama: 0.5 };
    expect(llamaRowVerdict(input([0, 0, 0, 0], [0.375, 0, 0, 0], { allowance })).void).toBe(false);
    expect(llamaRowVerdict(input([0.375, 0, 0, 0], [0, 0, 0, 0], { allowance })).reasons).toEqual([
      "rerank-kit drifts 3.75e-1 from fp32, over the 0.125 allowed",
    ]);
  });

  it("voids the row when a score is not a number", () => {
    const v = llamaRowVerdict(input([0, Number.NaN, 0, 0], [0, 0, 0, 0]));
    expect(v.void).toBe(true);
    expect(v.drift.rk).toBeNaN();
  });

  it("voids the row when the engines count different tokens, whatever the scores", () => {
    const base = input([0, 0, 0, 0], [0, 0, 0, 0]);
    const v = llamaRowVerdict({ ...base, llama: { ...base.llama, tokens: [210, 305, 199, 260] } });
    expect(v.void).toBe(true);
    expect(v.reasons).toEqual(["rerank-kit and llama.cpp tokenized the prompts differently"]);
  });

  it("voids the row when rerank-kit and the reference count different tokens", () => {
    const base = input([0, 0, 0, 0], [0, 0, 0, 0]);
    const tokens = [210, 305, 198, 261];
    const v = llamaRowVerdict({ ...base, rk: { ...base.rk, tokens }, llama: { ...base.llama, tokens } });
    expect(v.void).toBe(true);
    expect(v.reasons).toEqual(["rerank-kit and the fp32 reference tokenized the prompts differently"]);
  });

  it("voids the row without a reference, still reporting the difference between the engines", () => {
    const v = llamaRowVerdict(input([0, 0, 0, 0], [0, 0.25, 0, 0], { reference: undefined }));
    expect(v.void).toBe(true);
    expect(v.reasons).toEqual(["no fp32 reference to judge the drifts against"]);
    expect(v.between).toBe(0.25);
    expect(v.drift.rk).toBeNaN();
  });

  it("voids the row when a side returned another number of scores", () => {
    const base = input([0, 0, 0, 0], [0, 0, 0, 0]);
    const v = llamaRowVerdict({ ...base, llama: { logits: REF.slice(0, 3), tokens: TOKENS.slice(0, 3) } });
    expect(v.void).toBe(true);
    expect(v.reasons).toEqual(["the sides returned different numbers of scores (rerank-kit 4, llama.cpp 3, reference 4)"]);
  });
});

describe("driftSummary", () => {
  it("tells a shift every document shares (the q4 file's case) from scatter: signed mean, range, correlation 1", () => {
    const s = driftSummary(shift([-0.25, -0.25, -0.25, -0.25]), REF);
    expect(s.max).toBe(0.25);
    expect(s.meanSigned).toBe(-0.25);
    expect(s.range).toEqual([-0.25, -0.25]);
    expect(s.pearson).toBeCloseTo(1, 12);
  });

  it("signs the drift engine minus reference", () => {
    const s = driftSummary(shift([0.5, 0, 0.25, 0.25]), REF);
    expect(s.meanSigned).toBe(0.25);
    expect(s.range).toEqual([0, 0.5]);
  });

  it("is Pearson's correlation: 0.8 for two swapped neighbours of four, -1 for the reversed order", () => {
    // Means 1.5; deviations (-1.5, -0.5, 1.5, 0.5) and (-1.5, -0.5, 0.5, 1.5): 4 / 5.
    expect(driftSummary([0, 1, 3, 2], [0, 1, 2, 3]).pearson).toBeCloseTo(0.8, 12);
    // Scale-free: the engine's spread twice the reference's changes nothing.
    expect(driftSummary([0, 2, 6, 4], [0, 1, 2, 3]).pearson).toBeCloseTo(0.8, 12);
    const reversed = driftSummary([3, 2, 1], [1, 2, 3]);
    expect(reversed.pearson).toBeCloseTo(-1, 12);
    expect(reversed).toMatchObject({ max: 2, meanSigned: 0, range: [-2, 2] });
  });

  it("gives no correlation for one document or a reference without spread", () => {
    expect(driftSummary([1], [2]).pearson).toBeNaN();
    expect(driftSummary([1, 2, 3], [0.5, 0.5, 0.5]).pearson).toBeNaN();
  });

  it("keeps a broken score visible (max NaN) and refuses lists of different or zero length", () => {
    expect(driftSummary([0, Number.NaN], [0, 1]).max).toBeNaN();
    expect(() => driftSummary([1, 2], [1])).toThrow(RangeError);
    expect(() => driftSummary([], [])).toThrow(RangeError);
  });
});
