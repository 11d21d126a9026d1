/**
 * Decoder graphs in the onnx-community / transformers.js layout run as exported: positions,
 * the empty key/value cache, `num_logits_to_keep` / `use_cache_branch` are filled from the
 * graph's declaration; fp16, q8 (MatMulInteger), q4 (MatMulNBits) and external-data files load.
 * Reference: transformers' Qwen3ForCausalLM logits at the last position, left padded, on the
 * same weights (test/golden/decoders/qwen3-causal-lm, from scripts/reference/decoders.py).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/index.js";
import { OnnxSession } from "../../src/local/runtime/onnx-session.js";
import { ElemType, writeOnnxModel } from "../../src/local/runtime/onnx-writer.js";
import { positionIds } from "../../src/local/runtime/graph-inputs.js";
import { runMicroBatches } from "../../src/local/runtime/run-batches.js";

const CELL = join(import.meta.dirname, "..", "golden", "decoders", "qwen3-causal-lm");
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as {
  input_ids: number[][];
  token_ids: number[];
  last_logits: number[][];
  ort_last_logits: Record<string, number[][]>;
};
const config = JSON.parse(readFileSync(join(CELL, "config.json"), "utf8")) as Record<string, unknown>;
const PAD = golden.token_ids[2] as number;

/** Last-position logits of the golden token ids, every text in one left-padded batch. */
async function lastLogits(file: string, logitsToKeep?: number): Promise<number[][]> {
  const session = await OnnxSession.create(join(CELL, file), { config, threads: 1 });
  const vocab = Number(config["vocab_size"]);
  try {
    return await runMicroBatches(
      session,
      golden.input_ids.map((ids) => ({ ids })),
      { output: "logits", padId: PAD, padding: "left", logitsToKeep },
      ({ output, row, seq }) => {
        const rows = output.dims[1] as number;
        expect(rows).toBe(logitsToKeep === 1 ? 1 : seq);
        const base = (row * rows + rows - 1) * vocab;
        return golden.token_ids.map((t) => output.data[base + t] as number);
      },
    );
  } finally {
    await session.release();
  }
}

function maxAbs(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - (b[i]?.[j] as number)))));
}

describe("decoder graph inputs", () => {
  it("position ids follow transformers for left padding: cumsum(mask) - 1, padding at 1", () => {
    const mask = BigInt64Array.from([0n, 0n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n]);
    expect(Array.from(positionIds(mask, 2, 5), Number)).toEqual([1, 1, 0, 1, 2, 0, 1, 2, 3, 1]);
  });

  it("plans every input of the onnx-community layout, sizing the cache from the graph", async () => {
    const session = await OnnxSession.create(join(CELL, "onnx/model.onnx"), { config, threads: 1 });
    expect(session.decoder).toBe(true);
    expect(session.inputs.cacheLayers).toBe(2);
    const past = session.inputs.inputs.filter((i) => i.kind === "past");
    expect(past).toHaveLength(4);
    expect(past[0]).toMatchObject({ name: "past_key_values.0.key", dtype: "float32", heads: 2, headSize: 16 });
    await session.release();
  });

  it("fp32 matches transformers' last-position logits within 1e-4 (left padded batch)", async () => {
    expect(maxAbs(await lastLogits("onnx/model.onnx"), golden.last_logits)).toBeLessThan(1e-4);
  });

  it("external data (model.onnx + model.onnx_data) loads and scores the same", async () => {
    expect(maxAbs(await lastLogits("external/model.onnx"), golden.last_logits)).toBeLessThan(1e-4);
  });

  // fp16 and quantized graphs differ from transformers by their own rounding; their reference is
  // the same file run by onnxruntime in Python with transformers.js' feeds (same batch, so q8's
  // dynamic activation scales match too).
  // q8's Python run was recorded on an AVX-512 VNNI CPU; where VNNI is missing, ONNX Runtime's
  // uint8 x int8 kernel saturates (0.234 off it), and OnnxSession sets `session.x64quantprecision`
  // there, so the file matches that run on every CPU (int8-weights-u8.ts).
  it.each([
    ["fp16 (half cache inputs and outputs)", "onnx/model_fp16.onnx", 1e-2],
    ["q8 (DynamicQuantizeLinear + MatMulInteger)", "onnx/model_quantized.onnx", 0.3],
    ["q4 (MatMulNBits)", "onnx/model_q4.onnx", 0.5],
    ["q4, embedding via GatherBlockQuantized on the head's weight", "onnx/model_q4_shared.onnx", 0.6],
  ])("%s matches onnxruntime's run of the same file within 1e-4", async (_label, file, fromTransformers) => {
    const got = await lastLogits(file);
    const want = golden.ort_last_logits[file] as number[][];
    expect(maxAbs(got, want)).toBeLessThan(1e-4);
    expect(maxAbs(got, golden.last_logits)).toBeLessThan(fromTransformers);
  });

  it("num_logits_to_keep, use_cache_branch and position_ids are fed when declared", async () => {
    const bytes = writeOnnxModel({
      name: "echo",
      opset: 17,
      inputs: [
        { name: "input_ids", elemType: ElemType.INT64, dims: ["b", "s"] },
        { name: "attention_mask", elemType: ElemType.INT64, dims: ["b", "s"] },
        { name: "position_ids", elemType: ElemType.INT64, dims: ["b", "s"] },
        { name: "num_logits_to_keep", elemType: ElemType.INT64, dims: [] },
        { name: "use_cache_branch", elemType: 9, dims: [1] },
      ],
      outputs: [
        { name: "positions", elemType: ElemType.FLOAT, dims: ["b", "s"] },
        { name: "keep", elemType: ElemType.FLOAT, dims: [] },
        { name: "branch", elemType: ElemType.FLOAT, dims: [1] },
      ],
      nodes: [
        { op: "Cast", inputs: ["position_ids"], outputs: ["positions"], attrs: { to: ElemType.FLOAT } },
        { op: "Cast", inputs: ["num_logits_to_keep"], outputs: ["keep"], attrs: { to: ElemType.FLOAT } },
        { op: "Cast", inputs: ["use_cache_branch"], outputs: ["branch"], attrs: { to: ElemType.FLOAT } },
      ],
    });
    const session = await OnnxSession.fromBytes(bytes, "echo.onnx", { threads: 1 });
    const feeds = {
      input_ids: { data: BigInt64Array.from([0n, 7n, 8n]), dims: [1, 3] as [number, number] },
      attention_mask: { data: BigInt64Array.from([0n, 1n, 1n]), dims: [1, 3] as [number, number] },
    };
    expect(Array.from((await session.run(feeds, "positions")).data)).toEqual([1, 0, 1]);
    expect(Array.from((await session.run(feeds, "keep", { logitsToKeep: 1 })).data)).toEqual([1]);
    expect(Array.from((await session.run(feeds, "keep")).data)).toEqual([0]);
    expect(Array.from((await session.run(feeds, "branch")).data)).toEqual([0]);
    await session.release();
  });
});

describe("graph inputs rerank-kit cannot fill", () => {
  function graphWith(extra: { name: string; elemType: number; dims: (number | string)[] }): Uint8Array {
    return writeOnnxModel({
      name: "extra-input",
      opset: 17,
      inputs: [{ name: "input_ids", elemType: ElemType.INT64, dims: ["b", "s"] }, extra],
      outputs: [{ name: "logits", elemType: ElemType.INT64, dims: ["b", "s"] }],
      nodes: [{ op: "Identity", inputs: ["input_ids"], outputs: ["logits"] }],
    });
  }

  it("an unknown input is a ModelLoadError naming it, not a raw ONNX Runtime error", async () => {
    const bytes = graphWith({ name: "pixel_values", elemType: ElemType.FLOAT, dims: ["b", 3, 224, 224] });
    const err = await OnnxSession.fromBytes(bytes, "vision.onnx").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toContain('"pixel_values"');
    expect((err as ModelLoadError).path).toBe("vision.onnx");
  });

  it("a cache input with symbolic sizes and no config sizes is a ModelLoadError naming it", async () => {
    const bytes = graphWith({ name: "past_key_values.0.key", elemType: ElemType.FLOAT, dims: ["b", "h", "p", "d"] });
    const err = await OnnxSession.fromBytes(bytes, "kv.onnx").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toContain('"past_key_values.0.key"');
    expect((err as Error).message).toContain("num_key_value_heads");
    // ...and config.json fills it in.
    const ok = await OnnxSession.fromBytes(bytes, "kv.onnx", { config: { num_key_value_heads: 2, head_dim: 8 } });
    expect(ok.inputs.inputs[1]).toMatchObject({ kind: "past", heads: 2, headSize: 8 });
    await ok.release();
  });
});
