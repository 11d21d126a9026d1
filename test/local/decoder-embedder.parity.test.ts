/**
 * Qwen3 bi-encoder (Qwen3-Embedding layout: last-token pooling, left padding, normalize, query
 * prompt) in both decoder ONNX layouts, against goldens from sentence-transformers 6
 * (`SentenceTransformer.encode_query` / `encode_document`) on the same weights. The models and
 * goldens are written by scripts/reference/decoders.py.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, loadScorer } from "../../src/index.js";

const CELL = join(import.meta.dirname, "..", "golden", "decoders", "qwen3-embedding");
const TOL = 1e-4;

interface Golden {
  queries: string[];
  documents: string[];
  query_embeddings: number[][];
  document_embeddings: number[][];
}
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as Golden;

/** The same model saved in the pooling-config format of sentence-transformers 2.x to 5.x. */
function oldFormatCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "rk-qwen3-old-"));
  cpSync(CELL, dir, { recursive: true });
  writeFileSync(
    join(dir, "1_Pooling", "config.json"),
    JSON.stringify({
      word_embedding_dimension: 32,
      pooling_mode_cls_token: false,
      pooling_mode_mean_tokens: false,
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
      pooling_mode_weightedmean_tokens: false,
      pooling_mode_lasttoken: true,
      include_prompt: true,
    }),
  );
  writeFileSync(
    join(dir, "modules.json"),
    JSON.stringify([
      { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
      { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
      { idx: 2, name: "2", path: "2_Normalize", type: "sentence_transformers.models.Normalize" },
    ]),
  );
  return dir;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each([
  ["plain layout (input_ids, attention_mask -> last_hidden_state)", "onnx/model.onnx"],
  ["onnx-community layout (position_ids, past_key_values, present.*)", "onnx/model_kv.onnx"],
])("Qwen3 embedder, %s", (_label, onnxFile) => {
  it("matches sentence-transformers encode_query / encode_document within 1e-4", async () => {
    const dir = oldFormatCopy();
    dirs.push(dir);
    const model = await loadScorer(dir, { onnxFile });
    expect(model).toBeInstanceOf(BiEncoderScorer);
    const m = model as BiEncoderScorer;
    const q = await m.embed(golden.queries, { kind: "query" });
    const d = await m.embed(golden.documents, { kind: "document" });
    let worst = 0;
    q.forEach((v, i) => (worst = Math.max(worst, maxAbsDiff(v, golden.query_embeddings[i] as number[]))));
    d.forEach((v, i) => (worst = Math.max(worst, maxAbsDiff(v, golden.document_embeddings[i] as number[]))));
    expect(worst).toBeLessThan(TOL);
    // One at a time (no padding at all) gives the same vectors: padding is invisible.
    const alone = await m.embed([golden.documents[1] as string], { kind: "document" });
    expect(maxAbsDiff(alone[0] as Float32Array, golden.document_embeddings[1] as number[])).toBeLessThan(TOL);
    // Sensitivity: dropping the query prompt, or pooling the end-of-text token of a truncated
    // document's untruncated tail, moves the vector far beyond the tolerance on this fixture.
    const noPrompt = await m.embed(golden.queries, { kind: "query", prompt: false });
    expect(maxAbsDiff(noPrompt[0] as Float32Array, golden.query_embeddings[0] as number[])).toBeGreaterThan(100 * TOL);
    await m.close();
  });
});
