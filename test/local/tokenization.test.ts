/**
 * src/local/tokenization without a model: special-token templates read from tokenizer.json
 * post-processors, pair and single encoding with every per-call truncation option, and the
 * template encoder of LLM rerankers. Expected ids are either Python's (the goldens'
 * `input_ids`, computed by transformers and sentence-transformers on the same tokenizer files)
 * or token windows written out by hand from the raw token ids of the texts; nothing from src/
 * builds the expected side.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { ContextLengthError } from "../../src/errors/context-length-error.js";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { encodePair, encodeSingle, resolvePromptLimit } from "../../src/local/tokenization/pair-encoder.js";
import { applyTemplate, countSpecials, readTemplate } from "../../src/local/tokenization/post-processor.js";
import { specialTokenIds } from "../../src/local/tokenization/special-ids.js";
import { TemplateEncoder } from "../../src/local/tokenization/template-encoder.js";
import { TextTokenizer } from "../../src/local/tokenization/text-tokenizer.js";
import { ScoreTemplate } from "../../src/templates/score-template.js";

type Json = Record<string, unknown>;
const readJson = (path: string): Json => JSON.parse(readFileSync(path, "utf8")) as Json;
const files = (dir: string) => ({ tokenizer: readJson(join(dir, "tokenizer.json")), config: readJson(join(dir, "tokenizer_config.json")) });
const tokenizerAt = (dir: string, edit: (t: Json, c: Json) => void = () => {}) => {
  const { tokenizer, config } = files(dir);
  edit(tokenizer, config);
  return new TextTokenizer(tokenizer, config, dir);
};

/**
 * A value built on first use, inside a test, instead of while the file is collected. StrykerJS
 * activates some mutants (those it sees run outside any test) from the moment the file loads; a
 * mutant that made a tokenizer throw there would stop the file before any test ran, and a file
 * with no test results counts as a surviving mutant.
 */
function lazy<T extends object>(make: () => T): T {
  let value: T | undefined;
  const get = (): T => (value ??= make());
  return new Proxy({} as T, {
    get: (_, key) => {
      const v: unknown = Reflect.get(get(), key);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(get()) : v;
    },
  });
}

const CROSS = "test/golden/encoders/cross";
const LLM = "test/golden/llm-rerankers";
/** The tiny BERT vocabulary's ids (tokenizer.json added_tokens). */
const PAD = 0;
const CLS = 4;
const SEP = 5;
const bert = lazy(() => tokenizerAt(join(CROSS, "bert")));

/** The error a function throws (fails the test if it returns). */
function thrown(fn: () => unknown): Error & { field?: string; path?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}
const zeros = (n: number) => Array<number>(n).fill(0);
const ones = (n: number) => Array<number>(n).fill(1);
/** `[CLS] q [SEP] d [SEP]` with BERT segment ids, written out by hand. */
const bertPair = (q: number[], d: number[]) => ({ ids: [CLS, ...q, SEP, ...d, SEP], typeIds: [...zeros(q.length + 2), ...ones(d.length + 1)] });

describe("readTemplate: special tokens from a tokenizer.json post_processor", () => {
  it("no post-processor (or ByteLevel alone) adds nothing, one segment", () => {
    for (const pp of [null, undefined, { type: "ByteLevel" }, { type: "Sequence", processors: [{ type: "ByteLevel" }] }]) {
      const t = readTemplate(pp, "tok.json");
      expect(applyTemplate(t.single, [7, 8])).toEqual({ ids: [7, 8], typeIds: [0, 0] });
      expect(applyTemplate(t.pair, [7, 8], [9])).toEqual({ ids: [7, 8, 9], typeIds: [0, 0, 0] });
      expect(countSpecials(t.single) + countSpecials(t.pair)).toBe(0);
    }
  });

  it("BertProcessing: [CLS] A [SEP] B [SEP], B and its [SEP] in segment 1", () => {
    const t = readTemplate({ type: "BertProcessing", cls: ["[CLS]", 101], sep: ["[SEP]", 102] }, "tok.json");
    expect(applyTemplate(t.single, [7, 8])).toEqual({ ids: [101, 7, 8, 102], typeIds: [0, 0, 0, 0] });
    expect(applyTemplate(t.pair, [7, 8], [9])).toEqual({ ids: [101, 7, 8, 102, 9, 102], typeIds: [0, 0, 0, 0, 1, 1] });
    expect([countSpecials(t.single), countSpecials(t.pair)]).toEqual([2, 3]);
  });

  it("RobertaProcessing: <s> A </s></s> B </s>, one segment", () => {
    const t = readTemplate({ type: "RobertaProcessing", cls: ["<s>", 0], sep: ["</s>", 2] }, "tok.json");
    expect(applyTemplate(t.single, [7])).toEqual({ ids: [0, 7, 2], typeIds: [0, 0, 0] });
    expect(applyTemplate(t.pair, [7, 8], [9])).toEqual({ ids: [0, 7, 8, 2, 2, 9, 2], typeIds: [0, 0, 0, 0, 0, 0, 0] });
    expect([countSpecials(t.single), countSpecials(t.pair)]).toEqual([2, 4]);
  });

  it("TemplateProcessing, also inside a Sequence with ByteLevel, with multi-id special tokens", () => {
    const tp = {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<bos>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<bos>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<sep>", type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<bos>": { ids: [2] }, "<sep>": { ids: [3, 4] } },
    };
    for (const pp of [tp, { type: "Sequence", processors: [{ type: "ByteLevel" }, tp] }]) {
      const t = readTemplate(pp, "tok.json");
      expect(applyTemplate(t.single, [7])).toEqual({ ids: [2, 7], typeIds: [0, 0] });
      expect(applyTemplate(t.pair, [7], [8, 9])).toEqual({ ids: [2, 7, 3, 4, 8, 9], typeIds: [0, 0, 1, 1, 1, 1] });
      expect([countSpecials(t.single), countSpecials(t.pair)]).toEqual([1, 3]);
    }
  });

  it("refuses post-processors it cannot read with a ModelLoadError naming the file and the problem", () => {
    const cases: [unknown, string][] = [
      [{ type: "Fancy" }, "post_processor type Fancy"],
      [{ type: "Sequence", processors: [{ type: "BertProcessing" }, { type: "RobertaProcessing" }] }, "a Sequence with several special-token processors"],
      [
        { type: "TemplateProcessing", single: [{ SpecialToken: { id: "[X]", type_id: 0 } }], pair: [], special_tokens: {} },
        "special token [X] without ids",
      ],
      [{ type: "TemplateProcessing", single: [{ SpecialToken: { id: "[X]", type_id: 0 } }], pair: [] }, "special token [X] without ids"],
    ];
    for (const [pp, what] of cases) {
      const e = thrown(() => readTemplate(pp, "/models/m/tokenizer.json"));
      expect(e).toBeInstanceOf(ModelLoadError);
      expect(e.message).toBe(`/models/m/tokenizer.json: unsupported tokenizer post-processor (${what})`);
      expect(e.path).toBe("/models/m/tokenizer.json");
    }
  });
});

describe("specialTokenIds", () => {
  it("collects the template's ids and the added tokens marked special, nothing else", () => {
    const template = readTemplate({ type: "BertProcessing", cls: ["[CLS]", 101], sep: ["[SEP]", 102] }, "t");
    const json = {
      added_tokens: [
        { id: 0, content: "[PAD]", special: true },
        { id: 7, content: "hello", special: false },
        { id: 8, content: "world" },
      ],
    };
    expect([...specialTokenIds(json, template)].sort((a, b) => a - b)).toEqual([0, 101, 102]);
    expect([...specialTokenIds({}, template)].sort((a, b) => a - b)).toEqual([101, 102]);
    expect([...specialTokenIds({}, readTemplate({ type: "Sequence", processors: [{ type: "ByteLevel" }] }, "t"))]).toEqual([]);
  });
});

describe("TextTokenizer", () => {
  it("reads each family's special tokens and pad id from the model files", () => {
    const roberta = tokenizerAt(join(CROSS, "roberta"));
    const qwen = tokenizerAt(join(LLM, "qwen3-causal"));
    expect([bert.singleSpecials, bert.pairSpecials, bert.padId]).toEqual([2, 3, PAD]);
    expect([roberta.singleSpecials, roberta.pairSpecials, roberta.padId]).toEqual([2, 4, 1]);
    // Qwen: no special tokens added; pad_token <|endoftext|> is added token 0.
    expect([qwen.singleSpecials, qwen.pairSpecials, qwen.padId]).toEqual([0, 0, 0]);
    expect(bert.single([9, 10])).toEqual({ ids: [CLS, 9, 10, SEP], typeIds: [0, 0, 0, 0] });
    expect(bert.pair([9], [10])).toEqual(bertPair([9], [10]));
  });

  it("finds the pad id from the config's pad_token string or object, else [PAD], else <pad>", () => {
    // xlmr's <pad> is id 1, its vocabulary has no [PAD]; bert's [PAD] is 0 and [MASK] 6.
    expect(tokenizerAt(join(CROSS, "xlmr"), (_, c) => (c["pad_token"] = { content: "<pad>" })).padId).toBe(1);
    expect(tokenizerAt(join(CROSS, "xlmr"), (_, c) => delete c["pad_token"]).padId).toBe(1);
    expect(tokenizerAt(join(CROSS, "bert"), (_, c) => (c["pad_token"] = "[MASK]")).padId).toBe(6);
    expect(tokenizerAt(join(CROSS, "bert"), (_, c) => (c["pad_token"] = { content: "[MASK]" })).padId).toBe(6);
    expect(tokenizerAt(join(CROSS, "bert"), (_, c) => delete c["pad_token"]).padId).toBe(PAD);
    // modernbert's [PAD] is id 3: found by name without a pad_token.
    expect(tokenizerAt(join(CROSS, "modernbert"), (_, c) => delete c["pad_token"]).padId).toBe(3);
  });

  it("wraps a tokenizer.json it cannot build in a ModelLoadError naming the folder", () => {
    const e = thrown(() => new TextTokenizer({ model: { type: "NoSuchModel" } }, {}, "/models/broken"));
    expect(e).toBeInstanceOf(ModelLoadError);
    expect(e.message).toMatch(/^Cannot build the tokenizer from \/models\/broken: \S/);
    expect(e.path).toBe("/models/broken");
  });

  it("encodes without special tokens and decodes with or without them", () => {
    const ids = bert.encode("paris");
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).not.toContain(CLS);
    expect(bert.decode([CLS, ...ids, SEP])).toBe("paris");
    expect(bert.decode([CLS, ...ids, SEP], false)).toBe("[CLS] paris [SEP]");
    expect(bert.idsToTokens([CLS, 99_999_999])).toEqual(["[CLS]", ""]);
    expect(bert.tokenToId("[SEP]")).toBe(SEP);
    expect(bert.tokenToId("no-such-token-here")).toBeUndefined();
  });

  it("knows which tokenizers are byte-level (ByteLevel pre-tokenizer, alone or in a Sequence, and no normalizer)", () => {
    expect(tokenizerAt(join(LLM, "qwen3-causal")).byteLevel).toBe(true);
    expect(tokenizerAt(join(CROSS, "roberta")).byteLevel).toBe(true);
    expect(bert.byteLevel).toBe(false);
    expect(tokenizerAt(join(CROSS, "xlmr")).byteLevel).toBe(false); // a Sequence without ByteLevel
    const inSequence = tokenizerAt(join(LLM, "qwen3-causal"), (t) => {
      t["pre_tokenizer"] = { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { String: "\n" }, behavior: "Isolated", invert: false }, t["pre_tokenizer"]] };
    });
    expect(inSequence.byteLevel).toBe(true);
    const normalized = tokenizerAt(join(LLM, "qwen3-causal"), (t) => (t["normalizer"] = { type: "NFC" }));
    expect(normalized.byteLevel).toBe(false);
    const splitOnly = tokenizerAt(join(LLM, "qwen3-causal"), (t) => {
      t["pre_tokenizer"] = { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { String: "\n" }, behavior: "Isolated", invert: false }] };
    });
    expect(splitOnly.byteLevel).toBe(false);
    expect(tokenizerAt(join(LLM, "qwen3-causal"), (t) => (t["pre_tokenizer"] = null)).byteLevel).toBe(false);
    // Only a Sequence runs its `pretokenizers`: on a Split the field is a stray one the tokenizer
    // ignores, so a ByteLevel listed there does not make the tokens byte-level.
    const strayField = tokenizerAt(join(LLM, "qwen3-causal"), (t) => {
      t["pre_tokenizer"] = { type: "Split", pattern: { String: "\n" }, behavior: "Isolated", invert: false, pretokenizers: [t["pre_tokenizer"]] };
    });
    expect(strayField.byteLevel).toBe(false);
  });

  it("byte offsets tile the UTF-8 text exactly, added tokens counted by their bytes", () => {
    const qwen = tokenizerAt(join(LLM, "qwen3-causal"));
    const text = "<|im_start|>user café ok<|im_end|>";
    const ids = qwen.encode(text);
    const offsets = qwen.byteOffsets(ids, text);
    expect(offsets).toBeDefined();
    const bytes = Buffer.from(text, "utf8");
    expect(offsets?.[0]?.[0]).toBe(0);
    expect(offsets?.at(-1)?.[1]).toBe(bytes.length);
    for (let i = 1; i < ids.length; i++) expect(offsets?.[i]?.[0]).toBe(offsets?.[i - 1]?.[1]);
    // The added tokens span their own 12 and 10 bytes.
    expect(offsets?.[0]).toEqual([0, 12]);
    expect(offsets?.at(-1)).toEqual([bytes.length - 10, bytes.length]);
    // Every ASCII token's bytes decode to the token's text.
    const tokens = qwen.idsToTokens(ids);
    for (const [i, [a, b]] of (offsets ?? []).entries()) {
      if (/^[\x21-\x7e]+$/.test(tokens[i] as string)) expect(bytes.subarray(a, b).toString("utf8")).toBe(tokens[i]);
    }
    // An added token with a non-ASCII character spans its UTF-8 bytes (6 for <|é|>), not its 5 characters.
    const withAccent = tokenizerAt(join(LLM, "qwen3-causal"), (t) => {
      (t["added_tokens"] as Json[]).push({ id: 700, content: "<|é|>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    });
    const accented = withAccent.encode("<|é|>the");
    expect(withAccent.idsToTokens(accented)).toEqual(["<|é|>", "t", "he"]);
    expect(withAccent.byteOffsets(accented, "<|é|>the")).toEqual([[0, 6], [6, 7], [7, 9]]);
    // Ids that do not spell the text, or a tokenizer that is not byte-level: no offsets.
    expect(qwen.byteOffsets(ids, `${text}!`)).toBeUndefined();
    // "city" is one WordPiece token of 4 characters: lengths add up, yet offsets are refused.
    expect(bert.byteOffsets(bert.encode("city"), "city")).toBeUndefined();
  });
});

describe("encodePair and encodeSingle (BERT: [CLS] q [SEP] d [SEP])", () => {
  const g = readJson(join(CROSS, "bert", "golden.json")) as { pairs: { query: string; document: string; ids: number[]; typeIds: number[] }[] };

  it("matches transformers' ids and segment ids, long documents cut longest-first to 64 tokens", () => {
    for (const p of g.pairs) expect(encodePair(bert, bert.encode(p.query), bert.encode(p.document), 64)).toEqual({ ids: p.ids, typeIds: p.typeIds });
    expect(g.pairs.some((p) => p.ids.length === 64)).toBe(true);
  });

  // 6 query tokens and 20 document tokens, made up ids: truncation never looks at the values.
  const q = [11, 12, 13, 14, 15, 16];
  const d = Array.from({ length: 20 }, (_, i) => 100 + i);

  it("caps the query and the document at maxTokensPerQuery / maxTokensPerDoc, keeping their first tokens", () => {
    expect(encodePair(bert, q, d, 512, { maxTokensPerQuery: 2 })).toEqual(bertPair([11, 12], d));
    expect(encodePair(bert, q, d, 512, { maxTokensPerDoc: 3 })).toEqual(bertPair(q, [100, 101, 102]));
    expect(encodePair(bert, q, d, 512, { maxTokensPerQuery: 2, maxTokensPerDoc: 3 })).toEqual(bertPair([11, 12], [100, 101, 102]));
    // The caps count before the model limit: 2 + 3 + 3 specials fit in 8.
    expect(encodePair(bert, q, d, 8, { maxTokensPerQuery: 2, maxTokensPerDoc: 3, truncate: false })).toEqual(bertPair([11, 12], [100, 101, 102]));
  });

  it("cuts longest-first to the model limit: the document first, both when the query is long too", () => {
    // 29 tokens into 20: budget 17, the query (6) fits in half, the document keeps 11.
    expect(encodePair(bert, q, d, 20)).toEqual(bertPair(q, d.slice(0, 11)));
    // Into 9: budget 6, both cut to 3.
    expect(encodePair(bert, q, d, 9)).toEqual(bertPair([11, 12, 13], [100, 101, 102]));
    // Exactly at the limit: nothing cut.
    expect(encodePair(bert, q, d, 29)).toEqual(bertPair(q, d));
  });

  it("truncate: false refuses a pair over the limit with vLLM's message, and accepts one exactly at it", () => {
    const e = thrown(() => encodePair(bert, q, d, 28, { truncate: false }));
    expect(e).toBeInstanceOf(ContextLengthError);
    expect(e.message).toContain("maximum context length is 28 tokens");
    expect(e.message).toContain("at least 29 input tokens");
    expect((e as ContextLengthError).inputTokens).toBe(29);
    expect(encodePair(bert, q, d, 29, { truncate: false })).toEqual(bertPair(q, d));
    // truncatePromptTokens asks for truncation explicitly: no error.
    expect(encodePair(bert, q, d, 28, { truncate: false, truncatePromptTokens: 9 })).toEqual(bertPair([11, 12, 13], [100, 101, 102]));
  });

  it("truncatePromptTokens cuts the prompt to N tokens (-1: the model limit)", () => {
    expect(encodePair(bert, q, d, 512, { truncatePromptTokens: 20 })).toEqual(bertPair(q, d.slice(0, 11)));
    expect(encodePair(bert, q, d, 512, { truncatePromptTokens: -1 })).toEqual(bertPair(q, d));
    expect(encodePair(bert, q, d, 20, { truncatePromptTokens: -1 })).toEqual(bertPair(q, d.slice(0, 11)));
  });

  it("truncationSide left keeps the last tokens of the whole prompt, only when it is too long", () => {
    const full = bertPair(q, d);
    expect(encodePair(bert, q, d, 512, { truncatePromptTokens: 10, truncationSide: "left" })).toEqual({
      ids: full.ids.slice(-10),
      typeIds: full.typeIds.slice(-10),
    });
    expect(encodePair(bert, q, d, 10, { truncationSide: "left" }).ids).toEqual([...d.slice(-9), SEP]);
    expect(encodePair(bert, q, d, 29, { truncationSide: "left" })).toEqual(full);
  });

  it("only_second cuts the document alone, and refuses a query that cannot fit", () => {
    expect(encodePair(bert, q, d, 12, { truncationStrategy: "only_second" })).toEqual(bertPair(q, [100, 101, 102]));
    // The query and the specials fill the limit exactly: an empty document.
    expect(encodePair(bert, q, d, 9, { truncationStrategy: "only_second" })).toEqual(bertPair(q, []));
    const e = thrown(() => encodePair(bert, q, d, 8, { truncationStrategy: "only_second" }));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toBe("The query alone (6 tokens) exceeds the 8-token limit; only_second truncation cannot fit it");
    expect(e.field).toBe("queries");
    // Under the limit, only_second changes nothing.
    expect(encodePair(bert, q, d, 29, { truncationStrategy: "only_second" })).toEqual(bertPair(q, d));
  });

  it("encodeSingle keeps the special tokens and cuts the text from either side", () => {
    const ids = [21, 22, 23, 24, 25, 26];
    expect(encodeSingle(bert, ids, 8)).toEqual({ ids: [CLS, ...ids, SEP], typeIds: zeros(8) });
    expect(encodeSingle(bert, ids, 5)).toEqual({ ids: [CLS, 21, 22, 23, SEP], typeIds: zeros(5) });
    expect(encodeSingle(bert, ids, 5, { truncationSide: "left" })).toEqual({ ids: [23, 24, 25, 26, SEP], typeIds: zeros(5) });
    expect(encodeSingle(bert, ids, 512, { truncatePromptTokens: 4 })).toEqual({ ids: [CLS, 21, 22, SEP], typeIds: zeros(4) });
    expect(encodeSingle(bert, ids, 8, { truncate: false })).toEqual({ ids: [CLS, ...ids, SEP], typeIds: zeros(8) });
    const e = thrown(() => encodeSingle(bert, ids, 7, { truncate: false }));
    expect(e).toBeInstanceOf(ContextLengthError);
    expect(e.message).toContain("maximum context length is 7 tokens");
    expect(e.message).toContain("at least 8 input tokens");
    expect(encodeSingle(bert, ids, 7, { truncate: false, truncatePromptTokens: 4 })).toEqual({ ids: [CLS, 21, 22, SEP], typeIds: zeros(4) });
  });

  it("resolvePromptLimit takes -1 as the model limit and refuses values vLLM refuses", () => {
    expect(resolvePromptLimit(64, {})).toBe(64);
    expect(resolvePromptLimit(64, { truncatePromptTokens: -1 })).toBe(64);
    expect(resolvePromptLimit(64, { truncatePromptTokens: 64 })).toBe(64);
    expect(resolvePromptLimit(64, { truncatePromptTokens: 10 })).toBe(10);
    // 0 is an integer >= -1: accepted, as the error message promises.
    expect(resolvePromptLimit(64, { truncatePromptTokens: 0 })).toBe(0);
    for (const bad of [-2, 1.5, Number.NaN]) {
      const e = thrown(() => resolvePromptLimit(64, { truncatePromptTokens: bad }));
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e.message).toBe(`truncatePromptTokens must be an integer >= -1, got ${String(bad)}`);
      expect(e.field).toBe("truncatePromptTokens");
    }
    const e = thrown(() => resolvePromptLimit(64, { truncatePromptTokens: 65 }));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toBe("truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.");
    expect(e.field).toBe("truncatePromptTokens");
  });
});

describe("TemplateEncoder", () => {
  interface Golden {
    max_length: number;
    template: string;
    cases: { query: string; document: string; instruction: string | null }[];
    input_ids: number[][];
    input_ids_capped: number[][];
  }
  const specialTokensOf = (config: Json) => {
    const out: Record<string, string> = {};
    for (const key of ["bos_token", "eos_token", "pad_token", "unk_token"]) {
      const v = config[key];
      if (typeof v === "string") out[key] = v;
    }
    return out;
  };

  describe.each(["qwen3-causal", "qwen2-mxbai", "gemma-bge"])("%s: the ids transformers scores", (cell) => {
    const dir = join(LLM, cell);
    const g = readJson(join(dir, "golden.json")) as unknown as Golden;
    const tok = lazy(() => tokenizerAt(dir));
    const template = ScoreTemplate.from(g.template, specialTokensOf(files(dir).config));
    const encoderFor = (instruction: string | null) =>
      new TemplateEncoder(tok, template, { instruction: instruction !== null && template.usesInstruction ? instruction : undefined });

    it("whole renders, and long ones with the document then the query cut, the template kept", () => {
      for (const [i, c] of g.cases.entries()) {
        expect(encoderFor(c.instruction).encodePair(c.query, c.document, g.max_length).ids, `case ${i}`).toEqual(g.input_ids[i]);
      }
      expect(g.input_ids.filter((ids) => ids.length === g.max_length).length).toBe(2);
    });

    it("maxTokensPerDoc 5 and maxTokensPerQuery 3 cap the contents", () => {
      for (const [i, c] of g.cases.entries()) {
        const got = encoderFor(c.instruction).encodePair(c.query, c.document, 1_000_000, { maxTokensPerDoc: 5, maxTokensPerQuery: 3 });
        expect(got.ids, `case ${i}`).toEqual(g.input_ids_capped[i]);
      }
    });
  });

  // A WordPiece tokenizer has no byte offsets: the content spans come from comparing renders.
  const plainTemplate = ScoreTemplate.from(
    'query: {{ (messages | selectattr("role", "eq", "query") | first).content }} ' +
      'passage: {{ (messages | selectattr("role", "eq", "document") | first).content }} relevant ?',
  );
  const words = (n: number) => Array.from({ length: n }, () => "city").join(" ");
  const query = "what is the capital of france";
  const wp = lazy(() => {
    const [prefix, between, suffix] = [bert.encode("query :"), bert.encode("passage :"), bert.encode("relevant ?")];
    return { city: bert.encode("city"), prefix, between, suffix, qIds: bert.encode(query), fixed: prefix.length + between.length + suffix.length + 2 };
  });
  /** `[CLS] query: q passage: d relevant ? [SEP]`, written out from the parts' own tokens. */
  const render = (qi: number[], di: number[]) => [CLS, ...wp.prefix, ...qi, ...wp.between, ...di, ...wp.suffix, SEP];

  it("a WordPiece render is its parts' tokens side by side (the premise of the hand-built windows)", () => {
    expect(wp.city).toHaveLength(1);
    expect(new TemplateEncoder(bert, plainTemplate, {}).encodePair(query, words(4), 512)).toEqual({ ids: render(wp.qIds, [...wp.city, ...wp.city, ...wp.city, ...wp.city]) });
  });

  it("cuts the document's end, then the query's, keeping every template token", () => {
    const enc = new TemplateEncoder(bert, plainTemplate, {});
    const doc = Array<number>(10).fill(wp.city[0] as number);
    const limit = wp.fixed + wp.qIds.length + 4;
    expect(enc.encodePair(query, words(10), limit).ids).toEqual(render(wp.qIds, doc.slice(0, 4)));
    // The document emptied, then two query tokens dropped from the end.
    expect(enc.encodePair(query, words(10), wp.fixed + wp.qIds.length - 2).ids).toEqual(render(wp.qIds.slice(0, -2), []));
    expect(enc.encodePair(query, words(10), 1_000_000, { maxTokensPerDoc: 2, maxTokensPerQuery: 1 }).ids).toEqual(render(wp.qIds.slice(0, 1), doc.slice(0, 2)));
  });

  it("documentBudget is the number of document tokens that still fit", () => {
    const enc = new TemplateEncoder(bert, plainTemplate, {});
    const limit = wp.fixed + wp.qIds.length + 7;
    const budget = enc.documentBudget(query, limit);
    expect(budget).toBe(7);
    expect(() => enc.encodePair(query, words(budget), limit, { truncate: false })).not.toThrow();
    expect(() => enc.encodePair(query, words(budget + 1), limit, { truncate: false })).toThrow(ContextLengthError);
    expect(enc.documentBudget(query, 3)).toBe(0);
  });

  it("refuses a too-long prompt with truncate: false, and a template that alone exceeds the limit", () => {
    const enc = new TemplateEncoder(bert, plainTemplate, {});
    const total = wp.fixed + wp.qIds.length + 10;
    const e = thrown(() => enc.encodePair(query, words(10), total - 1, { truncate: false }));
    expect(e).toBeInstanceOf(ContextLengthError);
    expect((e as ContextLengthError).inputTokens).toBe(total);
    expect((e as ContextLengthError).maxLength).toBe(total - 1);
    const tooSmall = thrown(() => enc.encodePair(query, words(10), wp.fixed - 1));
    expect(tooSmall).toBeInstanceOf(ContextLengthError);
    expect((tooSmall as ContextLengthError).maxLength).toBe(wp.fixed - 1);
    expect((tooSmall as ContextLengthError).inputTokens).toBe(wp.fixed);
  });

  it("truncationSide left keeps the last tokens of the prompt when it is too long", () => {
    const enc = new TemplateEncoder(bert, plainTemplate, {});
    const full = render(wp.qIds, Array<number>(10).fill(wp.city[0] as number));
    expect(enc.encodePair(query, words(10), 512, { truncatePromptTokens: 6, truncationSide: "left" }).ids).toEqual(full.slice(-6));
    expect(enc.encodePair(query, words(10), 512, { truncationSide: "left" }).ids).toEqual(full);
    // Within the limit the side does not matter and the caps still apply.
    expect(enc.encodePair(query, words(10), 512, { truncationSide: "left", maxTokensPerDoc: 2 }).ids).toEqual(render(wp.qIds, [wp.city[0] as number, wp.city[0] as number]));
  });

  it("without a template the prompt is query + document, as vLLM joins them", () => {
    const enc = new TemplateEncoder(bert, undefined, {});
    expect(enc.encodePair("city ", "city", 512).ids).toEqual([CLS, ...wp.city, ...wp.city, SEP]);
    expect(enc.encodePair("what is ", "city city", 4).ids).toEqual([CLS, ...bert.encode("what is"), SEP]);
  });

  it("a pair that fits without caps is tokenized once: no filler renders to locate the contents", () => {
    // Locating the contents renders the pair again with fillers (4 more encodes for WordPiece);
    // a prompt that fits whole needs none of that.
    const tok = tokenizerAt(join(CROSS, "bert"));
    const encode = vi.spyOn(tok, "encode");
    const enc = new TemplateEncoder(tok, plainTemplate, {});
    expect(enc.encodePair(query, words(3), 512).ids).toEqual(render(wp.qIds, [...wp.city, ...wp.city, ...wp.city]));
    expect(encode).toHaveBeenCalledTimes(1);
    // The premise: the spy does see the filler renders once a cap asks for the spans.
    enc.encodePair(query, words(3), 512, { maxTokensPerDoc: 1 });
    expect(encode.mock.calls.length).toBeGreaterThan(2);
    // Exactly at the limit the prompt fits too (a fresh encoder: the first one has it cached).
    encode.mockClear();
    const atLimit = wp.fixed + wp.qIds.length + 3;
    expect(new TemplateEncoder(tok, plainTemplate, {}).encodePair(query, words(3), atLimit).ids).toHaveLength(atLimit);
    expect(encode).toHaveBeenCalledTimes(1);
  });

  it("caches renders: a text seen before is not tokenized again, and the cache starts over past 4097 texts", () => {
    // One encoder serves a whole call, whose pairs share renders (a query's empty-document and
    // filler renders); the bound keeps a call with very many documents from holding every render.
    const tok = tokenizerAt(join(CROSS, "bert"));
    const encode = vi.spyOn(tok, "encode");
    const enc = new TemplateEncoder(tok, undefined, {});
    const seen = (text: string) => {
      const before = encode.mock.calls.length;
      expect(enc.encodePair("", text, 512).ids).toEqual([CLS, ...bert.encode(text), SEP]);
      return encode.mock.calls.length === before;
    };
    expect(seen("a")).toBe(false);
    expect(seen("a")).toBe(true);
    expect(seen("b")).toBe(false);
    expect(seen("a")).toBe(true); // a new text does not evict the others
    // 4097 texts fit ("a", "b" and 4095 more); the 4098th empties the cache before it is stored.
    for (let i = 0; i < 4095; i++) expect(seen(`w${i}`)).toBe(false);
    expect(seen("a")).toBe(true);
    expect(seen("w4095")).toBe(false);
    expect(seen("a")).toBe(false);
    expect(seen("w4095")).toBe(true);
  });

  it("an empty query inside the document's unknown word is located as empty, before the document", () => {
    // Premise: "☃" is not in the tiny vocabulary, and neither are the filler renders "x☃" and "y☃":
    // each is the one token [UNK]. Comparing renders then finds the (empty) query's place after
    // that token and the document's before it; the query is moved back to the document's start.
    const UNK = 3;
    for (const text of ["☃", "x☃", "y☃"]) expect(bert.encode(text)).toEqual([UNK]);
    const enc = new TemplateEncoder(bert, undefined, {});
    expect(enc.encodePair("", "☃", 512, { maxTokensPerDoc: 1 }).ids).toEqual([CLS, UNK, SEP]);
    // The [UNK] is the document's: a limit of 2 (the specials alone) cuts it, not a query token.
    expect(enc.encodePair("", "☃", 2).ids).toEqual([CLS, SEP]);
  });

  it("each cap alone, and truncatePromptTokens with truncate: false, cut the contents", () => {
    const enc = new TemplateEncoder(bert, plainTemplate, {});
    const doc = Array<number>(10).fill(wp.city[0] as number);
    expect(enc.encodePair(query, words(10), 512, { maxTokensPerDoc: 2 }).ids).toEqual(render(wp.qIds, doc.slice(0, 2)));
    expect(enc.encodePair(query, words(10), 512, { maxTokensPerQuery: 2 }).ids).toEqual(render(wp.qIds.slice(0, 2), doc));
    const limit = wp.fixed + wp.qIds.length + 3;
    expect(enc.encodePair(query, words(10), limit - 1, { truncate: false, truncatePromptTokens: limit - 1 }).ids).toEqual(render(wp.qIds, doc.slice(0, 2)));
  });

  describe("byte-level spans (Qwen tokenizer)", () => {
    const qwen = lazy(() => tokenizerAt(join(LLM, "qwen3-causal")));
    const q = "Where is it?";
    const d = " Paris is big and old";
    it("without a template the document ends the prompt; its cap keeps its first tokens", () => {
      const enc = new TemplateEncoder(qwen, undefined, {});
      // The premise: the two texts tokenize apart.
      expect(qwen.encode(q + d)).toEqual([...qwen.encode(q), ...qwen.encode(d)]);
      expect(enc.encodePair(q, d, 1_000_000, { maxTokensPerDoc: 2 }).ids).toEqual([...qwen.encode(q), ...qwen.encode(d).slice(0, 2)]);
      expect(enc.encodePair(q, d, 1_000_000, { maxTokensPerQuery: 1 }).ids).toEqual([...qwen.encode(q).slice(0, 1), ...qwen.encode(d)]);
    });
    /** Token strings of a text, to state each test's premise about how the tiny vocabulary splits it. */
    const pieces = (text: string) => qwen.idsToTokens(qwen.encode(text));
    it("without a template, a token holding bytes of both contents counts as the query's", () => {
      const enc = new TemplateEncoder(qwen, undefined, {});
      // Premise: "the " + "object and" splits as t | he | Ġobject | Ġand, the space of Ġobject being
      // the query's last byte; so the document's own tokens are just Ġand.
      expect(pieces("the object and")).toEqual(["t", "he", "Ġobject", "Ġand"]);
      const whole = qwen.encode("the object and");
      // Capping the document at one token keeps Ġand (the query keeps Ġobject): nothing is cut.
      expect(enc.encodePair("the ", "object and", 1_000_000, { maxTokensPerDoc: 1 }).ids).toEqual(whole);
      // Capping the query at two tokens drops Ġobject, the query's third token.
      expect(enc.encodePair("the ", "object and", 1_000_000, { maxTokensPerQuery: 2 }).ids).toEqual([whole[0], whole[1], whole[3]]);
    });
    it("a template that changes a content (here | trim) is located by comparing renders, not by its layout", () => {
      const enc = new TemplateEncoder(qwen, ScoreTemplate.from("Q: {{ messages[0].content | trim }} D: {{ messages[1].content }}"), {});
      // Premise: the render "Q: the D: object and" is Q | : | Ġthe | Ġ | D | : | Ġobject | Ġand; the
      // trimmed query is the one token Ġthe, so a one-token query cap cuts nothing. (Read from the
      // layout, the untrimmed " the " would claim Ġthe and the template's Ġ, and the cap would cut Ġ.)
      expect(pieces("Q: the D: object and")).toEqual(["Q", ":", "Ġthe", "Ġ", "D", ":", "Ġobject", "Ġand"]);
      expect(enc.encodePair(" the ", "object and", 1_000_000, { maxTokensPerQuery: 1 }).ids).toEqual(qwen.encode("Q: the D: object and"));
      // The document's two tokens, capped at one: Ġand goes.
      expect(enc.encodePair(" the ", "object and", 1_000_000, { maxTokensPerDoc: 1 }).ids).toEqual(qwen.encode("Q: the D: object"));
    });
    it("an empty query inside a template token owns no token: that token is template and is never cut", () => {
      const enc = new TemplateEncoder(qwen, ScoreTemplate.from("Q: ob{{ messages[0].content }}ject D: {{ messages[1].content }}"), {});
      // Premise: with an empty query the render "Q: object D: the" is Q | : | Ġobject | Ġ | D | : | Ġthe,
      // Ġobject spanning the query's (empty) place; six template tokens and the document's Ġthe.
      expect(pieces("Q: object D: the")).toEqual(["Q", ":", "Ġobject", "Ġ", "D", ":", "Ġthe"]);
      const whole = qwen.encode("Q: object D: the");
      expect(enc.encodePair("", "the", 6).ids).toEqual(whole.slice(0, 6));
      // Five tokens: the template alone (6) does not fit; Ġobject is not the query's to cut.
      const e = thrown(() => enc.encodePair("", "the", 5));
      expect(e).toBeInstanceOf(ContextLengthError);
      expect((e as ContextLengthError).inputTokens).toBe(6);
    });
    it("an empty query or document is located (as empty) and the other one is still capped", () => {
      const g = readJson(join(LLM, "qwen3-causal", "golden.json")) as unknown as Golden;
      const enc = new TemplateEncoder(qwen, ScoreTemplate.from(g.template), {});
      const whole = (a: string, b: string) => enc.encodePair(a, b, 1_000_000).ids;
      expect(enc.encodePair(q, "", 1_000_000, { maxTokensPerQuery: 100 }).ids).toEqual(whole(q, ""));
      expect(enc.encodePair("", d, 1_000_000, { maxTokensPerDoc: 100 }).ids).toEqual(whole("", d));
      // Capping the document of an empty query drops exactly its tokens after the second.
      const capped = enc.encodePair("", d, 1_000_000, { maxTokensPerDoc: 2 }).ids;
      expect(capped.length).toBe(whole("", d).length - (qwen.encode(d).length - 2));
      expect(capped.length).toBeLessThan(whole("", d).length);
    });
  });

  it("refuses an instruction the template has no place for", () => {
    const e = thrown(() => new TemplateEncoder(bert, plainTemplate, { instruction: "be strict" }));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.field).toBe("instruction");
  });
});
