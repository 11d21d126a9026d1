/**
 * Static embedding models in pure JavaScript against their references on the same weights
 * (scripts/reference/sparse.py): sentence-transformers' StaticEmbedding (6.x save, and the Hub's
 * `0_StaticEmbedding` layout with Normalize) and model2vec folders (float32 and float16 tables).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { StaticEmbedder } from "../../src/local/static/static-embedder.js";

const TOLERANCE = 1e-4;
const ROOT = join(import.meta.dirname, "sparse");
const CELLS = ["static-st", "static-st-normalize", "model2vec", "model2vec-f16"];

interface StaticGolden {
  queries: string[];
  documents: string[];
  queryEmbeddings: number[][];
  documentEmbeddings: number[][];
  pairs: { q: number; d: number; score: number }[];
  /** Wrong variants, one vector per query then per document. */
  variants: Record<string, number[][]>;
  textIds?: number[][];
  longTexts?: { text: string; ids: number[] }[];
}

const golden = (cell: string) => JSON.parse(readFileSync(join(ROOT, cell, "golden.json"), "utf8")) as StaticGolden;
const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};
const report = new Map<string, number>();
afterAll(() => console.log([...report].map(([cell, err]) => `${cell.padEnd(24)} ${err.toExponential(2)}`).join("\n")));

describe("static embedding models (no ONNX Runtime)", () => {
  for (const cell of CELLS) {
    it(`${cell}: matches the reference embeddings and cosine scores`, async () => {
      const ref = golden(cell);
      const model = await StaticEmbedder.load(join(ROOT, cell));
      const q = await model.embed(ref.queries, { kind: "query" });
      const d = await model.embed(ref.documents, { kind: "document" });
      const scores = await model.score(ref.pairs.map((p) => ref.queries[p.q] as string), ref.pairs.map((p) => ref.documents[p.d] as string));
      await model.close();
      let err = maxErr(scores, ref.pairs.map((p) => p.score));
      q.forEach((v, i) => (err = Math.max(err, maxErr(v, ref.queryEmbeddings[i] as number[]))));
      d.forEach((v, i) => (err = Math.max(err, maxErr(v, ref.documentEmbeddings[i] as number[]))));
      report.set(cell, err);
      expect(err).toBeLessThan(TOLERANCE);
    });

    it(`${cell}: the fixture is sensitive (each wrong variant moves a vector > 100x the tolerance)`, () => {
      const ref = golden(cell);
      const right = [...ref.queryEmbeddings, ...ref.documentEmbeddings];
      const variants = Object.entries(ref.variants);
      expect(variants.length).toBeGreaterThanOrEqual(2);
      for (const [name, vectors] of variants) {
        const moved = Math.max(...vectors.map((v, i) => maxErr(v, right[i] as number[])));
        expect(moved, name).toBeGreaterThan(100 * TOLERANCE);
      }
    });
  }

  it("model2vec drops the unknown token, cuts by characters, then to 512 tokens, as StaticModel.tokenize", async () => {
    const ref = golden("model2vec");
    const model = await StaticEmbedder.load(join(ROOT, "model2vec"));
    [...ref.queries, ...ref.documents].forEach((t, i) => expect(model.tokenIds(t)).toEqual(ref.textIds?.[i]));
    expect(ref.longTexts?.map((x) => x.ids.length)).toEqual([308, 512]);
    for (const { text, ids } of ref.longTexts ?? []) expect(model.tokenIds(text)).toEqual(ids);
  });

  it("refuses an empty text and a text with no known token with InvalidInputError naming it", async () => {
    const model = await StaticEmbedder.load(join(ROOT, "model2vec"));
    await expect(model.embed(["ok", ""])).rejects.toThrow(/texts\[1\] is empty/);
    await expect(model.embed(["🙂"])).rejects.toThrow(InvalidInputError);
    await expect(model.embed(["🙂"])).rejects.toThrow(/texts\[0\] has no token the model knows/);
    await expect(model.score("city", [""])).rejects.toThrow(InvalidInputError);
  });

  it("reranks by cosine like the other bi-encoders", async () => {
    const ref = golden("static-st-normalize");
    const model = await StaticEmbedder.load(join(ROOT, "static-st-normalize"));
    const first = ref.pairs.filter((p) => p.q === 0);
    const ranked = await model.rerank(ref.queries[0] as string, first.map((p) => ref.documents[p.d] as string));
    const want = first.map((p, i) => ({ i, s: p.score })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.i);
    expect(ranked.map((r) => r.index)).toEqual(want);
  });
});
