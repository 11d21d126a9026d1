/**
 * The LM-head rewrite against the graph it rewrites: for every stored head kind, the rewritten
 * model's `[batch, 1]` output equals `sum_i c_i * logits[batch, -1, token_i]` of the unrewritten
 * graph on the same left-padded batch. The fp32 graph itself matches transformers (see
 * decoder-graphs.test.ts), so the chain reaches the Python reference.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { ModelLoadError } from "../../src/index.js";
import { openRewrittenSession, rewriteLmHeadToScore, type LmHeadScoreSpec } from "../../src/local/runtime/lm-head-rewrite.js";
import { OnnxSession } from "../../src/local/runtime/onnx-session.js";
import { parseModel } from "../../src/local/runtime/onnx-proto.js";
import { runMicroBatches } from "../../src/local/runtime/run-batches.js";

const CELL = join(import.meta.dirname, "..", "golden", "decoders", "qwen3-causal-lm");
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as {
  input_ids: number[][];
  token_ids: number[];
  last_logits: number[][];
};
const config = JSON.parse(readFileSync(join(CELL, "config.json"), "utf8")) as Record<string, unknown>;
const VOCAB = Number(config["vocab_size"]);
const PAD = golden.token_ids[2] as number;
const [YES, NO, EOS] = golden.token_ids as [number, number, number];
/** vLLM's from_2_way_softmax for ["no", "yes"], plus a third row so the weights are not symmetric. */
const SPEC: LmHeadScoreSpec = {
  rows: [
    { tokenId: YES, coefficient: 1 },
    { tokenId: NO, coefficient: -1 },
    { tokenId: EOS, coefficient: 0.25 },
  ],
};
/** The same combination of transformers' last-position logits. */
const REFERENCE = golden.last_logits.map(([y, n, e]) => (y as number) - (n as number) + 0.25 * (e as number));
const sequences = golden.input_ids.map((ids) => ({ ids }));

async function run(session: OnnxSession, extract: Parameters<typeof runMicroBatches<number>>[3]): Promise<number[]> {
  try {
    return await runMicroBatches(session, sequences, { output: "logits", padId: PAD, padding: "left" }, extract);
  } finally {
    await session.release();
  }
}

/** The unrewritten graph: full logits, combined at the last row. */
async function fullScores(file: string): Promise<number[]> {
  const session = await OnnxSession.create(join(CELL, file), { config, threads: 1 });
  return run(session, ({ output, row, seq }) => {
    const base = (row * seq + seq - 1) * VOCAB;
    return SPEC.rows.reduce((s, r) => s + r.coefficient * (output.data[base + r.tokenId] as number), 0);
  });
}

async function rewrittenScores(file: string): Promise<{ scores: number[]; bytes: Uint8Array }> {
  const dir = join(CELL, file, "..");
  const bytes = rewriteLmHeadToScore(new Uint8Array(readFileSync(join(CELL, file))), SPEC, { externalDataDir: dir, source: file });
  const session = await openRewrittenSession(bytes, { config, threads: 1, externalDataDir: dir, source: file });
  const scores = await run(session, ({ output, row }) => {
    expect(output.dims).toEqual([sequences.length, 1]);
    return output.data[row] as number;
  });
  return { scores, bytes };
}

const maxAbs = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));

describe("rewriteLmHeadToScore", () => {
  it("fp32, LM head tied to the embedding: within 1e-4 of the full graph and of transformers", async () => {
    const full = await fullScores("onnx/model.onnx");
    expect(maxAbs(full, REFERENCE)).toBeLessThan(1e-4);
    const { scores, bytes } = await rewrittenScores("onnx/model.onnx");
    console.log("fp32 rewrite vs full graph", maxAbs(scores, full), "vs transformers", maxAbs(scores, REFERENCE));
    expect(maxAbs(scores, full)).toBeLessThan(1e-4);
    expect(maxAbs(scores, REFERENCE)).toBeLessThan(1e-4);
    // The tied embedding stays (the Gather needs it): the graph only gains the classifier row.
    expect(Math.abs(bytes.length - readFileSync(join(CELL, "onnx/model.onnx")).length)).toBeLessThan(2048);
    // Sensitivity: the yes row alone (coefficient of "no" lost) differs far beyond the tolerance.
    const yesOnly = golden.last_logits.map((l) => l[0] as number);
    expect(maxAbs(scores, yesOnly)).toBeGreaterThan(100 * 1e-4);
  });

  it("external data: reads the head from model.onnx_data and opens with the data file", async () => {
    const { scores, bytes } = await rewrittenScores("external/model.onnx");
    expect(maxAbs(scores, REFERENCE)).toBeLessThan(1e-4);
    expect(parseModel(bytes, "x").initializers.some((t) => t.external)).toBe(true);
    // The temporary graph file written next to the data is gone.
    expect(readdirSync(join(CELL, "external")).sort()).toEqual(["model.onnx", "model.onnx_data"]);
  });

  // Quantized heads are replaced by their exact dequantized row, so the rewrite differs from the
  // full graph only where the full graph quantized the activation too (q8), or by fp16 rounding.
  it.each([
    ["fp16 MatMul", "onnx/model_fp16.onnx", 1e-2, 2],
    ["q8 MatMulInteger (DynamicQuantizeLinear)", "onnx/model_quantized.onnx", 0.15, 1],
    ["q4 MatMulNBits", "onnx/model_q4.onnx", 1e-4, 0.5],
  ])("%s: close to its own full graph, and the head weight is dropped", async (_label, file, tol, bytesPerWeight) => {
    const full = await fullScores(file);
    const { scores, bytes } = await rewrittenScores(file);
    console.log(`${file} rewrite vs full graph`, maxAbs(scores, full));
    expect(maxAbs(scores, full)).toBeLessThan(tol);
    const headBytes = VOCAB * Number(config["hidden_size"]) * bytesPerWeight;
    expect(bytes.length).toBeLessThan(readFileSync(join(CELL, file)).length - 0.9 * headBytes);
  });

  it("q4 with the embedding gathered from the head's 4-bit weight (GatherBlockQuantized): shared weight kept", async () => {
    const file = "onnx/model_q4_shared.onnx";
    const full = await fullScores(file);
    const { scores, bytes } = await rewrittenScores(file);
    expect(maxAbs(scores, full)).toBeLessThan(1e-4);
    const parsed = parseModel(bytes, file);
    expect(parsed.nodes.some((n) => n.op === "GatherBlockQuantized")).toBe(true);
    expect(parsed.nodes.some((n) => n.op === "MatMulNBits" && n.name.includes("lm_head"))).toBe(false);
  });

  it("batching is invisible: one pair per pass, length-sorted micro-batches and one batch agree", async () => {
    const bytes = rewriteLmHeadToScore(new Uint8Array(readFileSync(join(CELL, "onnx/model.onnx"))), SPEC);
    const session = await openRewrittenSession(bytes, { config, threads: 1 });
    const scoresWith = (limits: { maxBatchSize?: number; maxBatchTokens?: number }) =>
      runMicroBatches(session, sequences, { output: "logits", padId: PAD, padding: "left", ...limits }, ({ output, row }) => output.data[row] as number);
    const one = await scoresWith({ maxBatchSize: 1 });
    expect(maxAbs(one, REFERENCE)).toBeLessThan(1e-4);
    expect(maxAbs(await scoresWith({ maxBatchSize: 2 }), one)).toBeLessThan(1e-5);
    expect(maxAbs(await scoresWith({ maxBatchTokens: 64 }), one)).toBeLessThan(1e-5);
    expect(maxAbs(await scoresWith({}), one)).toBeLessThan(1e-5);
    await session.release();
  });

  it("prefix reuse: the shared prefix computed once gives the full pass's scores within 1e-4", async () => {
    const bytes = rewriteLmHeadToScore(new Uint8Array(readFileSync(join(CELL, "onnx/model.onnx"))), SPEC);
    const session = await openRewrittenSession(bytes, { config, threads: 1 });
    const prefix = (golden.input_ids[3] as number[]).slice(0, 12);
    const suffixes = golden.input_ids.map((ids) => ({ ids: ids.slice(0, 30) }));
    const read = ({ output, row }: { output: { data: Float32Array }; row: number }) => output.data[row] as number;
    const full = await runMicroBatches(session, suffixes.map((s) => ({ ids: [...prefix, ...s.ids] })), { output: "logits", padId: PAD, padding: "left" }, read);
    for (const maxBatchSize of [1, 2, 8]) {
      const reused = await runMicroBatches(session, suffixes, { output: "logits", padId: PAD, padding: "left", prefix, maxBatchSize }, read);
      expect(maxAbs(reused, full)).toBeLessThan(1e-4);
    }
    // Found automatically: the longest prefix the full sequences share is computed once.
    const spy = vi.spyOn(session, "prefixCache");
    const found = await runMicroBatches(session, suffixes.map((s) => ({ ids: [...prefix, ...s.ids] })), { output: "logits", padId: PAD, padding: "left", reusePrefix: { minTokens: 8 } }, read);
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.mock.calls[0]?.[0] as number[]).length).toBeGreaterThanOrEqual(prefix.length);
    expect(maxAbs(found, full)).toBeLessThan(1e-4);
    spy.mockRestore();
    // Sensitivity: without the prefix the scores are far off.
    const alone = await runMicroBatches(session, suffixes, { output: "logits", padId: PAD, padding: "left" }, read);
    expect(maxAbs(alone, full)).toBeGreaterThan(1e-2);
    await session.release();
  });

  it("names what it cannot rewrite", () => {
    const model = new Uint8Array(readFileSync(join(CELL, "onnx/model.onnx")));
    expect(() => rewriteLmHeadToScore(model, { rows: [{ tokenId: VOCAB, coefficient: 1 }] })).toThrow(ModelLoadError);
    expect(() => rewriteLmHeadToScore(model, { rows: [{ tokenId: 1, coefficient: 1 }] }, { output: "scores" })).toThrow(/no output "scores"/);
    expect(() => rewriteLmHeadToScore(model, { rows: [] })).toThrow(/no rows/);
    const ext = new Uint8Array(readFileSync(join(CELL, "external/model.onnx")));
    expect(() => rewriteLmHeadToScore(ext, SPEC)).toThrow(/external data .*externalDataDir/);
  });
});
