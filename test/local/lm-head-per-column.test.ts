/**
 * The LM-head rewrite of an int8 head whose weight scales are per output column, as
 * `quantize_dynamic(per_channel=True)` writes them (the committed q8 fixture has one scale per
 * tensor). The per-column head is built from that fixture: its int8 weights are kept and its
 * scalar scale becomes a vector with a different factor per vocabulary column, so every column
 * dequantizes differently and a rewrite that reads one scale for all columns scores wrong.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rewriteLmHeadToScore, type LmHeadScoreSpec } from "../../src/local/runtime/lm-head-rewrite.js";
import { parseModel, readElements, serializeModel } from "../../src/local/runtime/onnx-proto.js";
import { ElemType, encodeTensor } from "../../src/local/runtime/onnx-writer.js";
import { OnnxSession } from "../../src/local/runtime/onnx-session.js";
import { runMicroBatches } from "../../src/local/runtime/run-batches.js";

const CELL = join(import.meta.dirname, "..", "golden", "decoders", "qwen3-causal-lm");
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as { input_ids: number[][]; token_ids: number[] };
const config = JSON.parse(readFileSync(join(CELL, "config.json"), "utf8")) as Record<string, unknown>;
const VOCAB = Number(config["vocab_size"]);
const PAD = golden.token_ids[2] as number;
const [YES, NO, EOS] = golden.token_ids as [number, number, number];
const SPEC: LmHeadScoreSpec = { rows: [{ tokenId: YES, coefficient: 1 }, { tokenId: NO, coefficient: -1 }, { tokenId: EOS, coefficient: 0.25 }] };
const sequences = golden.input_ids.map((ids) => ({ ids }));

/** The q8 fixture with its head's scalar weight scale replaced by one scale per column. */
function perColumnHead(): Uint8Array {
  const model = new Uint8Array(readFileSync(join(CELL, "onnx", "model_quantized.onnx")));
  const parsed = parseModel(model, "q8");
  const head = parsed.nodes.find((n) => n.op === "MatMulInteger" && n.outputs[0] === "logits_output_quantized");
  expect(head).toBeDefined();
  const weight = head!.inputs[1] as string;
  const scaleName = weight.replace(/_quantized$/, "_scale");
  const scale = parsed.initializers.find((t) => t.name === scaleName);
  expect(scale?.dims).toEqual([]);
  const s = readElements(scale!, [0], undefined, "q8")[0] as number;
  // Factors 0.5 .. 2 spread over the columns; the three scored tokens get three different ones.
  const factors = Float32Array.from({ length: VOCAB }, (_, j) => 0.5 + (1.5 * (((j + 13) * 7919) % 97)) / 96);
  expect(new Set([factors[YES], factors[NO], factors[EOS]]).size).toBe(3);
  const scales = factors.map((f) => f * s);
  const initializers = parsed.initializers.map((t) =>
    t.name === scaleName ? encodeTensor(scaleName, [VOCAB], ElemType.FLOAT, new Uint8Array(scales.buffer)) : t.raw,
  );
  return serializeModel({
    modelFields: parsed.modelFields,
    graphFields: parsed.graphFields,
    nodes: parsed.nodes.map((n) => n.raw),
    initializers,
    outputs: parsed.outputs.map((o) => o.raw),
  });
}

async function scores(session: OnnxSession, read: (data: Float32Array, row: number, seq: number) => number): Promise<number[]> {
  try {
    return await runMicroBatches(session, sequences, { output: "logits", padId: PAD, padding: "left" }, ({ output, row, seq }) =>
      read(output.data as Float32Array, row, seq),
    );
  } finally {
    await session.release();
  }
}

describe("LM-head rewrite of a q8 head with per-column scales", () => {
  it("scores as the full per-column graph (activation quantization aside)", async () => {
    const model = perColumnHead();
    const full = await scores(await OnnxSession.fromBytes(model, "q8-per-column.onnx", { config, threads: 1 }), (data, row, seq) => {
      const base = (row * seq + seq - 1) * VOCAB;
      return SPEC.rows.reduce((sum, r) => sum + r.coefficient * (data[base + r.tokenId] as number), 0);
    });
    const rewritten = rewriteLmHeadToScore(model, SPEC, { source: "q8-per-column.onnx" });
    const got = await scores(await OnnxSession.fromBytes(rewritten, "q8-per-column-rewritten.onnx", { config, threads: 1 }), (data, row) => data[row] as number);
    const err = Math.max(...got.map((v, i) => Math.abs(v - (full[i] as number))));
    console.log(`[rewrite] q8 per-column head, rewrite vs full graph: ${err.toExponential(2)}`);
    // As for the per-tensor fixture: the full graph also quantizes the activation, the rewrite does not.
    expect(err).toBeLessThan(0.15);
    // One scale for every column would be off by far more: the factors differ by up to 4x.
    const spread = Math.max(...full.map(Math.abs));
    expect(spread).toBeGreaterThan(1);
  });
});
