/**
 * Tokenizing only the head of a long text when truncation keeps its first tokens (issue 25 item
 * 12): the kept ids equal those of the whole text's tokenization, on WordPiece, byte-level BPE and
 * SentencePiece (Unigram) tokenizers, and a text of millions of characters is never tokenized whole.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeHead } from "../../src/local/tokenization/pre-truncate.js";
import { TextTokenizer } from "../../src/local/tokenization/text-tokenizer.js";

const GOLDEN = new URL("../golden/", import.meta.url).pathname;
const load = (dir: string): TextTokenizer => {
  const json = (f: string) => JSON.parse(readFileSync(join(GOLDEN, dir, f), "utf8")) as Record<string, unknown>;
  return new TextTokenizer(json("tokenizer.json"), json("tokenizer_config.json"), dir);
};
const TOKENIZERS = {
  "WordPiece (all-MiniLM-L6-v2)": load("real-files/sentence-transformers__all-MiniLM-L6-v2"),
  "byte-level BPE (Qwen3-Reranker)": load("real-files/Qwen__Qwen3-Reranker-0.6B"),
  "Unigram / Metaspace (bge-m3)": load("sparse/bge-m3"),
};

/** A seeded generator, so the texts are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const PIECES = ["the", "capital", "Paris", "naïve", "café", "東京", "😀", "e\u0301", "don't", "3.14", "\n", "\t", "  ", "—", "x".repeat(130), "Ünïcödé", ",", "."];
function mixedText(chars: number, seed: number): string {
  const r = rng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    const p = PIECES[Math.floor(r() * PIECES.length)] as string;
    const sep = r() < 0.8 ? " " : "";
    parts.push(p + sep);
    n += p.length + sep.length;
  }
  return parts.join("");
}

const LONG_TEXTS: Record<string, string> = {
  "mixed words, 30k characters": mixedText(30_000, 1),
  "mixed words, another seed": mixedText(15_000, 7),
  "one run of 20k spaces, then words": `${" ".repeat(20_000)}paris is the capital`,
  "a word that straddles the first cut": `${"a ".repeat(64)}${" ".repeat(3_950)}${"xyz".repeat(60)} ${"b ".repeat(4_000)}`,
  // One pre-token for SentencePiece: longer ones overflow the stack of the tokenizers library's
  // Unigram model when tokenized whole (the reference), not of encodeHead.
  "no spaces at all": "abcdefghij".repeat(2_000),
  "emoji only": "😀".repeat(10_000),
};

describe("TextTokenizer.encodeHead equals the whole text's tokenization, truncated", () => {
  for (const [name, tokenizer] of Object.entries(TOKENIZERS)) {
    it(name, () => {
      for (const [label, text] of Object.entries(LONG_TEXTS)) {
        const full = tokenizer.encode(text);
        for (const limit of [8, 64, 512]) {
          expect(tokenizer.encodeHead(text, limit), `${label}, limit ${limit}`).toEqual(full.slice(0, limit + 1));
        }
      }
    }, 120_000);
  }
});

describe("encodeHead's cost", () => {
  it("tokenizes a few thousand characters of a 6 MB text, not all of it", () => {
    const tokenizer = TOKENIZERS["WordPiece (all-MiniLM-L6-v2)"];
    const text = "lorem ipsum dolor sit amet ".repeat(230_000);
    let tokenized = 0;
    const ids = encodeHead((t) => ((tokenized += t.length), tokenizer.encode(t)), text, 64);
    expect(ids).toEqual(tokenizer.encode(text.slice(0, 2_000)).slice(0, 65));
    expect(tokenized).toBeLessThan(20_000);
  });

  it("a million-word document keeps the first 512 tokens in a fraction of a second", () => {
    const tokenizer = TOKENIZERS["byte-level BPE (Qwen3-Reranker)"];
    const text = mixedText(6_000_000, 3);
    const t0 = performance.now();
    const ids = tokenizer.encodeHead(text, 512);
    // Whole, it takes seconds; the bound leaves room for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(ids).toEqual(tokenizer.encode(text.slice(0, 20_000)).slice(0, 513));
  });
});
