/**
 * Differential tokenization: a corpus of hard text (every script, case-mapping edges, astral
 * characters, combining marks, control and zero-width characters, emoji sequences, whitespace runs,
 * literal special tokens) encoded by the Rust `tokenizers` with every tokenizer the suite loads and
 * the real Hub tokenizers of test/golden/real-files (scripts/reference/tokenization.py). rerank-kit's
 * TextTokenizer must give the same ids, exactly, alone and in pairs, with and without special tokens.
 *
 * Divergences of @huggingface/tokenizers 0.2 left as they are, because no tokenizer here takes them:
 * - `do_lowercase_and_remove_accent` in tokenizer_config.json (XLM / FlauBERT slow tokenizers)
 *   still lowercases the whole string (final sigma);
 * - the `Whitespace` pre-tokenizer matches `\w` as ASCII, Rust as Unicode (`café` is one word
 *   there, two here); no reranker or embedder in the matrix uses it;
 * - a Precompiled normalizer whose charsmap is null keeps the package's NFKC approximation;
 * - pair segment ids without a template: see {@link hasTemplate}.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { tokenizerConfig, tokenizerJson } from "../fixtures/tokenizer/write-tokenizer.js";
import { lowercasePerCharacter } from "../../src/local/tokenization/rust-parity.js";
import { TextTokenizer } from "../../src/local/tokenization/text-tokenizer.js";

interface Golden {
  corpus: { name: string; text: string; stLower: string }[];
  tokenizers: Record<
    string,
    {
      sha256: string;
      single: number[][];
      singleSpecial: { ids: number[]; typeIds: number[] }[];
      pairs: { a: number; b: number; ids: number[]; typeIds: number[]; idsNoSpecial: number[] }[];
    }
  >;
}

const REPO = join(import.meta.dirname, "..", "..");
const golden = JSON.parse(readFileSync(join(REPO, "test/golden/tokenization/golden.json"), "utf8")) as Golden;
const texts = golden.corpus.map((c) => c.text);
const sha = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
/** model2vec folders ship tokenizer.json without tokenizer_config.json. */
const optionalJson = (path: string): Record<string, unknown> => (existsSync(path) ? readJson(path) : {});

/**
 * Without a special-token template (post_processor null or ByteLevel: the Qwen, mxbai and GPT-2
 * tokenizers) Rust gives the second text of a pair segment id 1 by default. rerank-kit gives 0
 * there; unreachable: transformers' fast tokenizers of those models return no token_type_ids
 * (`model_input_names` has none) and their graphs take none, so only the ids are compared.
 */
function hasTemplate(source: string): boolean {
  const pp = (JSON.parse(source) as { post_processor?: { type?: string; processors?: { type?: string }[] } | null }).post_processor;
  if (!pp || pp.type === "ByteLevel") return false;
  return pp.type !== "Sequence" || (pp.processors ?? []).some((p) => p.type !== "ByteLevel");
}

function load(key: string): { tokenizer: TextTokenizer; source: string } {
  if (key.startsWith("fixture:")) {
    const kind = key.slice("fixture:".length) as "bert" | "roberta";
    const json = tokenizerJson(kind);
    return { tokenizer: new TextTokenizer(json, tokenizerConfig(128), key), source: JSON.stringify(json) };
  }
  const path = join(REPO, key);
  const source = readFileSync(path, "utf8");
  return { tokenizer: new TextTokenizer(JSON.parse(source) as Record<string, unknown>, optionalJson(join(dirname(path), "tokenizer_config.json")), path), source };
}

/** Every tokenizer.json below test/golden. */
function goldenTokenizerFiles(dir = join(REPO, "test/golden")): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return goldenTokenizerFiles(path);
    return name === "tokenizer.json" ? [path] : [];
  });
}

/** Names of the corpus texts whose encoding differs, for a readable failure. */
function diverging(tokenizer: TextTokenizer, ref: Golden["tokenizers"][string], pairTypeIds: boolean): string[] {
  const out: string[] = [];
  texts.forEach((text, i) => {
    const ids = tokenizer.encode(text);
    const single = tokenizer.single(ids);
    const want = ref.singleSpecial[i];
    if (JSON.stringify(ids) !== JSON.stringify(ref.single[i])) out.push(`${golden.corpus[i]?.name} (no specials)`);
    else if (JSON.stringify(single) !== JSON.stringify(want)) out.push(`${golden.corpus[i]?.name} (with specials)`);
  });
  for (const p of ref.pairs) {
    const a = tokenizer.encode(texts[p.a] as string);
    const b = tokenizer.encode(texts[p.b] as string);
    const got = tokenizer.pair(a, b);
    if (!pairTypeIds) got.typeIds = p.typeIds;
    const label = `pair ${golden.corpus[p.a]?.name} + ${golden.corpus[p.b]?.name}`;
    if (JSON.stringify([...a, ...b]) !== JSON.stringify(p.idsNoSpecial)) out.push(`${label} (no specials)`);
    else if (JSON.stringify(got) !== JSON.stringify({ ids: p.ids, typeIds: p.typeIds })) out.push(`${label} (with specials)`);
  }
  return out;
}

describe("tokenization equals the Rust tokenizers on the hard-text corpus", () => {
  it("the goldens cover every tokenizer the suite loads (regenerate with scripts/reference/tokenization.py)", () => {
    const covered = new Set(Object.values(golden.tokenizers).map((t) => t.sha256));
    const missing = goldenTokenizerFiles().filter((path) => !covered.has(sha(readFileSync(path, "utf8"))));
    expect(missing.map((p) => relative(REPO, p))).toEqual([]);
    for (const key of ["fixture:bert", "fixture:roberta"]) expect(sha(load(key).source)).toBe(golden.tokenizers[key]?.sha256);
  });

  for (const [key, ref] of Object.entries(golden.tokenizers)) {
    it(`${key}: every text and pair gives the Rust ids, with and without special tokens`, () => {
      const { tokenizer, source } = load(key);
      expect(sha(source)).toBe(ref.sha256);
      expect(diverging(tokenizer, ref, hasTemplate(source))).toEqual([]);
    });
  }

  it("do_lower_case lowercases like the Rust Lowercase normalizer sentence-transformers 6 adds (no final sigma)", () => {
    const wrong = golden.corpus.filter((c) => lowercasePerCharacter(c.text) !== c.stLower).map((c) => c.name);
    expect(wrong).toEqual([]);
  });
});
