import { describe, expect, it } from "vitest";
import { commonPrefix, commonSuffix, locateContent, truncateContents } from "../../src/scoring/template-truncation.js";

// prompt = [P P] q q q [M] d d d d [S S]
const IDS = [90, 91, 1, 2, 3, 92, 11, 12, 13, 14, 93, 94];
const SPANS = { query: [2, 5] as [number, number], document: [6, 10] as [number, number] };

describe("truncateContents keeps the template", () => {
  it("leaves a prompt that fits alone", () => {
    expect(truncateContents(IDS, SPANS, { limit: 12 })).toEqual(IDS);
  });
  it("cuts the document's end first, keeping prefix, middle and suffix", () => {
    expect(truncateContents(IDS, SPANS, { limit: 10 })).toEqual([90, 91, 1, 2, 3, 92, 11, 12, 93, 94]);
  });
  it("then the query's end, once the document is empty", () => {
    expect(truncateContents(IDS, SPANS, { limit: 6 })).toEqual([90, 91, 1, 92, 93, 94]);
  });
  it("counts the tokenizer's special tokens in the limit", () => {
    expect(truncateContents(IDS, SPANS, { limit: 10, specialTokens: 1 })).toEqual([90, 91, 1, 2, 3, 92, 11, 93, 94]);
  });
  it("caps contents per kind (vLLM max_tokens_per_doc / max_tokens_per_query)", () => {
    expect(truncateContents(IDS, SPANS, { limit: 99, maxDocumentTokens: 1, maxQueryTokens: 2 })).toEqual([90, 91, 1, 2, 92, 11, 93, 94]);
  });
  it("returns the template alone, over the limit, when even that does not fit (the caller raises)", () => {
    expect(truncateContents(IDS, SPANS, { limit: 2 })).toEqual([90, 91, 92, 93, 94]);
  });
  it("rejects spans out of order and never modifies the input", () => {
    const copy = [...IDS];
    truncateContents(copy, SPANS, { limit: 6 });
    expect(copy).toEqual(IDS);
    expect(() => truncateContents(IDS, { query: [6, 10], document: [2, 5] }, { limit: 6 })).toThrow(RangeError);
  });
});

describe("locateContent", () => {
  it("finds a content by what renders with other fillers share", () => {
    const withX = [90, 91, 1, 2, 3, 92, 50, 93, 94];
    const withY = [90, 91, 1, 2, 3, 92, 51, 93, 94];
    expect(locateContent(IDS, [withX, withY])).toEqual([6, 10]);
    expect(commonPrefix(IDS, withX)).toBe(6);
    expect(commonSuffix(IDS, withX)).toBe(2);
  });
  it("a filler equal to the content's first token is outvoted by the second filler", () => {
    const sameStart = [90, 91, 1, 2, 3, 92, 11, 93, 94];
    const other = [90, 91, 1, 2, 3, 92, 51, 93, 94];
    expect(locateContent(IDS, [sameStart, other])).toEqual([6, 10]);
  });
});
