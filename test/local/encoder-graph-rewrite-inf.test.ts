/**
 * The encoder rewrite on an export whose attention mask is filled with -inf (older transformers
 * and hand-written exports) instead of the lowest finite float (torch's SDPA export, the committed
 * fixture). Removing the Softmax NaN guard is exact only if the -inf fill is made finite too:
 * otherwise a row whose mask is all 0 turns NaN. The -inf variant is the committed SDPA fixture
 * with its one fill constant's bytes replaced.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { CrossEncoderScorer } from "../../src/index.js";
import { rewriteEncoderGraph } from "../../src/local/runtime/encoder-graph-rewrite.js";

const CROSS = join(import.meta.dirname, "..", "golden", "encoders", "cross", "bert-sdpa");
const original = new Uint8Array(readFileSync(join(CROSS, "onnx", "model.onnx")));

/** The fixture with its lowest-float32 mask fill (bytes ff ff 7f ff) replaced by -inf (00 00 80 ff). */
function withInfFill(model: Uint8Array): Uint8Array {
  const lowest = Buffer.from(new Float32Array([-3.4028234663852886e38]).buffer);
  const inf = Buffer.from(new Float32Array([-Infinity]).buffer);
  const out = Buffer.from(model);
  const at = out.indexOf(lowest);
  expect(at).toBeGreaterThan(0);
  expect(out.indexOf(lowest, at + 1)).toBe(-1); // exactly one such constant
  inf.copy(out, at);
  return new Uint8Array(out);
}

function feeds(lengths: number[], zeroRows: number[] = []): Record<string, ort.Tensor> {
  const S = Math.max(...lengths);
  const ids = new BigInt64Array(lengths.length * S);
  const mask = new BigInt64Array(lengths.length * S);
  const types = new BigInt64Array(lengths.length * S);
  lengths.forEach((len, r) => {
    for (let t = 0; t < len; t++) {
      ids[r * S + t] = BigInt(t === 0 ? 4 : 200 + ((r * 37 + t * 11) % 2500));
      mask[r * S + t] = zeroRows.includes(r) ? 0n : 1n;
      types[r * S + t] = t > len / 2 ? 1n : 0n;
    }
  });
  const dims = [lengths.length, S];
  return {
    input_ids: new ort.Tensor("int64", ids, dims),
    attention_mask: new ort.Tensor("int64", mask, dims),
    token_type_ids: new ort.Tensor("int64", types, dims),
  };
}

async function logits(model: Uint8Array, f: Record<string, ort.Tensor>): Promise<number[]> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, graphOptimizationLevel: "all" });
  try {
    return Array.from((await session.run(f))["logits"]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("encoder graph rewrite on an export that fills the attention mask with -inf", () => {
  const infModel = withInfFill(original);

  it("computes what the -inf export computes on a padded batch", async () => {
    const rewrite = rewriteEncoderGraph(infModel, "bert-sdpa-inf");
    expect(rewrite?.stats.nanGuards).toBe(2);
    const f = feeds([12, 7, 3]);
    const got = await logits(rewrite!.model, f);
    const want = await logits(infModel, f);
    expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThanOrEqual(1e-5);
  });

  it("stays finite on a row whose mask is all 0, as the lowest-float export does", async () => {
    const f = feeds([5, 4, 6], [1]);
    const got = await logits(rewriteEncoderGraph(infModel, "bert-sdpa-inf")!.model, f);
    expect(got.every(Number.isFinite)).toBe(true);
    // The same rows through the fixture as exported (lowest finite fill, rewritten): identical.
    const finite = await logits(rewriteEncoderGraph(original, "bert-sdpa")!.model, f);
    expect(Math.max(...got.map((v, i) => Math.abs(v - finite[i]!)))).toBeLessThanOrEqual(1e-6);
  });

  it("a cross-encoder folder with the -inf export scores as the original folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rk-inf-"));
    dirs.push(dir);
    cpSync(CROSS, dir, { recursive: true });
    writeFileSync(join(dir, "onnx", "model.onnx"), infModel);
    const [a, b] = await Promise.all([CrossEncoderScorer.fromPretrained(dir), CrossEncoderScorer.fromPretrained(CROSS)]);
    try {
      const docs = ["a short one", "a somewhat longer document about many things", "x"];
      const [sa, sb] = await Promise.all([a.score("query words", docs, { activation: false }), b.score("query words", docs, { activation: false })]);
      expect(Math.max(...sa.map((v, i) => Math.abs(v - sb[i]!)))).toBeLessThanOrEqual(1e-5);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
