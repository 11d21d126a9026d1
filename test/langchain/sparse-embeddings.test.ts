/**
 * RerankKitSparseEmbeddings on the tiny inference-free SPLADE model: queries take the query route
 * (the IDF table), documents the model, both as sentence-transformers' encode_query /
 * encode_document give them (test/golden/sparse/inference-free, scripts/reference/sparse.py).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { has, InvalidInputError, InvalidOptionError, loadScorer, type SparseEmbedder } from "../../src/index.js";
import { RerankKitSparseEmbeddings, type SparseValues } from "../../adapters/langchain/index.js";

const DIR = join(import.meta.dirname, "..", "golden", "sparse", "inference-free");
type Row = { indices: number[]; values: number[] };
const g = JSON.parse(readFileSync(join(DIR, "golden.json"), "utf8")) as { queries: string[]; documents: string[]; query: Row[]; document: Row[] };

function err(got: SparseValues, want: Row): number {
  const x = new Map(got.indices.map((id, k) => [id, got.values[k] as number]));
  const y = new Map(want.indices.map((id, k) => [id, want.values[k] as number]));
  let m = 0;
  for (const id of new Set([...x.keys(), ...y.keys()])) m = Math.max(m, Math.abs((x.get(id) ?? 0) - (y.get(id) ?? 0)));
  return m;
}

let model: SparseEmbedder & { close(): Promise<void> };
beforeAll(async () => {
  const loaded = await loadScorer(DIR, { threads: 1 });
  if (!has(loaded, "sparseEmbed")) throw new Error("the inference-free folder did not load as a sparse model");
  model = loaded;
});
afterAll(() => model.close());

describe("RerankKitSparseEmbeddings", () => {
  it("embeds queries through the query route and documents through the model, as plain {indices, values}", async () => {
    const sparse = new RerankKitSparseEmbeddings({ embedder: model, batchSize: 2 });
    const q = await sparse.embedQuery(g.queries[0]!);
    expect(Array.isArray(q.indices) && Array.isArray(q.values)).toBe(true);
    expect(err(q, g.query[0]!)).toBeLessThan(1e-4);
    // The inference-free query differs from the document encoding of the same text, far beyond the tolerance.
    const [asDoc] = await sparse.embedDocuments([g.queries[0]!]);
    expect(err(asDoc!, g.query[0]!)).toBeGreaterThan(1e-2);
    const docs = await sparse.embedDocuments(g.documents);
    expect(Math.max(...docs.map((d, i) => err(d, g.document[i]!)))).toBeLessThan(1e-4);
  });

  it("prunes with topK and passes bad input on as typed errors", async () => {
    const embedder = model;
    const [top] = await new RerankKitSparseEmbeddings({ embedder, topK: 3 }).embedDocuments([g.documents[0]!]);
    expect(top!.indices).toHaveLength(3);
    await expect(new RerankKitSparseEmbeddings({ embedder, topK: 0 }).embedDocuments(["x"])).rejects.toThrow(InvalidOptionError);
    await expect(new RerankKitSparseEmbeddings({ embedder }).embedQuery("")).rejects.toThrow(InvalidInputError);
    expect(() => new RerankKitSparseEmbeddings({ embedder: {} as never })).toThrow(InvalidInputError);
    expect(() => new RerankKitSparseEmbeddings({ embedder, batchSize: 0 })).toThrow(/batchSize/);
    expect(await new RerankKitSparseEmbeddings({ embedder }).embedDocuments([])).toEqual([]);
  });
});
