import { describe, expect, it } from "vitest";
import { InvalidInputError, RerankKitError } from "../../src/errors/index.js";
import { assertTexts, toPairs } from "../../src/scoring/pairing.js";

describe("toPairs", () => {
  it("expands 1:1, 1:N and N:N like vLLM, in pair order", () => {
    expect(toPairs("q", "d")).toEqual({ queries: ["q"], documents: ["d"] });
    expect(toPairs("q", ["a", "b"])).toEqual({ queries: ["q", "q"], documents: ["a", "b"] });
    expect(toPairs(["q"], ["a", "b"])).toEqual({ queries: ["q", "q"], documents: ["a", "b"] });
    expect(toPairs(["q1", "q2"], ["a", "b"])).toEqual({ queries: ["q1", "q2"], documents: ["a", "b"] });
  });

  it("rejects N:1 and N:M with vLLM's message", () => {
    expect(() => toPairs(["q1", "q2"], ["a"])).toThrow(/Input lengths must be either 1:1, 1:N or N:N/);
    expect(() => toPairs(["q1", "q2"], ["a", "b", "c"])).toThrow(/Input lengths must be either 1:1, 1:N or N:N/);
  });

  it("rejects empty lists with vLLM's messages", () => {
    expect(() => toPairs([], ["a"])).toThrow("At least one text element must be given");
    expect(() => toPairs("q", [])).toThrow("At least one text_pair element must be given");
  });

  it("throws an InvalidInputError that is both a TypeError and a RerankKitError", () => {
    try {
      toPairs("q", []);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e).toBeInstanceOf(TypeError);
      expect(e).toBeInstanceOf(RerankKitError);
    }
  });

  it("does not alias the caller's arrays", () => {
    const docs = ["a", "b"];
    const pairs = toPairs(["x", "y"], docs);
    pairs.documents.push("c");
    expect(docs).toEqual(["a", "b"]);
  });
});

describe("assertTexts", () => {
  it("names the index of a non-string text", () => {
    expect(() => assertTexts(["a", null, "c"], "documents")).toThrow("documents[1] must be a string, got null");
    expect(() => assertTexts(["a", 3], "queries")).toThrow("queries[1] must be a string, got number 3");
  });
});
