/**
 * Sparse models served as vLLM serves them (SPLADE's vocabulary-wide vector on the embed task,
 * bge-m3's dense / ColBERT / per-token lexical weights on embed / token_embed / token_classify) and
 * TEI's `/embed_sparse`, compared with the Python goldens of the same tiny weights
 * (test/golden/sparse, scripts/reference/sparse.py).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScorer, type LocalScorer } from "../../src/local/index.js";
import { post, start } from "./helpers.js";

const TOLERANCE = 1e-4;
const GOLDEN = join(import.meta.dirname, "..", "golden", "sparse");
type Row = { indices: number[]; values: number[] };
const read = <T>(cell: string): T => JSON.parse(readFileSync(join(GOLDEN, cell, "golden.json"), "utf8")) as T;
const splade = read<{ documents: string[]; document: Row[] }>("splade-max");
const m3 = read<{
  documents: string[];
  document: { dense: number[][]; sparse: Row[]; colbert: number[][][]; ids: number[][] };
}>("bge-m3");

/** Max abs difference of two sparse vectors given as id -> weight maps, over the union of ids. */
function mapErr(x: Map<number, number>, b: Row): number {
  const y = new Map(b.indices.map((id, k) => [id, b.values[k] as number]));
  let m = 0;
  for (const id of new Set([...x.keys(), ...y.keys()])) m = Math.max(m, Math.abs((x.get(id) ?? 0) - (y.get(id) ?? 0)));
  return m;
}

const loaded: LocalScorer[] = [];
let spladeModel: LocalScorer;
let m3Model: LocalScorer;
beforeAll(async () => {
  spladeModel = await loadScorer(join(GOLDEN, "splade-max"), { threads: 1 });
  m3Model = await loadScorer(join(GOLDEN, "bge-m3"), { threads: 1 });
  loaded.push(spladeModel, m3Model);
});
afterAll(async () => {
  await Promise.all(loaded.map((s) => s.close()));
});

describe("serving a SPLADE model", () => {
  it("answers /v1/embeddings and /pooling embed with the vocabulary-wide vector of sentence-transformers' numbers", async () => {
    const { url } = await start({ scorer: spladeModel });
    const texts = splade.documents;
    // The goldens truncate (sentence-transformers does); vLLM truncates when asked with -1.
    const ask = { input: texts, truncate_prompt_tokens: -1 };
    for (const r of [await post(`${url}/v1/embeddings`, ask), await post(`${url}/pooling`, ask)]) {
      expect(r.status).toBe(200);
      let err = 0;
      r.body.data.forEach((d: { embedding?: number[]; data?: number[] }, i: number) => {
        const dense = (d.embedding ?? d.data) as number[];
        expect(dense.length).toBe((spladeModel as unknown as { vocabularySize: number }).vocabularySize);
        const nonZero = new Map<number, number>();
        dense.forEach((x, id) => x !== 0 && nonZero.set(id, x));
        err = Math.max(err, mapErr(nonZero, splade.document[i] as Row));
      });
      expect(err).toBeLessThan(TOLERANCE);
    }
  });

  it("answers TEI's /embed_sparse as [{index, value}] per input, indices increasing", async () => {
    const { url } = await start({ scorer: spladeModel });
    const r = await post(`${url}/embed_sparse`, { inputs: splade.documents, truncate: true });
    expect(r.status).toBe(200);
    let err = 0;
    r.body.forEach((entries: { index: number; value: number }[], i: number) => {
      const ids = entries.map((e) => e.index);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      err = Math.max(err, mapErr(new Map(entries.map((e) => [e.index, e.value])), splade.document[i] as Row));
    });
    expect(err).toBeLessThan(TOLERANCE);
    const one = await post(`${url}/embed_sparse`, { inputs: splade.documents[0], truncate: true });
    expect(one.body).toEqual([r.body[0]]);
  });

  it("keeps bad input a 400 in vLLM's envelope: empty text, too long without truncate, left truncation", async () => {
    const { url } = await start({ scorer: spladeModel });
    const empty = await post(`${url}/embed_sparse`, { inputs: [""] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.type).toBe("BadRequestError");
    expect(empty.body.error.message).toMatch(/empty/);
    const long = Array.from({ length: 2000 }, () => "capital").join(" ");
    const tooLong = await post(`${url}/embed_sparse`, { inputs: [long] });
    expect(tooLong.status).toBe(400);
    expect((await post(`${url}/embed_sparse`, { inputs: [long], truncate: true })).status).toBe(200);
    const left = await post(`${url}/embed_sparse`, { inputs: ["x"], truncate: true, truncation_direction: "left" });
    expect(left.status).toBe(400);
    expect(left.body.error.param).toBe("truncation_direction");
    const emb = await post(`${url}/v1/embeddings`, { input: [""] });
    expect(emb.status).toBe(400);
    expect((await post(`${url}/v1/embeddings`, { input: ["x"], dimensions: 4 })).status).toBe(400);
  });
});

describe("serving bge-m3", () => {
  it("answers dense on /v1/embeddings, lexical weights on token_classify and ColBERT on token_embed, as vLLM does", async () => {
    const texts = m3.documents;
    const dense = await post(`${(await start({ scorer: m3Model })).url}/v1/embeddings`, { input: texts, truncate_prompt_tokens: -1 });
    let denseErr = 0;
    dense.body.data.forEach((d: { embedding: number[] }, i: number) =>
      d.embedding.forEach((x, k) => (denseErr = Math.max(denseErr, Math.abs(x - (m3.document.dense[i]?.[k] as number))))),
    );
    expect(denseErr).toBeLessThan(TOLERANCE);

    const { url } = await start({ scorer: m3Model, poolingTask: "token_classify" });
    const r = await post(`${url}/pooling`, { input: texts, task: "token_classify", truncate_prompt_tokens: -1 });
    expect(r.status).toBe(200);
    let sparseErr = 0;
    let promptTokens = 0;
    r.body.data.forEach((d: { data: number[] }, i: number) => {
      const ids = m3.document.ids[i] as number[];
      promptTokens += ids.length;
      // vLLM leaves out the first and last special tokens: one weight per remaining position.
      expect(d.data.length).toBe(ids.length - 2);
      // The client side of vLLM's bge-m3 test: the largest weight per id; FlagEmbedding drops <unk> (3) too.
      const best = new Map<number, number>();
      ids.slice(1, -1).forEach((id, t) => id !== 3 && d.data[t]! > 0 && best.set(id, Math.max(best.get(id) ?? 0, d.data[t]!)));
      sparseErr = Math.max(sparseErr, mapErr(best, m3.document.sparse[i] as Row));
    });
    expect(sparseErr).toBeLessThan(TOLERANCE);
    expect(r.body.usage.prompt_tokens).toBe(promptTokens);
    const tei = await post(`${url}/embed_sparse`, { inputs: texts, truncate: true });
    tei.body.forEach((entries: { index: number; value: number }[], i: number) =>
      expect(mapErr(new Map(entries.map((e) => [e.index, e.value])), m3.document.sparse[i] as Row)).toBeLessThan(TOLERANCE),
    );
    // One task per server, as vLLM: embed on /pooling is refused with its message.
    const other = await post(`${url}/pooling`, { input: texts, task: "embed" });
    expect(other.body.error.message).toMatch(/Try switching the model's pooling_task/);

    const colbert = await post(`${(await start({ scorer: m3Model, poolingTask: "token_embed" })).url}/pooling`, { input: texts, task: "token_embed", truncate_prompt_tokens: -1 });
    let colbertErr = 0;
    colbert.body.data.forEach((d: { data: number[][] }, i: number) => {
      const rows = m3.document.colbert[i] as number[][];
      expect(d.data.length).toBe(rows.length);
      rows.forEach((row, t) => row.forEach((x, k) => (colbertErr = Math.max(colbertErr, Math.abs(x - d.data[t]![k]!)))));
    });
    expect(colbertErr).toBeLessThan(TOLERANCE);
    console.log(`served bge-m3 max abs error: dense ${denseErr.toExponential(2)} sparse ${sparseErr.toExponential(2)} colbert ${colbertErr.toExponential(2)}`);
  });

  it("lists token_classify among bge-m3's tasks and refuses an empty text on it", async () => {
    const { url } = await start({ scorer: m3Model });
    const wrong = await post(`${url}/pooling`, { input: ["x"], task: "token_classify" });
    expect(wrong.body.error.message).toMatch(/Try switching the model's pooling_task/);
    const { url: tc } = await start({ scorer: m3Model, poolingTask: "token_classify" });
    const empty = await post(`${tc}/pooling`, { input: [""], task: "token_classify" });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/empty/);
  });
});
