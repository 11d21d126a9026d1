/**
 * The load-time encoder rewrite (src/local/runtime/encoder-graph-rewrite.ts) on committed tiny
 * models exported by torch with SDPA attention at opset 17 (scripts/reference/bench_models.py
 * --tiny): structure, bit-level agreement with the original graph, and parity with
 * sentence-transformers' goldens through the scorers that apply it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { BiEncoderScorer, CrossEncoderScorer } from "../../src/index.js";
import { rewriteEncoderGraph } from "../../src/local/runtime/encoder-graph-rewrite.js";
import { parseModel } from "../../src/local/runtime/onnx-proto.js";
import { modelDir } from "./helpers.js";

const GOLDEN = join(import.meta.dirname, "..", "golden", "encoders");
const CROSS = join(GOLDEN, "cross", "bert-sdpa");
const BI = join(GOLDEN, "bi", "bert-sdpa-mean");
/** Against sentence-transformers (torch) goldens, as test/golden/encoders.test.ts. */
const TOL = 1e-4;
/** Rewritten vs original graph on ONNX Runtime: the same kernels up to fusion, so far tighter. */
const GRAPH_TOL = 1e-5;

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};
const ops = (model: Uint8Array) => parseModel(model, "test").nodes.map((n) => `${n.domain ? `${n.domain}.` : ""}${n.op}`);

/** A right-padded batch: rows of 12, 7 and 3 tokens (ids from the tiny vocabulary). */
function paddedFeeds(withTypes: boolean, lengths = [12, 7, 3]) {
  const S = Math.max(...lengths);
  const ids = new BigInt64Array(lengths.length * S);
  const mask = new BigInt64Array(lengths.length * S);
  const types = new BigInt64Array(lengths.length * S);
  lengths.forEach((len, r) => {
    for (let t = 0; t < len; t++) {
      ids[r * S + t] = BigInt(t === 0 ? 4 : 200 + ((r * 37 + t * 11) % 2500));
      mask[r * S + t] = 1n;
      types[r * S + t] = t > len / 2 ? 1n : 0n;
    }
  });
  const dims = [lengths.length, S];
  const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor("int64", ids, dims), attention_mask: new ort.Tensor("int64", mask, dims) };
  if (withTypes) feeds["token_type_ids"] = new ort.Tensor("int64", types, dims);
  return feeds;
}

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>, output: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, graphOptimizationLevel: "all" });
  try {
    return (await session.run(feeds))[output]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe("encoder graph rewrite on torch's SDPA export", () => {
  const original = new Uint8Array(readFileSync(join(CROSS, "onnx", "model.onnx")));

  it("replaces each exact GELU by one com.microsoft Gelu and removes each Softmax NaN guard", () => {
    const before = ops(original);
    expect(before.filter((o) => o === "IsNaN")).toHaveLength(2);
    const rewrite = rewriteEncoderGraph(original, "cross/bert-sdpa");
    expect(rewrite?.stats).toEqual({ gelu: 2, nanGuards: 2, maskFills: 0 });
    const after = ops(rewrite!.model);
    expect(after.filter((o) => o === "IsNaN" || o === "Erf")).toEqual([]);
    expect(after.filter((o) => o === "com.microsoft.Gelu")).toHaveLength(2);
    // Only the matched nodes went: 2 x (Div, Erf, Add, Mul, Mul -> Gelu) and 2 x (IsNaN, Where -> Identity).
    expect(after.length).toBe(before.length - 2 * 4 - 2 * 1);
  });

  it("computes what the original graph computes on a padded batch", async () => {
    const rewritten = rewriteEncoderGraph(original, "cross/bert-sdpa")!.model;
    const feeds = paddedFeeds(true);
    const err = maxAbs(await run(rewritten, feeds, "logits"), await run(original, feeds, "logits"));
    console.log(`[rewrite] cross/bert-sdpa rewritten vs original logits, max abs difference: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(GRAPH_TOL);
  });

  it("keeps the bi-encoder's hidden states on every real token", async () => {
    const bytes = new Uint8Array(readFileSync(join(BI, "onnx", "model.onnx")));
    const rewrite = rewriteEncoderGraph(bytes, "bi/bert-sdpa-mean");
    expect(rewrite?.stats.nanGuards).toBe(2);
    const lengths = [12, 7, 3];
    const feeds = paddedFeeds(true, lengths);
    const got = await run(rewrite!.model, feeds, "last_hidden_state");
    const want = await run(bytes, feeds, "last_hidden_state");
    const H = 32;
    const S = 12;
    let err = 0;
    lengths.forEach((len, r) => {
      for (let t = 0; t < len; t++) for (let h = 0; h < H; h++) err = Math.max(err, Math.abs(got[(r * S + t) * H + h]! - want[(r * S + t) * H + h]!));
    });
    console.log(`[rewrite] bi/bert-sdpa-mean rewritten vs original hidden states, max abs difference: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(GRAPH_TOL);
  });

  it("stays finite on a row whose attention mask is all 0 (the case the removed guard covered)", async () => {
    const rewritten = rewriteEncoderGraph(original, "cross/bert-sdpa")!.model;
    const feeds = paddedFeeds(true, [5, 4]);
    (feeds["attention_mask"]!.data as BigInt64Array).fill(0n, 5);
    const logits = await run(rewritten, feeds, "logits");
    expect([...logits].every(Number.isFinite)).toBe(true);
    expect(logits[0]).toBeCloseTo((await run(original, feeds, "logits"))[0]!, 5);
  });

  it("leaves graphs without the guard alone apart from the GELU (rerank-kit's own op-by-op fixtures)", async () => {
    const dir = await modelDir("cross-encoder");
    const rewrite = rewriteEncoderGraph(new Uint8Array(readFileSync(join(dir, "onnx", "model.onnx"))), "cross-encoder");
    expect(rewrite?.stats.nanGuards ?? 0).toBe(0);
  });
});

describe("scorers on the rewritten graphs match sentence-transformers", () => {
  it("CrossEncoder.predict scores within 1e-4", async () => {
    const golden = JSON.parse(readFileSync(join(CROSS, "golden.json"), "utf8")) as { pairs: { query: string; document: string; score: number }[] };
    const scorer = await CrossEncoderScorer.fromPretrained(CROSS);
    try {
      const scores = await scorer.score(golden.pairs.map((p) => p.query), golden.pairs.map((p) => p.document));
      const err = maxAbs(scores, golden.pairs.map((p) => p.score));
      console.log(`[rewrite] cross/bert-sdpa vs CrossEncoder.predict, max abs error: ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });

  it("SentenceTransformer.encode embeddings within 1e-4", async () => {
    const golden = JSON.parse(readFileSync(join(BI, "golden.json"), "utf8")) as { documents: string[]; documentEmbeddings: number[][] };
    const scorer = await BiEncoderScorer.fromPretrained(BI);
    try {
      const got = await scorer.embed(golden.documents);
      const err = Math.max(...got.map((e, i) => maxAbs(e, golden.documentEmbeddings[i]!)));
      console.log(`[rewrite] bi/bert-sdpa-mean vs SentenceTransformer.encode, max abs error: ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });
});
