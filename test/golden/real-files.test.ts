/**
 * Real-file cells of the compatibility matrix: tiny random models built on genuine Hub tokenizers and
 * configs (scripts/reference/real_files.py), so the files users download are what rerank-kit loads.
 * Goldens come from CrossEncoder.predict, SentenceTransformer.encode_* and transformers on the same
 * weights; the texts include all-caps Greek and astral ideographs, which tokenized differently in
 * JavaScript before the Rust-parity patch.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BiEncoderScorer } from "../../src/local/bi-encoder.js";
import type { LlmRerankerScorer } from "../../src/local/llm-reranker/llm-reranker.js";
import { loadScorer } from "../../src/local/load-scorer.js";
import { encodePair } from "../../src/local/tokenization/pair-encoder.js";
import { TextTokenizer } from "../../src/local/tokenization/text-tokenizer.js";

const TOLERANCE = 1e-4;
const CROSS = join(import.meta.dirname, "encoders", "cross", "ms-marco-minilm-l6-real");
const BI = join(import.meta.dirname, "encoders", "bi", "all-minilm-l6-v2-real");
const QWEN3 = join(import.meta.dirname, "llm-rerankers", "qwen3-reranker-real");
const QWEN3_EMBEDDING = join(import.meta.dirname, "decoders", "qwen3-embedding-real");

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;
const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};
const report = new Map<string, number>();
afterAll(() => {
  console.log([...report].map(([cell, err]) => `${cell.padEnd(36)} ${err.toExponential(2)}`).join("\n"));
});

describe("cross-encoder/ms-marco-MiniLM-L-6-v2 files (old-format config, Identity activation in config.json)", () => {
  const g = readJson<{
    pairs: { query: string; document: string; score: number; ids: number[]; typeIds: number[] }[];
    variants: Record<string, number[]>;
  }>(join(CROSS, "golden.json"));

  it("encodes every pair with the reference ids and segment ids (Greek capitals, astral ideographs included)", () => {
    const tok = new TextTokenizer(readJson(join(CROSS, "tokenizer.json")), readJson(join(CROSS, "tokenizer_config.json")), CROSS);
    for (const p of g.pairs) {
      const got = encodePair(tok, tok.encode(p.query), tok.encode(p.document), 512);
      expect(got).toEqual({ ids: p.ids, typeIds: p.typeIds });
    }
  });

  it("loads without options as a cross-encoder with the Identity activation and matches CrossEncoder.predict", async () => {
    const scorer = await loadScorer(CROSS);
    try {
      expect(scorer.scoreType === "cross-encoder" && scorer.activation.activation).toBe("identity");
      const scores = await scorer.score(g.pairs.map((p) => p.query), g.pairs.map((p) => p.document));
      const err = maxErr(scores, g.pairs.map((p) => p.score));
      report.set("cross/ms-marco-minilm-l6-real", err);
      expect(err).toBeLessThan(TOLERANCE);
    } finally {
      await scorer.close();
    }
  });

  it("the fixture is sensitive: a dropped final [SEP] or zeroed segment ids move scores > 100x the tolerance", () => {
    for (const scores of Object.values(g.variants)) expect(maxErr(scores, g.pairs.map((p) => p.score))).toBeGreaterThan(100 * TOLERANCE);
  });
});

describe("sentence-transformers/all-MiniLM-L6-v2 files (sentence-transformers 2.0 layout, Normalize)", () => {
  const g = readJson<{
    queries: string[];
    documents: string[];
    queryEmbeddings: number[][];
    documentEmbeddings: number[][];
    unnormalizedDocumentEmbeddings: number[][];
    pairs: { q: number; d: number; score: number }[];
  }>(join(BI, "golden.json"));

  it("loads without options as a normalizing mean-pooling bi-encoder and matches encode_query / encode_document", async () => {
    const scorer = (await loadScorer(BI)) as BiEncoderScorer;
    try {
      expect(scorer.scoreType).toBe("bi-encoder");
      const q = await scorer.embed(g.queries, { kind: "query" });
      const d = await scorer.embed(g.documents, { kind: "document" });
      const scores = await scorer.score(g.pairs.map((p) => g.queries[p.q] as string), g.pairs.map((p) => g.documents[p.d] as string));
      let err = maxErr(scores, g.pairs.map((p) => p.score));
      q.forEach((v, i) => (err = Math.max(err, maxErr(v, g.queryEmbeddings[i] as number[]))));
      d.forEach((v, i) => (err = Math.max(err, maxErr(v, g.documentEmbeddings[i] as number[]))));
      report.set("bi/all-minilm-l6-v2-real", err);
      expect(err).toBeLessThan(TOLERANCE);
    } finally {
      await scorer.close();
    }
  });

  it("the fixture is sensitive: skipping Normalize moves the embeddings > 100x the tolerance", () => {
    const moved = Math.max(...g.unnormalizedDocumentEmbeddings.map((v, i) => maxErr(v, g.documentEmbeddings[i] as number[])));
    expect(moved).toBeGreaterThan(100 * TOLERANCE);
  });
});

describe("Qwen/Qwen3-Reranker-0.6B files (151,669-token tokenizer, the model's own chat template)", () => {
  const g = readJson<{ cases: { query: string; document: string; instruction: string | null }[]; logits: number[]; input_ids: number[][] }>(
    join(QWEN3, "golden.json"),
  );

  it("a folder named like the onnx-community mirror loads with no options and matches transformers' last-token logits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rk-real-"));
    const mirror = join(dir, "Qwen3-Reranker-0.6B-ONNX");
    symlinkSync(resolve(QWEN3), mirror);
    const scorer = (await loadScorer(mirror)) as LlmRerankerScorer;
    try {
      // The tokenizer_config.json chat template is Qwen3's chat format, not a score template.
      expect(scorer.template?.origin).toBe("preset");
      const scores: number[] = [];
      for (const c of g.cases) {
        const options = { activation: false, ...(c.instruction === null ? {} : { instruction: c.instruction }) };
        scores.push((await scorer.score(c.query, c.document, options))[0] as number);
      }
      const err = maxErr(scores, g.logits);
      report.set("llm-rerankers/qwen3-reranker-real", err);
      expect(err).toBeLessThan(TOLERANCE);
    } finally {
      await scorer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Qwen/Qwen3-Embedding-0.6B files (real prompts, last-token pooling, <|endoftext|> from the post-processor)", () => {
  const g = readJson<{ queries: string[]; documents: string[]; query_embeddings: number[][]; document_embeddings: number[][]; query_ids: number[][] }>(
    join(QWEN3_EMBEDDING, "golden.json"),
  );

  it("loads without options and matches encode_query (with the model's query prompt) / encode_document", async () => {
    const scorer = (await loadScorer(QWEN3_EMBEDDING)) as BiEncoderScorer;
    try {
      expect(scorer.scoreType).toBe("bi-encoder");
      const q = await scorer.embed(g.queries, { kind: "query" });
      const d = await scorer.embed(g.documents, { kind: "document" });
      let err = 0;
      q.forEach((v, i) => (err = Math.max(err, maxErr(v, g.query_embeddings[i] as number[]))));
      d.forEach((v, i) => (err = Math.max(err, maxErr(v, g.document_embeddings[i] as number[]))));
      report.set("decoders/qwen3-embedding-real", err);
      expect(err).toBeLessThan(TOLERANCE);
    } finally {
      await scorer.close();
    }
  });

  it("the fixture is sensitive: embedding a query without its prompt moves it > 100x the tolerance", async () => {
    const scorer = (await loadScorer(QWEN3_EMBEDDING)) as BiEncoderScorer;
    try {
      const [q] = await scorer.embed([g.queries[0] as string], { kind: "query", prompt: false });
      expect(maxErr(q as Float32Array, g.query_embeddings[0] as number[])).toBeGreaterThan(100 * TOLERANCE);
    } finally {
      await scorer.close();
    }
  });
});
