import { describe, expect, it } from "vitest";
import { InvalidScoreError } from "../../src/errors/index.js";
import { rankScores } from "../../src/scoring/ranking.js";

describe("rankScores", () => {
  const docs = ["a", "b", "c", "d"];

  it("sorts by score descending with index into the caller's list", () => {
    const r = rankScores([0.1, 0.9, 0.5, 0.7], docs);
    expect(r.map((x) => x.index)).toEqual([1, 3, 2, 0]);
    expect(r[0]).toEqual({ index: 1, score: 0.9, document: "b" });
  });

  it("keeps input order on ties (stable)", () => {
    expect(rankScores([0.5, 0.5, 0.9, 0.5], docs).map((x) => x.index)).toEqual([2, 0, 1, 3]);
  });

  it("applies scoreThreshold then topN; topN 0 or larger than the list keeps all", () => {
    expect(rankScores([0.1, 0.9, 0.5, 0.7], docs, { topN: 2 }).map((x) => x.index)).toEqual([1, 3]);
    expect(rankScores([0.1, 0.9, 0.5, 0.7], docs, { topN: 0 })).toHaveLength(4);
    expect(rankScores([0.1, 0.9, 0.5, 0.7], docs, { topN: 10 })).toHaveLength(4);
    expect(rankScores([0.1, 0.9, 0.5, 0.7], docs, { scoreThreshold: 0.6 }).map((x) => x.index)).toEqual([1, 3]);
    expect(rankScores([0.1, 0.9, 0.5, 0.7], docs, { scoreThreshold: 2 })).toEqual([]);
  });

  it("refuses to rank NaN", () => {
    expect(() => rankScores([0.1, Number.NaN, 0.5, 0.7], docs)).toThrow(InvalidScoreError);
    expect(() => rankScores([0.1, Number.NaN, 0.5, 0.7], docs)).toThrow(/Score 1 is NaN/);
  });

  it("rejects a negative topN", () => {
    expect(() => rankScores([1, 2, 3, 4], docs, { topN: -1 })).toThrow(/topN must be a non-negative integer/);
  });
});
