/** The capability table's one guard: every method and data member of a row, and what it requires. */
import { describe, expect, it } from "vitest";
import { CAPABILITY_NAMES, capabilitiesOf, has, isClassifier, isEmbedder, isTokenEmbedder, isTokenizerAccess } from "../../src/index.js";

const fn = async (): Promise<never> => {
  throw new Error("not called");
};

describe("has()", () => {
  it("needs every method of the row", () => {
    expect(has({ embed: fn, embedWithUsage: fn }, "embed")).toBe(true);
    expect(has({ embed: fn }, "embed")).toBe(false);
    expect(has({ embedWithUsage: fn }, "embed")).toBe(false);
  });

  it("needs the row's data members with their type", () => {
    expect(has({ tokenize: fn, maxLength: 512 }, "tokenize")).toBe(true);
    expect(has({ tokenize: fn }, "tokenize")).toBe(false);
    expect(has({ tokenize: fn, maxLength: "512" }, "tokenize")).toBe(false);
    expect(has({ tokenize: fn, maxLength: Number.NaN }, "tokenize")).toBe(false);
    expect(has({ classify: fn, classifySequences: fn, labels: ["a"] }, "classify")).toBe(true);
    expect(has({ classify: fn, classifySequences: fn }, "classify")).toBe(false);
  });

  it("needs the capabilities a row requires (document windows need a tokenizer)", () => {
    const windows = { documentTokenBudget: fn, splitIntoWindows: fn };
    expect(has(windows, "windows")).toBe(false);
    expect(has({ ...windows, tokenize: fn, maxLength: 8 }, "windows")).toBe(true);
  });

  it("is false for non-objects and lists capabilities in the table's order", () => {
    for (const c of CAPABILITY_NAMES) {
      expect(has(undefined, c)).toBe(false);
      expect(has(null, c)).toBe(false);
      expect(has("embed", c)).toBe(false);
    }
    expect(capabilitiesOf({ embed: fn, embedWithUsage: fn, embedTokens: fn })).toEqual(["embed", "tokenEmbed"]);
  });

  it("the 0.x guards agree with it", () => {
    const all = { embed: fn, embedWithUsage: fn, embedTokens: fn, classify: fn, classifySequences: fn, labels: [], tokenize: fn, maxLength: 4, documentTokenBudget: fn, splitIntoWindows: fn };
    expect([isEmbedder(all), isTokenEmbedder(all), isClassifier(all), isTokenizerAccess(all)]).toEqual([true, true, true, true]);
    expect([isEmbedder({}), isTokenEmbedder({}), isClassifier({}), isTokenizerAccess({})]).toEqual([false, false, false, false]);
  });
});
