/**
 * Unit cases for src/scoring that the StrykerJS run (reports/mutation/) showed no test pinned
 * down: error fields, boundaries, multi-logit rows, max pooling, NaN and length checks. Expected
 * values are written out by hand.
 */
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { InvalidScoreError } from "../../src/errors/invalid-score-error.js";
import { applyActivation, resolveActivation, sigmoid } from "../../src/scoring/activation.js";
import { assertScoreInputs, assertTexts, describe as describeValue, toPairs } from "../../src/scoring/pairing.js";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { parsePoolingConfig } from "../../src/local/st-pooling-config.js";
import { excludePromptFromMask, poolRow } from "../../src/scoring/pooling.js";
import { commonPrefix, commonSuffix, locateContent, truncateContents } from "../../src/scoring/template-truncation.js";
import { assertRankable, cutResults, rankScores, validateRankOptions } from "../../src/scoring/ranking.js";
import { dot, l2Normalize, l2NormalizeRows, maxSim } from "../../src/scoring/similarity.js";
import { longestFirst, truncateIds } from "../../src/scoring/truncation.js";

/** The error a function throws (fails the test if it returns). */
function thrown(fn: () => unknown): InvalidInputError & { field?: string; index?: number } {
  try {
    fn();
  } catch (error) {
    return error as InvalidInputError & { field?: string };
  }
  throw new Error("expected a throw");
}

describe("pairing", () => {
  it("names the field of each shape error", () => {
    expect(thrown(() => toPairs([], ["d"])).field).toBe("queries");
    expect(thrown(() => toPairs("q", [])).field).toBe("documents");
    expect(thrown(() => toPairs(["a", "b"], ["c", "d", "e"])).field).toBe("queries");
  });

  it("assertTexts names the index and checks every element, the last one included", () => {
    expect(() => assertTexts(["a", "b"], "texts")).not.toThrow();
    const e = thrown(() => assertTexts(["a", 3], "texts"));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.field).toBe("texts[1]");
    expect(e.message).toBe("texts[1] must be a string, got number 3");
  });

  it("assertScoreInputs accepts strings and {content: [...]} items and names anything else", () => {
    expect(() => assertScoreInputs(["a", { content: [] }, { content: [{ type: "text", text: "x" }] }], "documents")).not.toThrow();
    for (const [bad, got] of [
      [null, "null"],
      [{ content: "x" }, "an object"],
      [{}, "an object"],
      [7, "number 7"],
      [undefined, "undefined"],
      [true, "boolean true"],
    ] as const) {
      const e = thrown(() => assertScoreInputs(["ok", bad], "documents"));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e.field).toBe("documents[1]");
      expect(e.message).toBe(`documents[1] must be a string or a {content: [...]} item, got ${got}`);
    }
  });

  it("describes values for error messages", () => {
    expect(describeValue(null)).toBe("null");
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue([1])).toBe("an array");
    expect(describeValue(Number.NaN)).toBe("NaN");
    expect(describeValue(3)).toBe("number 3");
    expect(describeValue({ a: 1 })).toBe("an object");
    expect(describeValue("s")).toBe('string "s"');
    expect(describeValue(true)).toBe("boolean true");
  });
});

describe("pooling", () => {
  // Two rows of 3 tokens x 2 dims; row 1's last token is padding.
  const hidden = Float32Array.from([1, -5, 3, 2, -1, 9, /* row 1 */ 4, 0, -2, 7, 100, 100]);
  const mask = [1, 1, 1, 1, 1, 0];

  it("max pools per dimension over attended tokens of the right row", () => {
    expect(Array.from(poolRow(hidden, mask, 0, 3, 2, "max"))).toEqual([3, 9]);
    expect(Array.from(poolRow(hidden, mask, 1, 3, 2, "max"))).toEqual([4, 7]);
    // All-negative values: the result is the largest, not 0 or +Infinity.
    expect(Array.from(poolRow(Float32Array.from([-3, -1, -2, -4]), [1, 1], 0, 2, 2, "max"))).toEqual([-2, -1]);
    expect(Array.from(poolRow(hidden, [1n, 1n, 1n, 1n, 0n, 0n], 1, 3, 2, "max"))).toEqual([4, 0]);
  });

  it("mean pools the right row only, to exactly dim values", () => {
    const mean = poolRow(hidden, mask, 1, 3, 2, "mean");
    expect(mean).toHaveLength(2);
    expect(Array.from(mean)).toEqual([1, 3.5]);
  });
});

describe("ranking", () => {
  it("refuses a score list whose length differs from the documents, naming the first missing index", () => {
    const e = thrown(() => rankScores([0.1], ["a", "b", "c"]));
    expect(e).toBeInstanceOf(InvalidScoreError);
    expect(e.message).toBe("Expected 3 scores, got 1");
    expect((e as unknown as { index: number }).index).toBe(1);
  });

  it("keeps scores equal to the threshold and cuts to topN only when shorter", () => {
    const sorted = [{ score: 3 }, { score: 2 }, { score: 1 }];
    expect(cutResults(sorted, { scoreThreshold: 2 })).toEqual([{ score: 3 }, { score: 2 }]);
    expect(cutResults(sorted, { topN: 3 })).toBe(sorted);
    expect(cutResults(sorted, { topN: 2 })).toEqual([{ score: 3 }, { score: 2 }]);
  });

  it("refuses NaN and non-number scores, and bad options, naming them", () => {
    expect(thrown(() => assertRankable([1, Number.NaN])).message).toBe("Score 1 is NaN; refusing to rank a non-number");
    expect(thrown(() => assertRankable([1, "2" as unknown as number])).message).toBe("Score 1 is 2; refusing to rank a non-number");
    expect(thrown(() => validateRankOptions({ topN: 1.5 })).field).toBe("topN");
    for (const bad of [Number.NaN, "1" as unknown as number]) {
      const e = thrown(() => validateRankOptions({ scoreThreshold: bad }));
      expect(e.field).toBe("scoreThreshold");
      expect(e.message).toBe(`scoreThreshold must be a number, got ${String(bad)}`);
    }
    expect(() => validateRankOptions({ scoreThreshold: -1, topN: 0 })).not.toThrow();
  });
});

describe("similarity", () => {
  it("dot multiplies and sums every component", () => {
    expect(dot([1, 2, 3], [4, -5, 6])).toBe(12);
    expect(dot([2], [3])).toBe(6);
  });

  it("normalizes without writing past the vector or row", () => {
    expect(l2Normalize(Float32Array.from([3, 4]))).toHaveLength(2);
    const rows = l2NormalizeRows(Float32Array.from([0, 5, 8, 6]), 2);
    expect(rows).toHaveLength(4);
    expect(Array.from(rows)).toEqual([0, 1, 0.800000011920929, 0.6000000238418579]);
  });

  it("maxSim takes the best document token per query token, over every document token", () => {
    const q = Float32Array.from([1, 0, 0, 1]);
    const d = Float32Array.from([0.5, 0.1, 0.2, 0.9, 0.9, -1]);
    expect(maxSim(q, d, 2)).toBeCloseTo(0.9 + 0.9, 6);
    expect(maxSim(q, new Float32Array(0), 2)).toBe(0);
    // Negative similarities: the best is the least negative, not 0.
    expect(maxSim(Float32Array.from([1, 0]), Float32Array.from([-2, 0, -1, 0]), 2)).toBe(-1);
  });
});

describe("truncation", () => {
  it("longestFirst at the exact budget and at half of it", () => {
    expect(longestFirst(3, 4, 7)).toEqual([3, 4]);
    expect(longestFirst(3, 4, -2)).toEqual([0, 0]);
    // The shorter is exactly half the budget: only the longer is cut.
    expect(longestFirst(5, 20, 10)).toEqual([5, 5]);
    expect(longestFirst(20, 5, 10)).toEqual([5, 5]);
    expect(longestFirst(6, 6, 10)).toEqual([5, 5]);
    // Both long, unequal: the longer keeps ceil.
    expect(longestFirst(9, 8, 7)).toEqual([4, 3]);
    expect(longestFirst(8, 9, 7)).toEqual([3, 4]);
  });

  it("truncateIds returns copies at the edges and keeps from either side", () => {
    const ids = [1, 2, 3];
    const same = truncateIds(ids, 3);
    expect(same).toEqual([1, 2, 3]);
    expect(same).not.toBe(ids);
    expect(truncateIds(ids, 0)).toEqual([]);
    expect(truncateIds(ids, -1)).toEqual([]);
    expect(truncateIds(ids, 2, "left")).toEqual([2, 3]);
    expect(truncateIds(ids, 0, "left")).toEqual([]);
  });
});

describe("activation", () => {
  it("sigmoid is exact on both sides of 0", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-2)).toBeCloseTo(1 / (1 + Math.exp(2)), 15);
    expect(sigmoid(2)).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
    expect(sigmoid(-800)).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(sigmoid(-800))).toBe(false);
  });

  it("uses the last logit of a multi-logit row for identity, sigmoid and tanh", () => {
    expect(applyActivation([0.3], "identity")).toBe(0.3);
    expect(applyActivation([0.3, -1.5], "identity")).toBe(-1.5);
    expect(applyActivation([0.3, -1.5], "sigmoid")).toBeCloseTo(1 / (1 + Math.exp(1.5)), 12);
    expect(applyActivation([0.3], "tanh")).toBeCloseTo(Math.tanh(0.3), 12);
    expect(applyActivation([0.3, -1.5], "tanh")).toBeCloseTo(Math.tanh(-1.5), 12);
    expect(applyActivation([0.3], "softmax")).toBe(1);
    expect(applyActivation([0, Math.log(3)], "softmax")).toBeCloseTo(0.75, 12);
  });

  it("names the legacy config key as the source", () => {
    const r = resolveActivation({ config: { sbert_ce_default_activation_function: "torch.nn.modules.linear.Identity" }, numLabels: 1 });
    expect(r).toEqual({ activation: "identity", source: "config.sbert_ce_default_activation_function" });
  });
});

describe("second run (reports/mutation, 657 mutants)", () => {
  it("sigmoid keeps very negative logits apart instead of underflowing both to 0", () => {
    // 1 / (1 + e^720) is 0 in float64; e^-720 / (1 + e^-720) is a subnormal > 0, so two very bad
    // documents still rank in logit order.
    expect(sigmoid(-720)).toBeGreaterThan(0);
    expect(sigmoid(-720)).toBeGreaterThan(sigmoid(-730));
    expect(sigmoid(-730)).toBeGreaterThan(0);
  });

  it("longestFirst never keeps more tokens than a text has", () => {
    // Both fit (9 <= 10) although the longer is over half the budget.
    expect(longestFirst(5, 4, 10)).toEqual([5, 4]);
    expect(longestFirst(4, 5, 10)).toEqual([4, 5]);
  });

  it("truncateIds keeps a text shorter than keep whole, from either side", () => {
    expect(truncateIds([1, 2, 3], 5, "left")).toEqual([1, 2, 3]);
    expect(truncateIds([1, 2, 3], 5, "right")).toEqual([1, 2, 3]);
  });

  describe("pooling rows that have nothing or one token attended", () => {
    // Three rows of 3 tokens x 2 dims.
    const hidden = Float32Array.from([1, 2, 3, 4, 5, 6, /* row 1 */ 7, 8, 9, 10, 11, 12, /* row 2 */ 13, 14, 15, 16, 17, 18]);

    it("cls of an all-padding row is its position 0 (torch argmax), not the next row's first token", () => {
      // Row 0 all padding, row 1 left-padded.
      const mask = [0, 0, 0, 0, 1, 1, 1, 1, 1];
      expect(Array.from(poolRow(hidden, mask, 0, 3, 2, "cls"))).toEqual([1, 2]);
      expect(Array.from(poolRow(hidden, mask, 1, 3, 2, "cls"))).toEqual([9, 10]);
      // The last row all padding.
      expect(Array.from(poolRow(hidden, [1, 1, 1, 1, 1, 1, 0, 0, 0], 2, 3, 2, "cls"))).toEqual([13, 14]);
    });

    it("lasttoken of an all-padding row is zeros, and a row with only its first token attended takes it", () => {
      const mask = [1, 1, 1, 0, 0, 0, 1, 0, 0];
      expect(Array.from(poolRow(hidden, mask, 1, 3, 2, "lasttoken"))).toEqual([0, 0]);
      expect(Array.from(poolRow(hidden, mask, 2, 3, 2, "lasttoken"))).toEqual([13, 14]);
    });

    it("excludePromptFromMask skips all of row 0's left padding before the prompt", () => {
      expect(Array.from(excludePromptFromMask([0, 0, 1, 1, 0, 1, 1, 1], 4, 1))).toEqual([0, 0, 0, 1, 0, 0, 1, 1]);
    });
  });

  it("every sentence-transformers pooling mode name loads; an unknown one is refused naming the supported ones", () => {
    for (const mode of ["cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]) {
      expect(parsePoolingConfig({ pooling_mode: mode }, "1_Pooling/config.json").modes).toEqual([mode]);
    }
    const e = thrown(() => parsePoolingConfig({ pooling_mode: "median" }, "1_Pooling/config.json"));
    expect(e).toBeInstanceOf(ModelLoadError);
    expect(e.message).toBe(
      '1_Pooling/config.json: unsupported pooling_mode "median"; supported: cls, max, mean, mean_sqrt_len_tokens, weightedmean, lasttoken',
    );
  });

  describe("template truncation", () => {
    // prompt = [P P] q q q [M] d d d d [S S]
    const IDS = [90, 91, 1, 2, 3, 92, 11, 12, 13, 14, 93, 94];

    it("leaves a prompt well under the limit unchanged", () => {
      expect(truncateContents(IDS, { query: [2, 5], document: [6, 10] }, { limit: 99 })).toEqual(IDS);
    });

    it("accepts spans at the edges: at 0, empty, adjacent, at the end", () => {
      // The query at 0 and adjacent to the document, the document at the end.
      expect(truncateContents([1, 2, 11, 12], { query: [0, 2], document: [2, 4] }, { limit: 3 })).toEqual([1, 2, 11]);
      // An empty query and an empty document.
      expect(truncateContents([90, 11, 12, 93], { query: [1, 1], document: [1, 3] }, { limit: 3 })).toEqual([90, 11, 93]);
      expect(truncateContents([90, 1, 2, 93], { query: [1, 3], document: [3, 3] }, { limit: 3 })).toEqual([90, 1, 93]);
    });

    it("refuses each kind of bad span with a RangeError that prints the spans", () => {
      const bad: [[number, number], [number, number]][] = [
        [[-1, 2], [3, 4]], // query before the start
        [[3, 2], [3, 4]], // query reversed
        [[2, 5], [4, 8]], // query overlaps the document
        [[2, 5], [8, 6]], // document reversed
        [[2, 5], [6, 13]], // document past the end
      ];
      for (const [query, document] of bad) {
        expect(() => truncateContents(IDS, { query, document }, { limit: 6 })).toThrow(
          new RangeError(`content spans out of order: query [${query[0]}, ${query[1]}), document [${document[0]}, ${document[1]}) in 12 tokens`),
        );
      }
    });

    it("common prefix and suffix of identical and of nested token lists", () => {
      expect(commonPrefix([1, 2, 3], [1, 2, 3])).toBe(3);
      expect(commonSuffix([1, 2, 3], [1, 2, 3])).toBe(3);
      expect(commonPrefix([1, 2], [1, 2, 3])).toBe(2);
      expect(commonSuffix([2, 3], [1, 2, 3])).toBe(2);
      // A content that equals one filler: the other filler still locates it.
      const ids = [90, 50, 93];
      expect(locateContent(ids, [ids, [90, 51, 93]])).toEqual([1, 2]);
    });
  });
});

describe("third run (reports/mutation, 714 mutants): inputs that told 'equivalent' mutants apart", () => {
  it("softmax over one logit is 1 even when that logit overflowed to +-Infinity", () => {
    // The general formula gives exp(Infinity - Infinity) = NaN here; the one-logit shortcut does not.
    expect(applyActivation([Infinity], "softmax")).toBe(1);
    expect(applyActivation([-Infinity], "softmax")).toBe(1);
  });

  it("excludePromptFromMask with a prompt length below 0 leaves the mask as it is", () => {
    // Without the early return, row 0 would fill(0, 0, -1): a negative end counts from the array's end.
    expect(Array.from(excludePromptFromMask([1, 1, 1, 1], 4, -1))).toEqual([1, 1, 1, 1]);
  });

  it("zero-width batches terminate: a [rows, 0] mask and a [0, 0] matrix come back empty", () => {
    // A batch of texts with no tokens has seq = 0 and an empty mask; a step of 0 never leaves `base <= 0`.
    expect(Array.from(excludePromptFromMask(new Uint8Array(0), 0, 2))).toEqual([]);
    expect(Array.from(l2NormalizeRows(new Float32Array(0), 0))).toEqual([]);
  });
});
