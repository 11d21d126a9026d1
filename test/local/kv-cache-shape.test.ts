/**
 * The empty key/value cache rerank-kit feeds a decoder whose graph leaves the cache sizes
 * symbolic (as onnx-community exports do): its shape comes from config.json. Models with grouped
 * query attention have fewer key/value heads than attention heads (Qwen3-0.6B: 16 and 8, head_dim
 * 128 although hidden_size / heads = 64; Qwen2-0.5B: 14 and 2, no head_dim). The graph here
 * returns the shape of the cache it receives, so the test reads what reached the model.
 */
import { describe, expect, it } from "vitest";
import { OnnxSession } from "../../src/local/runtime/onnx-session.js";
import { ElemType, writeOnnxModel } from "../../src/local/runtime/onnx-writer.js";

const graph = writeOnnxModel({
  name: "kv-shape",
  opset: 17,
  inputs: [
    { name: "input_ids", elemType: ElemType.INT64, dims: ["batch", "seq"] },
    { name: "attention_mask", elemType: ElemType.INT64, dims: ["batch", "total"] },
    { name: "past_key_values.0.key", elemType: ElemType.FLOAT, dims: ["batch", "kv_heads", "past", "head_dim"] },
    { name: "past_key_values.0.value", elemType: ElemType.FLOAT, dims: ["batch", "kv_heads", "past", "head_dim"] },
  ],
  outputs: [
    { name: "key_shape", elemType: ElemType.FLOAT, dims: [4] },
    { name: "value_shape", elemType: ElemType.FLOAT, dims: [4] },
  ],
  nodes: [
    { op: "Shape", inputs: ["past_key_values.0.key"], outputs: ["key_dims"] },
    { op: "Shape", inputs: ["past_key_values.0.value"], outputs: ["value_dims"] },
    { op: "Cast", inputs: ["key_dims"], outputs: ["key_shape"], attrs: { to: ElemType.FLOAT } },
    { op: "Cast", inputs: ["value_dims"], outputs: ["value_shape"], attrs: { to: ElemType.FLOAT } },
  ],
});

const batch = {
  input_ids: { data: BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]), dims: [2, 3] as [number, number] },
  attention_mask: { data: BigInt64Array.from([1n, 1n, 1n, 0n, 1n, 1n]), dims: [2, 3] as [number, number] },
};

describe("the empty key/value cache of a graph with symbolic cache sizes", () => {
  it.each([
    ["Qwen3-0.6B (16 heads, 8 kv heads, head_dim 128)", { hidden_size: 1024, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 128 }, [2, 8, 0, 128]],
    ["Qwen2-0.5B (14 heads, 2 kv heads, no head_dim)", { hidden_size: 896, num_attention_heads: 14, num_key_value_heads: 2 }, [2, 2, 0, 64]],
    ["no num_key_value_heads (every head has its cache)", { hidden_size: 64, num_attention_heads: 4 }, [2, 4, 0, 16]],
    ["Gemma 3 (sizes nested in text_config)", { text_config: { hidden_size: 640, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 256 } }, [2, 1, 0, 256]],
  ])("%s", async (_label, config, expected) => {
    const session = await OnnxSession.fromBytes(graph, "kv-shape.onnx", { threads: 1, config });
    try {
      for (const output of ["key_shape", "value_shape"]) {
        expect(Array.from((await session.run(batch, output)).data, Number)).toEqual(expected);
      }
    } finally {
      await session.release();
    }
  });
});
