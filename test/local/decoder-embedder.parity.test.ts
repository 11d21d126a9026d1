/**
 * Decoder bi-encoders against goldens from sentence-transformers 6
 * (`SentenceTransformer.encode_query` / `encode_document`) on the same weights, written by
 * scripts/reference/decoders.py:
 * - Qwen3 (Qwen3-Embedding layout: last-token pooling, left padding, normalize, query prompt) in
 *   both decoder ONNX layouts;
 * - Gemma3 with bidirectional attention (EmbeddingGemma layout: mean pooling, Dense up / down,
 *   Normalize, task prompts).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, loadScorer } from "../../src/index.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "decoders");
const TOL = 1e-4;

interface Golden {
  queries: string[];
  documents: string[];
  query_embeddings: number[][];
  document_embeddings: number[][];
}
const goldenOf = (cell: string) => JSON.parse(readFileSync(join(GOLDEN, cell, "golden.json"), "utf8")) as Golden;

/**
 * The same model saved in the formats of sentence-transformers 2.x to 5.x: boolean pooling
 * config, `sentence_transformers.models.*` module types.
 */
function oldFormatCopy(cell: string, pooling: "lasttoken" | "mean"): string {
  const dir = mkdtempSync(join(tmpdir(), `rk-${cell}-old-`));
  dirs.push(dir);
  cpSync(join(GOLDEN, cell), dir, { recursive: true });
  writeFileSync(
    join(dir, "1_Pooling", "config.json"),
    JSON.stringify({
      word_embedding_dimension: 32,
      pooling_mode_cls_token: false,
      pooling_mode_mean_tokens: pooling === "mean",
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
      pooling_mode_weightedmean_tokens: false,
      pooling_mode_lasttoken: pooling === "lasttoken",
      include_prompt: true,
    }),
  );
  const modules = JSON.parse(readFileSync(join(dir, "modules.json"), "utf8")) as { type: string }[];
  for (const m of modules) m.type = `sentence_transformers.models.${m.type.split(".").pop() as string}`;
  writeFileSync(join(dir, "modules.json"), JSON.stringify(modules));
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
  ["Qwen3, plain layout (input_ids, attention_mask -> last_hidden_state)", "qwen3-embedding", "lasttoken", "onnx/model.onnx"],
  ["Qwen3, onnx-community layout (position_ids, past_key_values, present.*)", "qwen3-embedding", "lasttoken", "onnx/model_kv.onnx"],
  ["Gemma3 bidirectional, Dense up / down (EmbeddingGemma layout)", "gemma3-embedding", "mean", "onnx/model.onnx"],
] as const)("decoder embedder: %s", (_label, cell, pooling, onnxFile) => {
  const golden = goldenOf(cell);
  it.each([
    ["as sentence-transformers 6 saved it", () => join(GOLDEN, cell)],
    ["rewritten in the 2.x-5.x formats", () => oldFormatCopy(cell, pooling)],
  ])("%s: matches sentence-transformers encode_query / encode_document within 1e-4", async (_format, folder) => {
    const dir = folder();
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
    console.log(`${cell} ${onnxFile}: max abs error ${worst.toExponential(2)}`);
    await m.close();
  });
});
