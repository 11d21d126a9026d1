import { describe, expect, it } from "vitest";
import {
  distinct,
  distinctPairs,
  memoize,
  pairUsage,
  pairsByQuery,
  scoreSeparately,
  separatePairTokens,
  usageOf,
} from "../../src/scoring/pair-usage.js";

describe("distinct texts", () => {
  it("keeps the first appearance order and points every item at its distinct value", () => {
    expect(distinct(["b", "a", "b", "c", "a"])).toEqual({ values: ["b", "a", "c"], indexOf: [0, 1, 0, 2, 1] });
    expect(distinct([])).toEqual({ values: [], indexOf: [] });
  });

  it("splits both sides of a pair list (1:N repeats the query)", () => {
    const d = distinctPairs({ queries: ["q", "q", "q"], documents: ["x", "y", "x"] });
    expect(d).toEqual({ queries: ["q"], documents: ["x", "y"], queryOf: [0, 0, 0], documentOf: [0, 1, 0] });
  });

  it("groups pairs by their distinct query, in query order and pair order", () => {
    const d = distinctPairs({ queries: ["q2", "q1", "q2", "q1", "q3"], documents: ["a", "b", "c", "d", "e"] });
    expect(pairsByQuery(d)).toEqual([[0, 2], [1, 3], [4]]);
  });
});

describe("usage as vLLM counts it", () => {
  it("sums the tokens of every item into prompt and total tokens", () => {
    expect(usageOf([3, 4, 5])).toEqual({ promptTokens: 12, totalTokens: 12 });
    expect(usageOf([])).toEqual({ promptTokens: 0, totalTokens: 0 });
  });

  it("keeps the per-pair counts next to the sum", () => {
    expect(pairUsage([7, 9])).toEqual({ usage: { promptTokens: 16, totalTokens: 16 }, pairTokens: [7, 9] });
  });

  it("counts a separately encoded pair as query + 1 + document tokens", () => {
    const d = distinctPairs({ queries: ["q", "r", "q"], documents: ["x", "x", "y"] });
    // q = 4 tokens, r = 6; x = 10, y = 20.
    expect(separatePairTokens(d, [4, 6], [10, 20])).toEqual([15, 17, 25]);
  });
});

describe("scoreSeparately", () => {
  it("encodes each distinct text once (queries first), compares per query, and answers in pair order", async () => {
    const encoded: [string, string[]][] = [];
    const compared: [string, string[]][] = [];
    const response = await scoreSeparately(
      { queries: ["q1", "q2", "q1", "q2"], documents: ["a", "b", "b", "a"] },
      {
        encode: async (texts, kind) => {
          encoded.push([kind, texts]);
          return { values: texts.map((t) => t.toUpperCase()), tokens: texts.map((t) => t.length) };
        },
        compare: (query, docs) => {
          compared.push([query, docs]);
          return docs.map((d) => (query === "Q1" ? 10 : 20) + (d === "A" ? 1 : 2));
        },
      },
    );
    expect(encoded).toEqual([
      ["query", ["q1", "q2"]],
      ["document", ["a", "b"]],
    ]);
    expect(compared).toEqual([
      ["Q1", ["A", "B"]],
      ["Q2", ["B", "A"]],
    ]);
    expect(response.scores).toEqual([11, 22, 12, 21]);
    // "q1"/"q2" are 2 tokens, "a"/"b" 1: 2 + 1 + 1 per pair.
    expect(response.pairTokens).toEqual([4, 4, 4, 4]);
    expect(response.usage).toEqual({ promptTokens: 16, totalTokens: 16 });
  });

  it("waits for an async comparison and passes its rejection on", async () => {
    const sides = {
      encode: async (texts: string[]) => ({ values: texts, tokens: texts.map(() => 1) }),
      compare: async (_q: string, docs: string[]) => docs.map((d) => d.length),
    };
    await expect(scoreSeparately({ queries: ["q"], documents: ["abc"] }, sides)).resolves.toMatchObject({ scores: [3] });
    const failing = { ...sides, compare: async () => Promise.reject(new Error("graph failed")) };
    await expect(scoreSeparately({ queries: ["q"], documents: ["abc"] }, failing)).rejects.toThrow("graph failed");
  });
});

describe("memoize", () => {
  it("calls the function once per distinct text", () => {
    const seen: string[] = [];
    const length = memoize((t) => (seen.push(t), t.length));
    expect([length("ab"), length("abc"), length("ab")]).toEqual([2, 3, 2]);
    expect(seen).toEqual(["ab", "abc"]);
  });
});
