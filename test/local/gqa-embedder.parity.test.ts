/**
 * The decoder bi-encoder (Qwen3-Embedding layout: last-token pooling, normalize, query prompt) on
 * graphs with fused `com.microsoft.GroupQueryAttention` (fp32, q4 MatMulNBits, q8 MatMulInteger)
 * and on a merged decoder. Reference: onnxruntime's run of each file on one unpadded sequence at a
 * time, and transformers' Qwen3Model on the unfused weights (test/golden/gqa/gqa-embedding, from
 * scripts/reference/gqa_decoders.py). Texts of mixed lengths share each batch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, loadScorer } from "../../src/index.js";
import { OnnxSession } from "../../src/local/runtime/onnx-session.js";
import { runMicroBatches } from "../../src/local/runtime/run-batches.js";

const CELL = join(import.meta.dirname, "..", "golden", "gqa", "gqa-embedding");
const TOL = 1e-4;
type Vectors = { query: number[][]; document: number[][] };
interface Golden {
  queries: string[];
  documents: string[];
  query_ids: number[][];
  document_ids: number[][];
  transformers: Vectors;
  ort: Record<string, Vectors>;
}
const g = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as Golden;
const config = JSON.parse(readFileSync(join(CELL, "config.json"), "utf8")) as Record<string, number>;
const maxAbsDiff = (a: ArrayLike<number>[], b: ArrayLike<number>[]) =>
  Math.max(...a.map((v, i) => Math.max(...Array.from(v, (x, j) => Math.abs(x - ((b[i] as ArrayLike<number>)[j] as number))))));

async function embedAll(scorer: BiEncoderScorer): Promise<Vectors> {
  const query = await scorer.embed(g.queries, { kind: "query" });
  const document = await scorer.embed(g.documents, { kind: "document" });
  return { query: query.map((v) => Array.from(v)), document: document.map((v) => Array.from(v)) };
}
const errorOf = (got: Vectors, want: Vectors) => Math.max(maxAbsDiff(got.query, want.query), maxAbsDiff(got.document, want.document));

describe.each(["model.onnx", "model_q4.onnx", "decoder_model_merged.onnx"])("GQA embedder %s", (file) => {
  let scorer: BiEncoderScorer;
  beforeAll(async () => {
    scorer = (await loadScorer(CELL, { onnxFile: `onnx/${file}` })) as BiEncoderScorer;
  });
  afterAll(async () => {
    await scorer?.close();
  });

  it("pads on the right and embeds mixed-length batches as onnxruntime embeds each text alone", async () => {
    expect(scorer).toBeInstanceOf(BiEncoderScorer);
    expect((scorer as unknown as { session: OnnxSession }).session.attention).toBe("group-query");
    expect((scorer as unknown as { padding: string }).padding).toBe("right");
    expect(new Set(g.document_ids.map((r) => r.length)).size).toBeGreaterThan(3);
    const err = errorOf(await embedAll(scorer), g.ort[file] as Vectors);
    console.log(`[parity] gqa embedder ${file}: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
  });
});

describe("GQA embedder: references, sensitivity, q8", () => {
  it("the fp32 GQA graph matches transformers on the unfused weights", async () => {
    const scorer = (await loadScorer(CELL, { onnxFile: "onnx/model.onnx" })) as BiEncoderScorer;
    try {
      expect(errorOf(await embedAll(scorer), g.transformers)).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });

  it("sensitivity: the same batch padded on the left is far off", async () => {
    const session = await OnnxSession.create(join(CELL, "onnx", "model.onnx"), { config, threads: 1 });
    try {
      const hidden = config["hidden_size"] as number;
      const lastToken = async (padding: "left" | "right") =>
        runMicroBatches(session, g.document_ids.map((ids) => ({ ids })), { output: "last_hidden_state", padId: 0, padding }, ({ output, row, seq, mask }) => {
          let last = seq - 1;
          while (last > 0 && mask[row * seq + last] === 0n) last--;
          const v = Array.from(output.data.subarray((row * seq + last) * hidden, (row * seq + last + 1) * hidden));
          const norm = Math.hypot(...v);
          return v.map((x) => x / norm);
        });
      const want = (g.ort["model.onnx"] as Vectors).document;
      const right = maxAbsDiff(await lastToken("right"), want);
      const left = maxAbsDiff(await lastToken("left"), want);
      console.log(`[sensitivity] gqa embedder batch: right ${right.toExponential(2)}, left ${left.toExponential(2)}`);
      expect(right).toBeLessThanOrEqual(TOL);
      expect(left).toBeGreaterThan(100 * TOL);
    } finally {
      await session.release();
    }
  });

  it("q8: mixed batches stay within the README's q8 batch drift (0.1 on this fixture) of one text at a time", async () => {
    const [batched, alone] = (await Promise.all([
      loadScorer(CELL, { dtype: "q8" }),
      loadScorer(CELL, { dtype: "q8", maxBatchSize: 1 }),
    ])) as [BiEncoderScorer, BiEncoderScorer];
    try {
      const single = await embedAll(alone);
      const drift = errorOf(await embedAll(batched), single);
      console.log(`[parity] gqa embedder q8 batch drift: ${drift.toExponential(2)}, q8 alone vs fp32 ${errorOf(single, g.ort["model.onnx"] as Vectors).toExponential(2)}`);
      expect(drift).toBeLessThanOrEqual(0.1);
    } finally {
      await Promise.all([batched.close(), alone.close()]);
    }
  });
});
