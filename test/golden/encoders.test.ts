/**
 * The encoder compatibility matrix: tiny random models of real architectures, saved by
 * sentence-transformers 6 (and old-format copies), with goldens from CrossEncoder.predict,
 * SentenceTransformer.encode_query / encode_document and MultiVectorEncoder
 * (scripts/reference/encoders.py). `loadScorer(folder)` must detect each from its files alone and
 * match the reference within TOLERANCE.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadScorer } from "../../src/local/load-scorer.js";
import type { BiEncoderScorer } from "../../src/local/bi-encoder.js";
import { encodePair } from "../../src/local/tokenization/pair-encoder.js";
import { TextTokenizer } from "../../src/local/tokenization/text-tokenizer.js";

/** Absolute tolerance against the Python reference (scores and embedding values). */
const TOLERANCE = 1e-4;
/** The tiny models' model_max_length (scripts/reference/common_encoders.py MAX_LEN). */
const MAX_LENGTH = 64;
const ROOT = join(import.meta.dirname, "encoders");

const CROSS = ["bert", "roberta", "xlmr", "deberta-v2", "modernbert"];
const BI = ["bert-mean", "bert-cls", "xlmr-mean", "modernbert-cls", "bert-max", "bert-weightedmean", "bert-sqrtlen", "bert-lasttoken", "bert-dense", "bert-prompt-excluded"];
const COLBERT = ["bert-pylate", "bert-stanford", "bert-mve", "modernbert-pylate", "bert-mve-plain"];
/** Old-format copy -> the cell whose golden it must reproduce. */
const OLD: Record<string, string> = {
  "cross/bert-st4": "cross/bert",
  "bi/bert-mean-v2": "bi/bert-mean",
  "bi/bert-dense-v3": "bi/bert-dense",
  "bi/bert-prompt-excluded-v3": "bi/bert-prompt-excluded",
};

interface CrossGolden {
  pairs: { query: string; document: string; score: number; ids: number[]; typeIds: number[] | null }[];
  variants: Record<string, number[]>;
}
interface BiGolden {
  queries: string[];
  documents: string[];
  queryEmbeddings: number[][];
  documentEmbeddings: number[][];
  pairs: { q: number; d: number; score: number }[];
}
type PairGolden = Pick<BiGolden, "queries" | "documents" | "pairs">;

const golden = <T>(cell: string): T => JSON.parse(readFileSync(join(ROOT, cell, "golden.json"), "utf8")) as T;
const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};
const report = new Map<string, number>();
afterAll(() => {
  // The matrix with its measured errors, for the README and the issue.
  console.log([...report].map(([cell, err]) => `${cell.padEnd(32)} ${err.toExponential(2)}`).join("\n"));
});

/** Copies a cell to a temp folder with one JSON file rewritten (for wrong-variant checks). */
function variantOf(cell: string, file: string, edit: (json: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), "rk-variant-"));
  cpSync(join(ROOT, cell), dir, { recursive: true });
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  edit(json);
  writeFileSync(path, JSON.stringify(json));
  return dir;
}

async function scorePairs(dir: string, g: PairGolden): Promise<number[]> {
  const scorer = await loadScorer(dir);
  try {
    return await scorer.score(g.pairs.map((p) => g.queries[p.q] as string), g.pairs.map((p) => g.documents[p.d] as string));
  } finally {
    await scorer.close();
  }
}

describe("cross-encoders saved by sentence-transformers 6", () => {
  for (const name of [...CROSS, "bert-st4"]) {
    const cell = `cross/${name}`;
    const dir = join(ROOT, cell);
    const ref = () => golden<CrossGolden>(OLD[cell] ?? cell);

    it(`${cell}: encodes pairs with the reference ids and segment ids`, () => {
      const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, unknown>;
      const tok = new TextTokenizer(json("tokenizer.json"), json("tokenizer_config.json"), dir);
      for (const p of ref().pairs) {
        const got = encodePair(tok, tok.encode(p.query), tok.encode(p.document), MAX_LENGTH);
        expect(got.ids).toEqual(p.ids);
        if (p.typeIds) expect(got.typeIds).toEqual(p.typeIds);
      }
    });

    it(`${cell}: is detected as a cross-encoder and matches CrossEncoder.predict`, async () => {
      const scorer = await loadScorer(dir);
      expect(scorer.scoreType).toBe("cross-encoder");
      const { pairs } = ref();
      // N:N zipped over every pair, and 1:N for the first query's documents.
      const scores = await scorer.score(pairs.map((p) => p.query), pairs.map((p) => p.document));
      const first = pairs.filter((p) => p.query === pairs[0]?.query);
      const oneToN = await scorer.score(first[0]?.query as string, first.map((p) => p.document));
      await scorer.close();
      const err = Math.max(maxErr(scores, pairs.map((p) => p.score)), maxErr(oneToN, first.map((p) => p.score)));
      report.set(cell, err);
      expect(err).toBeLessThan(TOLERANCE);
    });
  }

  for (const name of CROSS) {
    it(`cross/${name}: the fixture is sensitive (a dropped final separator or zeroed segment ids moves scores > 100x the tolerance)`, () => {
      const ref = golden<CrossGolden>(`cross/${name}`);
      const variants = Object.entries(ref.variants);
      expect(variants.length).toBeGreaterThan(0);
      for (const [, scores] of variants) expect(maxErr(scores, ref.pairs.map((p) => p.score))).toBeGreaterThan(100 * TOLERANCE);
      // Long documents are truncated: the two long documents of different length score alike only
      // because both are cut to the same 64 tokens.
      expect(ref.pairs[3]?.ids.length).toBe(64);
    });
  }

  it("cross/bert reads the Identity activation of both the 6.x and the 4.x save (sigmoid would move scores)", async () => {
    const ref = golden<CrossGolden>("cross/bert");
    const sig = ref.pairs.map((p) => 1 / (1 + Math.exp(-p.score)));
    expect(maxErr(sig, ref.pairs.map((p) => p.score))).toBeGreaterThan(100 * TOLERANCE);
    for (const cell of ["cross/bert", "cross/bert-st4"]) {
      const scorer = await loadScorer(join(ROOT, cell));
      expect(scorer.scoreType === "cross-encoder" && scorer.activation.activation).toBe("identity");
      await scorer.close();
    }
  });
});

describe("bi-encoders saved by sentence-transformers 6", () => {
  for (const name of [...BI, "bert-mean-v2", "bert-dense-v3", "bert-prompt-excluded-v3"]) {
    const cell = `bi/${name}`;
    it(`${cell}: is detected as a bi-encoder and matches encode_query / encode_document`, async () => {
      const ref = golden<BiGolden>(OLD[cell] ?? cell);
      const scorer = (await loadScorer(join(ROOT, cell))) as BiEncoderScorer;
      expect(scorer.scoreType).toBe("bi-encoder");
      const q = await scorer.embed(ref.queries, { kind: "query" });
      const d = await scorer.embed(ref.documents, { kind: "document" });
      const scores = await scorer.score(ref.pairs.map((p) => ref.queries[p.q] as string), ref.pairs.map((p) => ref.documents[p.d] as string));
      await scorer.close();
      let err = maxErr(scores, ref.pairs.map((p) => p.score));
      q.forEach((v, i) => (err = Math.max(err, maxErr(v, ref.queryEmbeddings[i] as number[]))));
      d.forEach((v, i) => (err = Math.max(err, maxErr(v, ref.documentEmbeddings[i] as number[]))));
      report.set(cell, err);
      expect(err).toBeLessThan(TOLERANCE);
    });
  }

  const otherMode: Record<string, string> = { mean: "cls", cls: "mean", max: "mean", weightedmean: "mean", mean_sqrt_len_tokens: "mean", lasttoken: "mean" };
  for (const name of BI) {
    it(`bi/${name}: a wrong pooling mode moves the embeddings > 100x the tolerance`, async () => {
      const cell = `bi/${name}`;
      const ref = golden<BiGolden>(cell);
      const dir = variantOf(cell, "1_Pooling/config.json", (cfg) => {
        cfg["pooling_mode"] = otherMode[cfg["pooling_mode"] as string];
      });
      try {
        const scorer = (await loadScorer(dir)) as BiEncoderScorer;
        const d = await scorer.embed(ref.documents, { kind: "document" });
        await scorer.close();
        const moved = Math.max(...d.map((v, i) => maxErr(v, ref.documentEmbeddings[i] as number[])));
        expect(moved).toBeGreaterThan(100 * TOLERANCE);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("bi/bert-prompt-excluded: pooling over the prompt (include_prompt true) moves the scores > 100x the tolerance", async () => {
    const ref = golden<BiGolden>("bi/bert-prompt-excluded");
    const dir = variantOf("bi/bert-prompt-excluded", "1_Pooling/config.json", (cfg) => {
      cfg["include_prompt"] = true;
    });
    try {
      expect(maxErr(await scorePairs(dir, ref), ref.pairs.map((p) => p.score))).toBeGreaterThan(100 * TOLERANCE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bi/xlmr-mean: dropping the query / passage prompts moves the embeddings > 100x the tolerance", async () => {
    const ref = golden<BiGolden>("bi/xlmr-mean");
    const scorer = (await loadScorer(join(ROOT, "bi/xlmr-mean"))) as BiEncoderScorer;
    const q = await scorer.embed(ref.queries, { kind: "query", prompt: false });
    await scorer.close();
    expect(maxErr(q[0] as Float32Array, ref.queryEmbeddings[0] as number[])).toBeGreaterThan(100 * TOLERANCE);
  });

  it("old-format copies score the same as the 6.x saves", async () => {
    for (const [old, cell] of Object.entries(OLD).filter(([k]) => k.startsWith("bi/"))) {
      const ref = golden<BiGolden>(cell);
      const [a, b] = await Promise.all([scorePairs(join(ROOT, old), ref), scorePairs(join(ROOT, cell), ref)]);
      expect(maxErr(a, b)).toBeLessThan(1e-6);
    }
  });
});

describe("ColBERT layouts (PyLate, stanford, MultiVectorEncoder)", () => {
  for (const name of COLBERT) {
    const cell = `colbert/${name}`;
    it(`${cell}: is detected as late interaction and matches MultiVectorEncoder MaxSim`, async () => {
      const ref = golden<PairGolden>(cell);
      const scorer = await loadScorer(join(ROOT, cell));
      expect(scorer.scoreType).toBe("late-interaction");
      await scorer.close();
      const err = maxErr(await scorePairs(join(ROOT, cell), ref), ref.pairs.map((p) => p.score));
      report.set(cell, err);
      expect(err).toBeLessThan(TOLERANCE);
    });
  }

  for (const name of COLBERT) {
    it(`colbert/${name}: the fixture is sensitive (no markers, [MASK] expansion or skiplist moves MaxSim > 100x the tolerance)`, async () => {
      const ref = golden<PairGolden>(`colbert/${name}`);
      const scorer = await loadScorer(join(ROOT, "colbert", name), { convention: "vllm" });
      const scores = await scorer.score(ref.pairs.map((p) => ref.queries[p.q] as string), ref.pairs.map((p) => ref.documents[p.d] as string));
      await scorer.close();
      expect(maxErr(scores, ref.pairs.map((p) => p.score))).toBeGreaterThan(100 * TOLERANCE);
    });
  }

  it("the three BERT layouts of one model score the same", async () => {
    const ref = golden<PairGolden>("colbert/bert-pylate");
    for (const name of ["bert-stanford", "bert-mve"]) {
      expect(maxErr(golden<PairGolden>(`colbert/${name}`).pairs.map((p) => p.score), ref.pairs.map((p) => p.score))).toBeLessThan(1e-5);
    }
  });
});
