import { describe, expect, it } from "vitest";
import { InvalidInputError, InvalidOptionError } from "../../src/index.js";
import { RemoteScorer } from "../../src/remote/index.js";
import { validateEmbedOptions, validateScoreOptions } from "../../src/options/call-options.js";
import { validateOptions } from "../../src/options/check-options.js";
import { editDistance, nearMisses } from "../../src/options/near-miss.js";

function caught(fn: () => void): InvalidOptionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e).toBeInstanceOf(TypeError);
    return e as InvalidOptionError;
  }
  throw new Error("expected an InvalidOptionError");
}

const RERANK = ["signal", "onProgress", "activation", "truncate", "maxTokensPerDoc", "topN", "scoreThreshold"] as const;

describe("option names", () => {
  it.each([
    ["top_n", "topN"],
    ["topK", "topN"],
    ["top-n", "topN"],
    ["TopN", "topN"],
    ["maxTokenPerDoc", "maxTokensPerDoc"],
    ["activaton", "activation"],
  ])("refuses %s and suggests %s", (given, suggested) => {
    const e = caught(() => validateScoreOptions({ [given]: 3 }, RERANK, "rerank"));
    expect(e.option).toBe(given);
    expect(e.suggestions).toContain(suggested);
    expect(e.message).toContain(`did you mean \`${suggested}\``);
    expect(e.message).toContain(`unknown option \`${given}\``);
  });

  it("lists the accepted options when nothing is close", () => {
    const e = caught(() => validateScoreOptions({ frobnicate: true }, RERANK, "rerank"));
    expect(e.suggestions).toEqual([]);
    expect(e.message).toContain("Accepted options: signal, onProgress, activation, truncate, maxTokensPerDoc, topN, scoreThreshold");
  });

  it("refuses an option that exists but that this scorer cannot honour, instead of ignoring it", () => {
    const e = caught(() => validateScoreOptions({ instruction: "be nice" }, RERANK, "cross-encoder scorer: score"));
    expect(e.option).toBe("instruction");
    expect(e.message).toContain("not supported here and would be ignored");
  });

  it("ignores keys set to undefined and accepts a missing options object", () => {
    expect(() => validateScoreOptions({ top_n: undefined, topN: undefined }, RERANK, "rerank")).not.toThrow();
    expect(() => validateScoreOptions(undefined, RERANK, "rerank")).not.toThrow();
    expect(() => caught(() => validateScoreOptions(5, RERANK, "rerank"))).not.toThrow();
  });
});

describe("option values", () => {
  it.each([
    [{ maxTokensPerDoc: -1 }, "maxTokensPerDoc", "an integer >= 0 (0 = off)"],
    [{ maxTokensPerDoc: 1.5 }, "maxTokensPerDoc", "an integer >= 0 (0 = off)"],
    [{ maxTokensPerDoc: Number.NaN }, "maxTokensPerDoc", "an integer >= 0 (0 = off)"],
    [{ maxTokensPerDoc: "8" }, "maxTokensPerDoc", "an integer >= 0 (0 = off)"],
    [{ topN: -2 }, "topN", "an integer >= 0 (0 = all)"],
    [{ scoreThreshold: Number.NaN }, "scoreThreshold", "a number (not NaN)"],
    [{ activation: "no" }, "activation", "true or false"],
  ])("refuses %o naming the option and what it accepts", (options, option, allowed) => {
    const e = caught(() => validateScoreOptions(options, RERANK, "rerank"));
    expect(e.option).toBe(option);
    expect(e.field).toBe(option);
    expect(e.allowed).toBe(allowed);
    expect(e.message).toContain(`option \`${option}\` must be ${allowed}`);
  });

  it("validates enums and lists their values", () => {
    const side = caught(() => validateScoreOptions({ truncationSide: "middle" }, ["truncationSide"], "score"));
    expect(side.allowed).toBe('"left" | "right"');
    expect(side.message).toContain('got "middle"');
    const kind = caught(() => validateEmbedOptions({ kind: "bogus" }, ["kind"], "embed"));
    expect(kind.allowed).toBe('"query" | "document"');
  });

  it("accepts values in range", () => {
    expect(() =>
      validateScoreOptions({ maxTokensPerDoc: 0, topN: 3, scoreThreshold: -1, activation: false, signal: new AbortController().signal }, RERANK, "rerank"),
    ).not.toThrow();
  });

  it("checks integer ranges with both bounds", () => {
    const e = caught(() => validateOptions({ n: 11 }, { n: { kind: "integer", min: 1, max: 10 } }, { where: "x" }));
    expect(e.allowed).toBe("an integer from 1 to 10");
  });
});

describe("nearMisses", () => {
  it("measures transpositions as one edit", () => {
    expect(editDistance("topn", "tpon")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("offers nothing for unrelated names", () => {
    expect(nearMisses("zzz", ["topN", "signal"])).toEqual([]);
  });
});

describe("remote scorers share the option path", () => {
  // Port 9 (discard) on loopback: validation must fail before any request is attempted.
  const remote = new RemoteScorer({ baseURL: "http://127.0.0.1:9", maxRetries: 0 });

  it("refuses a misspelled option before sending anything", async () => {
    const e = await remote.rerank("q", ["a"], { top_n: 2 } as object).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect((e as InvalidOptionError).suggestions).toContain("topN");
  });

  it("refuses out-of-range values and topN on score()", async () => {
    const neg = await remote.score("q", ["a"], { maxTokensPerDoc: -5 }).catch((x: unknown) => x);
    expect((neg as InvalidOptionError).option).toBe("maxTokensPerDoc");
    const top = await remote.score("q", ["a"], { topN: 1 } as object).catch((x: unknown) => x);
    expect((top as InvalidOptionError).message).toContain("Use rerank() for topN");
  });
});
