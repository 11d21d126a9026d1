import { describe, expect, it } from "vitest";
import { excludePromptFromMask, poolRow, poolRowModes } from "../../src/scoring/pooling.js";

// Two rows of three tokens, two dims. Row 0: all attended. Row 1: right-padded after 2 tokens.
const hidden = new Float32Array([
  1, 2, /**/ 3, -4, /**/ 5, 6, //
  -1, 0, /**/ 2, 8, /**/ 100, 100,
]);
const mask = [1, 1, 1, 1, 1, 0];
const leftPadded = [0, 1, 1, 0, 0, 1];
const pool = (m: ArrayLike<number>, row: number, mode: Parameters<typeof poolRow>[5]) => Array.from(poolRow(hidden, m, row, 3, 2, mode));

describe("poolRow (sentence-transformers 6 Pooling, hand-computed)", () => {
  it("mean averages attended tokens only", () => {
    expect(pool(mask, 0, "mean")).toEqual([3, 4 / 3].map((x) => Math.fround(x)));
    expect(pool(mask, 1, "mean")).toEqual([0.5, 4]);
  });

  it("max takes the per-dimension maximum of attended tokens", () => {
    expect(pool(mask, 0, "max")).toEqual([5, 6]);
    expect(pool(mask, 1, "max")).toEqual([2, 8]);
  });

  it("cls takes the first attended token, also under left padding", () => {
    expect(pool(mask, 1, "cls")).toEqual([-1, 0]);
    expect(pool(leftPadded, 0, "cls")).toEqual([3, -4]);
  });

  it("lasttoken takes the last attended token for either padding side", () => {
    expect(pool(mask, 1, "lasttoken")).toEqual([2, 8]);
    expect(pool(leftPadded, 1, "lasttoken")).toEqual([100, 100]);
    expect(pool([0, 0, 0, 0, 0, 0], 0, "lasttoken")).toEqual([0, 0]);
  });

  it("mean_sqrt_len_tokens divides the sum by the square root of the token count", () => {
    // row 0: sum (9, 4) / sqrt(3)
    const got = pool(mask, 0, "mean_sqrt_len_tokens");
    expect(got[0]).toBeCloseTo(9 / Math.sqrt(3), 6);
    expect(got[1]).toBeCloseTo(4 / Math.sqrt(3), 6);
    expect(pool(mask, 1, "mean_sqrt_len_tokens")[1]).toBeCloseTo(8 / Math.sqrt(2), 6);
  });

  it("weightedmean weighs position t by t + 1", () => {
    // row 0: (1*1 + 2*3 + 3*5) / 6 = 22/6 ; (1*2 + 2*-4 + 3*6) / 6 = 12/6
    const got = pool(mask, 0, "weightedmean");
    expect(got[0]).toBeCloseTo(22 / 6, 6);
    expect(got[1]).toBeCloseTo(2, 6);
    // row 0 left-padded (positions 1, 2 attended): (2*3 + 3*5) / 5 = 21/5 ; (2*-4 + 3*6) / 5 = 2
    const left = pool(leftPadded, 0, "weightedmean");
    expect(left[0]).toBeCloseTo(21 / 5, 6);
    expect(left[1]).toBeCloseTo(2, 6);
  });

  it("concatenates several modes in the order given", () => {
    expect(Array.from(poolRowModes(hidden, mask, 1, 3, 2, ["cls", "max"]))).toEqual([-1, 0, 2, 8]);
  });
});

describe("excludePromptFromMask (include_prompt: false)", () => {
  it("zeroes the first promptLength positions of right-padded rows", () => {
    expect(Array.from(excludePromptFromMask([1, 1, 1, 1, 1, 0], 3, 2))).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it("starts after the padding of left-padded rows", () => {
    expect(Array.from(excludePromptFromMask([0, 1, 1, 1, 1, 1], 3, 1))).toEqual([0, 0, 1, 0, 1, 1]);
  });

  it("does not change the caller's mask and keeps it with promptLength 0", () => {
    const m = [1, 1, 0];
    expect(Array.from(excludePromptFromMask(m, 3, 0))).toEqual([1, 1, 0]);
    excludePromptFromMask(m, 3, 1);
    expect(m).toEqual([1, 1, 0]);
  });

  it("changes mean pooling to the tokens after the prompt", () => {
    const m = excludePromptFromMask(mask, 3, 1);
    expect(pool(m, 0, "mean")).toEqual([4, 1]);
    expect(pool(m, 0, "cls")).toEqual([3, -4]);
  });
});
