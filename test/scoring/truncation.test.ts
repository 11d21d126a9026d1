import { describe, expect, it } from "vitest";
import { longestFirst, truncateIds } from "../../src/scoring/truncation.js";

describe("longestFirst (Rust tokenizers LongestFirst)", () => {
  it("matches the unit cases of tokenizers/src/utils/truncation.rs (max 7)", () => {
    expect(longestFirst(4, 4, 7)).toEqual([3, 4]);
    expect(longestFirst(2, 8, 7)).toEqual([2, 5]);
    expect(longestFirst(8, 2, 7)).toEqual([5, 2]);
    expect(longestFirst(8, 8, 7)).toEqual([3, 4]);
  });

  it("leaves pairs that fit alone", () => {
    expect(longestFirst(3, 4, 7)).toEqual([3, 4]);
    expect(longestFirst(0, 0, 0)).toEqual([0, 0]);
  });

  it("gives the shorter text floor(max/2) and the longer ceil(max/2) when both must be cut", () => {
    expect(longestFirst(6, 9, 7)).toEqual([3, 4]);
    expect(longestFirst(9, 6, 7)).toEqual([4, 3]);
    expect(longestFirst(100, 200, 125)).toEqual([62, 63]);
  });

  it("never returns negative lengths", () => {
    expect(longestFirst(5, 5, -2)).toEqual([0, 0]);
  });
});

describe("truncateIds", () => {
  it("keeps the first tokens on the right side and the last on the left, without mutating", () => {
    const ids = [1, 2, 3, 4, 5];
    expect(truncateIds(ids, 3)).toEqual([1, 2, 3]);
    expect(truncateIds(ids, 3, "left")).toEqual([3, 4, 5]);
    expect(truncateIds(ids, 9)).toEqual(ids);
    expect(truncateIds(ids, 0)).toEqual([]);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });
});
