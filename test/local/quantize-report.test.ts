/**
 * The parity report `rerank-kit quantize` prints: drift, spread and rank agreement of the int8
 * scores against the fp32 ones, on score lists whose answers are worked out by hand.
 */
import { describe, expect, it } from "vitest";
import { compareScores, DEFAULT_PARITY_SAMPLE } from "../../src/local/quantize/quantize-model.js";

describe("compareScores (the quantize parity report)", () => {
  it("drift, spread and agreement of a candidate that keeps the order", () => {
    const r = compareScores([1, 2, 3, 4], [1.5, 2, 2.5, 5]);
    // |diffs| = 0.5, 0, 0.5, 1; reference mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4.
    expect(r.documents).toBe(4);
    expect(r.maxAbsDrift).toBe(1);
    expect(r.meanAbsDrift).toBe(0.5);
    expect(r.fp32ScoreStd).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(r.spearman).toBeCloseTo(1, 12);
    expect(r.sameTop1).toBe(true);
  });

  it("a reversed order has spearman -1 and another top document", () => {
    const r = compareScores([0.1, 0.5, 0.9], [0.9, 0.5, 0.1]);
    expect(r.spearman).toBeCloseTo(-1, 12);
    expect(r.sameTop1).toBe(false);
    expect(r.maxAbsDrift).toBeCloseTo(0.8, 12);
    expect(r.meanAbsDrift).toBeCloseTo(1.6 / 3, 12);
  });

  it("one swap among five: spearman 1 - 6 * 2 / (5 * 24) = 0.9", () => {
    expect(compareScores([1, 2, 3, 4, 5], [1, 3, 2, 4, 5]).spearman).toBeCloseTo(0.9, 12);
    // Negative scores (logits) rank the same way.
    expect(compareScores([-5, -4, -3, -2, -1], [-5, -3, -4, -2, -1]).spearman).toBeCloseTo(0.9, 12);
  });

  it("ties get average ranks: [1, 1, 2, 3] against [1, 2, 3, 4] is 4.5 / sqrt(4.5 * 5)", () => {
    // Ranks (0-based) 0.5, 0.5, 2, 3 and 0, 1, 2, 3.
    expect(compareScores([1, 1, 2, 3], [1, 2, 3, 4]).spearman).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
    expect(compareScores([3, 1, 2, 1], [4, 1, 3, 2]).spearman).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
    // A tie of three at the top: ranks 0, 2, 2, 2 against 0, 1, 2, 3.
    expect(compareScores([0, 7, 7, 7], [0, 1, 2, 3]).spearman).toBeCloseTo(3 / Math.sqrt(3 * 5), 12);
    // Equal scores are not disagreement.
    expect(compareScores([2, 2, 5], [2, 2, 5]).spearman).toBeCloseTo(1, 12);
  });

  it("constant scores: both constant agree (1), one constant does not (0)", () => {
    expect(compareScores([3, 3, 3], [1, 1, 1]).spearman).toBe(1);
    expect(compareScores([3, 3, 3], [1, 2, 3]).spearman).toBe(0);
    expect(compareScores([1, 2, 3], [3, 3, 3]).spearman).toBe(0);
    expect(compareScores([3, 3, 3], [1, 1, 1]).fp32ScoreStd).toBe(0);
  });

  it("top-1 is the first of equal maxima in both lists", () => {
    // Reference top is document 0 (first of two 3s); the candidate's top is document 0 too.
    expect(compareScores([3, 3, 1], [3, 2, 1]).sameTop1).toBe(true);
    expect(compareScores([3, 2, 1], [3, 3, 1]).sameTop1).toBe(true);
    expect(compareScores([1, 3, 3], [1, 3, 2]).sameTop1).toBe(true);
    expect(compareScores([1, 2, 3], [1, 3, 2]).sameTop1).toBe(false);
  });
});

describe("the built-in parity sample", () => {
  it("16 distinct documents, from one word to a paragraph, some about the query and some not", () => {
    const { query, documents } = DEFAULT_PARITY_SAMPLE;
    expect(query).toBe("how do vaccines train the immune system");
    expect(documents).toHaveLength(16);
    expect(new Set(documents).size).toBe(16);
    const words = documents.map((d) => d.split(/\s+/).filter(Boolean).length);
    // Each document is a sentence or more (at least 5 words), except the one-word "Immune".
    expect(words.filter((w) => w < 5)).toEqual([1]);
    expect(Math.max(...words)).toBeGreaterThan(45);
    // A ranking to agree on: documents that share the query's topic, and documents that do not.
    const onTopic = documents.filter((d) => /vaccin|immun/i.test(d));
    expect(onTopic.length).toBeGreaterThanOrEqual(5);
    expect(documents.length - onTopic.length).toBeGreaterThanOrEqual(5);
  });
});
