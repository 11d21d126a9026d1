/**
 * bge-m3's three outputs against FlagEmbedding's BGEM3FlagModel formulas on the same tiny XLM-R
 * weights (scripts/reference/sparse.py; dense also checked there against SentenceTransformer).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { has } from "../../src/contracts/capabilities.js";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { loadScorer } from "../../src/local/load-scorer.js";
import type { BgeM3Scorer } from "../../src/local/sparse/bge-m3-scorer.js";
import { sparseDot, type SparseVector } from "../../src/scoring/sparse.js";

const TOLERANCE = 1e-4;
const DIR = join(import.meta.dirname, "sparse", "bge-m3");

interface Side {
  dense: number[][];
  sparse: { indices: number[]; values: number[] }[];
  colbert: number[][][];
  ids: number[][];
}
interface M3Golden {
  queries: string[];
  documents: string[];
  query: Side;
  document: Side;
  pairs: { q: number; d: number; dense: number; sparse: number; colbert: number }[];
  variants: Record<string, number[]>;
  variantOutputMoves: Record<string, { maxDiff: number; rowsDiffer: boolean }>;
}
const g = JSON.parse(readFileSync(join(DIR, "golden.json"), "utf8")) as M3Golden;
const errs = new Map<string, number>();
afterAll(() => console.log([...errs].map(([k, v]) => `bge-m3 ${k.padEnd(8)} ${v.toExponential(2)}`).join("\n")));

function sparseErr(a: SparseVector, b: { indices: number[]; values: number[] }): number {
  const x = new Map(Array.from(a.indices).map((id, k) => [id, a.values[k] as number]));
  const y = new Map(b.indices.map((id, k) => [id, b.values[k] as number]));
  let m = 0;
  for (const id of new Set([...x.keys(), ...y.keys()])) m = Math.max(m, Math.abs((x.get(id) ?? 0) - (y.get(id) ?? 0)));
  return m;
}
/** BGEM3FlagModel.colbert_score: the mean over query vectors of the best document match. */
function m3Colbert(q: { data: Float32Array; tokens: number; dim: number }, d: { data: Float32Array; tokens: number; dim: number }): number {
  let total = 0;
  for (let i = 0; i < q.tokens; i++) {
    let best = -Infinity;
    for (let j = 0; j < d.tokens; j++) {
      let s = 0;
      for (let k = 0; k < q.dim; k++) s += (q.data[i * q.dim + k] as number) * (d.data[j * d.dim + k] as number);
      best = Math.max(best, s);
    }
    total += best;
  }
  return total / q.tokens;
}

describe("bge-m3 (dense + sparse + ColBERT from one pass)", () => {
  it("is detected from its files and matches the dense, lexical and ColBERT outputs and scores", async () => {
    const m3 = (await loadScorer(DIR)) as BgeM3Scorer;
    expect(m3.scoreType).toBe("bi-encoder");
    for (const cap of ["embed", "sparseEmbed", "tokenEmbed", "score"] as const) expect(has(m3, cap), cap).toBe(true);
    const texts = { query: g.queries, document: g.documents };
    const out = { dense: 0, sparse: 0, colbert: 0, scores: 0 };
    const got: Record<string, { dense: Float32Array[]; sparse: SparseVector[]; colbert: Awaited<ReturnType<BgeM3Scorer["embedTokens"]>> }> = {};
    for (const side of ["query", "document"] as const) {
      const ref = g[side];
      const dense = await m3.embed(texts[side], { kind: side });
      const sparse = await m3.embedSparse(texts[side], { kind: side });
      const colbert = await m3.embedTokens(texts[side], { kind: side });
      got[side] = { dense, sparse, colbert };
      dense.forEach((v, i) => v.forEach((x, k) => (out.dense = Math.max(out.dense, Math.abs(x - (ref.dense[i]?.[k] as number))))));
      sparse.forEach((v, i) => (out.sparse = Math.max(out.sparse, sparseErr(v, ref.sparse[i] as Side["sparse"][number]))));
      colbert.forEach((m, i) => {
        const rows = ref.colbert[i] as number[][];
        expect(m.tokens, `${side}[${i}] ColBERT rows`).toBe(rows.length);
        rows.forEach((r, t) => r.forEach((x, k) => (out.colbert = Math.max(out.colbert, Math.abs(x - (m.data[t * m.dim + k] as number))))));
      });
    }
    const dense = await m3.score(g.pairs.map((p) => g.queries[p.q] as string), g.pairs.map((p) => g.documents[p.d] as string));
    await m3.close();
    g.pairs.forEach((p, i) => {
      const q = got["query"]!;
      const d = got["document"]!;
      out.scores = Math.max(
        out.scores,
        Math.abs((dense[i] as number) - p.dense),
        Math.abs(sparseDot(q.sparse[p.q] as SparseVector, d.sparse[p.d] as SparseVector) - p.sparse) / Math.max(1, Math.abs(p.sparse)),
        Math.abs(m3Colbert(q.colbert[p.q]!, d.colbert[p.d]!) - p.colbert),
      );
    });
    for (const [k, v] of Object.entries(out)) errs.set(k, v);
    expect(Math.max(...Object.values(out))).toBeLessThan(TOLERANCE);
  });

  it("the fixture is sensitive: special tokens kept, sum per id, ColBERT with CLS / without EOS / unnormalized move outputs > 100x the tolerance", () => {
    expect(g.query.ids.some((ids) => ids.includes(3))).toBe(true); // <unk> is exercised
    for (const [name, moved] of Object.entries(g.variantOutputMoves)) {
      expect(moved.rowsDiffer || moved.maxDiff > 100 * TOLERANCE, name).toBe(true);
    }
    for (const name of ["special_tokens_kept", "sum_per_token_id"]) {
      const diff = Math.max(...(g.variants[name] as number[]).map((s, i) => Math.abs(s - (g.pairs[i]?.sparse as number))));
      expect(diff, name).toBeGreaterThan(100 * TOLERANCE);
    }
  });

  it("refuses an empty text and topK <= 0", async () => {
    const m3 = (await loadScorer(DIR)) as BgeM3Scorer;
    await expect(m3.embedSparse([""])).rejects.toThrow(InvalidInputError);
    await expect(m3.embedSparse(["paris"], { topK: 0 })).rejects.toThrow(/topK/);
    const [top2] = await m3.embedSparse(["paris is the capital of france"], { topK: 2 });
    expect(top2?.indices.length).toBe(2);
    await m3.close();
  });
});
