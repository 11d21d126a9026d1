/**
 * SparseEncoder layouts saved by sentence-transformers 6 (and 5.x-format copies) against
 * SparseEncoder.encode_query / encode_document on the same weights (scripts/reference/sparse.py):
 * `loadScorer(folder)` must detect each from its files alone and match within TOLERANCE.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { has } from "../../src/contracts/capabilities.js";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { InvalidOptionError } from "../../src/errors/invalid-option-error.js";
import { loadScorer } from "../../src/local/load-scorer.js";
import type { SpladeScorer } from "../../src/local/sparse/splade-scorer.js";
import type { SparseVector } from "../../src/scoring/sparse.js";

const TOLERANCE = 1e-4;
const ROOT = join(import.meta.dirname, "sparse");
/** Cell -> the cell whose golden it must reproduce. */
const CELLS: Record<string, string> = {
  "splade-max": "splade-max",
  "splade-sum": "splade-sum",
  "inference-free": "inference-free",
  "splade-max-st5": "splade-max",
  "inference-free-st5": "inference-free",
};

interface Row {
  indices: number[];
  values: number[];
}
interface SparseGolden {
  queries: string[];
  documents: string[];
  query: Row[];
  document: Row[];
  queryTop3: Row[];
  pairs: { q: number; d: number; score: number }[];
  decoded: [string, number][];
  variants?: Record<string, Row[]>;
  queryVariants?: Record<string, Row[]>;
}

const golden = (cell: string) => JSON.parse(readFileSync(join(ROOT, cell, "golden.json"), "utf8")) as SparseGolden;
/** Max abs difference of two sparse vectors over the union of their indices. */
function sparseErr(a: SparseVector | Row, b: Row): number {
  const x = new Map<number, number>();
  Array.from(a.indices).forEach((id, k) => x.set(id, a.values[k] as number));
  const y = new Map(b.indices.map((id, k) => [id, b.values[k] as number]));
  let m = 0;
  for (const id of new Set([...x.keys(), ...y.keys()])) m = Math.max(m, Math.abs((x.get(id) ?? 0) - (y.get(id) ?? 0)));
  return m;
}
const report = new Map<string, number>();
afterAll(() => console.log([...report].map(([cell, err]) => `${cell.padEnd(24)} ${err.toExponential(2)}`).join("\n")));

describe("SparseEncoder models (SPLADE, inference-free SPLADE)", () => {
  for (const [cell, ref] of Object.entries(CELLS)) {
    it(`${cell}: is detected as sparse and matches encode_query / encode_document and the dot scores`, async () => {
      const g = golden(ref);
      const scorer = (await loadScorer(join(ROOT, cell))) as SpladeScorer;
      expect(scorer.scoreType).toBe("sparse");
      expect(has(scorer, "sparseEmbed")).toBe(true);
      const q = await scorer.embedSparse(g.queries, { kind: "query" });
      const d = await scorer.embedSparse(g.documents, { kind: "document" });
      const scores = await scorer.score(g.pairs.map((p) => g.queries[p.q] as string), g.pairs.map((p) => g.documents[p.d] as string));
      const top3 = await scorer.embedSparse(g.queries, { kind: "query", topK: 3 });
      await scorer.close();
      let err = 0;
      g.pairs.forEach((p, i) => (err = Math.max(err, Math.abs((scores[i] as number) - p.score) / Math.max(1, Math.abs(p.score)))));
      q.forEach((v, i) => (err = Math.max(err, sparseErr(v, g.query[i] as Row))));
      d.forEach((v, i) => (err = Math.max(err, sparseErr(v, g.document[i] as Row))));
      top3.forEach((v, i) => (err = Math.max(err, sparseErr(v, g.queryTop3[i] as Row))));
      for (const v of [...q, ...d]) {
        expect([...v.indices].every((id, k) => k === 0 || id > (v.indices[k - 1] as number))).toBe(true);
        expect([...v.values].every((x) => x !== 0)).toBe(true);
      }
      report.set(cell, err);
      expect(err).toBeLessThan(TOLERANCE);
    });
  }

  for (const cell of ["splade-max", "splade-sum", "inference-free"]) {
    it(`${cell}: the fixture is sensitive (each wrong variant moves a vector > 100x the tolerance)`, () => {
      const g = golden(cell);
      const variants = [...Object.entries(g.variants ?? {}).map(([n, rows]) => [n, rows, g.document] as const),
        ...Object.entries(g.queryVariants ?? {}).map(([n, rows]) => [n, rows, g.query] as const)];
      expect(variants.length).toBeGreaterThanOrEqual(3);
      for (const [name, rows, right] of variants) {
        expect(Math.max(...rows.map((r, i) => sparseErr(r, right[i] as Row))), name).toBeGreaterThan(100 * TOLERANCE);
      }
    });
  }

  it("decode gives the heaviest tokens first, as SparseEncoder.decode", async () => {
    const g = golden("splade-max");
    const scorer = (await loadScorer(join(ROOT, "splade-max"))) as SpladeScorer;
    const [v] = await scorer.embedSparse([g.queries[0] as string], { kind: "query" });
    const decoded = scorer.decode(v as SparseVector, 5);
    await scorer.close();
    expect(decoded.map(([t]) => t)).toEqual(g.decoded.map(([t]) => t));
    decoded.forEach(([, w], i) => expect(Math.abs(w - (g.decoded[i]?.[1] as number))).toBeLessThan(TOLERANCE));
  });

  it("inference-free queries never run the model: a query's vector is its tokens' IDF weights", async () => {
    const g = golden("inference-free");
    const scorer = (await loadScorer(join(ROOT, "inference-free"))) as SpladeScorer;
    const [asQuery] = await scorer.embedSparse([g.queries[0] as string], { kind: "query" });
    const [asDocument] = await scorer.embedSparse([g.queries[0] as string], { kind: "document" });
    await scorer.close();
    expect(sparseErr(asQuery as SparseVector, g.query[0] as Row)).toBeLessThan(TOLERANCE);
    expect(sparseErr(asDocument as SparseVector, g.query[0] as Row)).toBeGreaterThan(100 * TOLERANCE);
  });

  it("refuses an empty text, a text with no token and topK <= 0 with typed errors naming them", async () => {
    const scorer = (await loadScorer(join(ROOT, "splade-max"))) as SpladeScorer;
    await expect(scorer.embedSparse(["ok", ""])).rejects.toThrow(/texts\[1\] is empty/);
    await expect(scorer.embedSparse(["   "])).rejects.toThrow(InvalidInputError);
    await expect(scorer.embedSparse(["ok"], { topK: 0 })).rejects.toThrow(InvalidOptionError);
    await expect(scorer.embedSparse(["ok"], { topK: -2 })).rejects.toThrow(/topK must be an integer >= 1/);
    await expect(scorer.embedSparse(["ok"], { threshold: -1 })).rejects.toThrow(/threshold/);
    await expect(scorer.embedSparse(["ok"], { topk: 3 } as never)).rejects.toThrow(InvalidOptionError);
    await expect(scorer.score("city", [""])).rejects.toThrow(InvalidInputError);
    expect(() => scorer.decode({ indices: new Uint32Array(), values: new Float32Array() }, 0)).toThrow(InvalidOptionError);
    await scorer.close();
  });
});
