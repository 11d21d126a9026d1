/**
 * The static embedder's word -> ids cache (src/local/static/word-ids.ts) against the Rust
 * tokenizers on the hard-text corpus of rust-tokenizers.parity.test.ts: for every tokenizer the
 * cache accepts, the cached ids equal the whole-text ids exactly; for the ones it refuses (byte-level
 * BPE, Metaspace), forcing it would change ids, so the guard is what keeps the results identical.
 * Also: the cache stays within its cap, and the unweighted row sum equals the row-by-row one bit for bit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { describe, expect, it } from "vitest";
import { tokenizerJson } from "../../fixtures/tokenizer/write-tokenizer.js";
import { EmbeddingTable } from "../../../src/local/static/embedding-table.js";
import { splitsOnSpaces, WordIdCache } from "../../../src/local/static/word-ids.js";
import { StaticEmbedder } from "../../../src/local/static/static-embedder.js";
import { patchTokenizersForRustParity } from "../../../src/local/tokenization/rust-parity.js";

patchTokenizersForRustParity();

interface Golden {
  corpus: { name: string; text: string }[];
  tokenizers: Record<string, { single: number[][] }>;
}
const REPO = join(import.meta.dirname, "..", "..", "..");
const golden = JSON.parse(readFileSync(join(REPO, "test/golden/tokenization/golden.json"), "utf8")) as Golden;
const texts = golden.corpus.map((c) => c.text);

function json(key: string): Record<string, unknown> {
  if (key.startsWith("fixture:")) return tokenizerJson(key.slice("fixture:".length) as "bert" | "roberta") as Record<string, unknown>;
  return JSON.parse(readFileSync(join(REPO, key), "utf8")) as Record<string, unknown>;
}

/** Names of the corpus texts whose cached ids differ from the Rust ids. */
function diverging(cache: WordIdCache, want: number[][]): string[] {
  return texts.filter((text, i) => JSON.stringify(cache.encode(text)) !== JSON.stringify(want[i])).map((_, i) => golden.corpus[i]?.name ?? "");
}

describe("word -> ids cache of the static embedder", () => {
  const keys = Object.keys(golden.tokenizers);
  const accepted = keys.filter((key) => splitsOnSpaces(json(key)));

  it("accepts the BERT-style tokenizers and refuses byte-level BPE, Metaspace and Replace ones", () => {
    expect(accepted).toContain("test/golden/encoders/bi/all-minilm-l6-v2-real/tokenizer.json");
    expect(accepted).toContain("test/golden/sparse/model2vec/tokenizer.json");
    expect(accepted.length).toBeGreaterThanOrEqual(6);
    for (const refused of ["test/golden/encoders/cross/roberta/tokenizer.json", "test/golden/sparse/bge-m3/tokenizer.json", "test/golden/images/clip/split/tokenizer.json"]) {
      expect(accepted).not.toContain(refused);
    }
  });

  for (const key of accepted) {
    it(`${key}: cached ids equal the Rust ids, on the first pass and from the cache`, () => {
      const want = golden.tokenizers[key]!.single;
      // Twice through the same cache: the second pass reads every word from it.
      const cache = new WordIdCache(new Tokenizer(json(key), {}));
      expect(diverging(cache, want)).toEqual([]);
      expect(diverging(cache, want)).toEqual([]);
    });
  }

  it("forcing the cache on the refused tokenizers would change ids (the guard is needed)", () => {
    const wrong = keys.filter((key) => !accepted.includes(key) && diverging(new WordIdCache(new Tokenizer(json(key), {})), golden.tokenizers[key]!.single).length > 0);
    expect(wrong.length).toBeGreaterThanOrEqual(5);
  });

  it("StaticEmbedder.tokenIds (cached) equals the tokenizer's whole-text ids on the corpus", async () => {
    const model = await StaticEmbedder.load(join(REPO, "test/golden/sparse/static-st"));
    const plain = new Tokenizer(json("test/golden/sparse/static-st/tokenizer.json"), {});
    let compared = 0;
    for (const text of [...texts, ...texts]) {
      const want: number[] = plain.encode(text, { add_special_tokens: false }).ids;
      if (text === "" || want.length === 0) continue;
      expect(model.tokenIds(text)).toEqual(want);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("stays within its cap and does not cache long chunks", () => {
    const tokenizer = new Tokenizer(json("fixture:bert"), {});
    const cache = new WordIdCache(tokenizer, 100);
    const words = Array.from({ length: 1000 }, (_, i) => `w${i.toString(36)}x`);
    for (let i = 0; i < words.length; i += 10) {
      const text = words.slice(i, i + 10).join(" ");
      expect(cache.encode(text)).toEqual(tokenizer.encode(text, { add_special_tokens: false }).ids);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    expect(cache.size).toBe(100);
    const fresh = new WordIdCache(tokenizer, 100);
    fresh.encode("a".repeat(65));
    expect(fresh.size).toBe(0);
  });
});

describe("EmbeddingTable.sumRows", () => {
  it("equals row-by-row addRow into zeros bit for bit (float32 table, odd width)", () => {
    const rows = 50;
    const dim = 13;
    const values = new Float32Array(rows * dim).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 * (i % 7 === 0 ? 1e-6 : 1));
    const bytes = new Uint8Array(values.buffer);
    const table = EmbeddingTable.fromRaw({ name: "t", dtype: "F32", shape: [rows, dim], bytes }, "t");
    const ids = [3, 7, 7, 49, 0, 12, 3, 3, 21, 48, 1];
    const want = new Float64Array(dim);
    for (const id of ids) table.addRow(id, want);
    const got = new Float64Array(dim).fill(5);
    table.sumRows(ids, got);
    expect([...got].map((x, k) => Object.is(x, want[k]))).toEqual(new Array(dim).fill(true));
  });
});
