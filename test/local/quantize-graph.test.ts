/**
 * quantizeGraph on small hand-built graphs, run with ONNX Runtime: which MatMuls become int8,
 * what the int8 graph computes, which fp32 weights it keeps, external data it inlines, and the
 * errors it raises. The expected values come from the weights (float math in the test), never
 * from the quantizer.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { opCounts, quantizeGraph } from "../../src/local/quantize/quantize-graph.js";
import { parseModel, serializeModel } from "../../src/local/runtime/onnx-proto.js";
import { bytes, concat, int } from "../../src/local/runtime/onnx-writer.js";
import { floatTensor, Graph, int64Tensor } from "../fixtures/onnx/graph.js";
import { DataType, encodeModel } from "../fixtures/onnx/onnx-proto.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "rk-qgraph-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const K = 4;
const N = 3;
/**
 * Weights whose rows 0/1 and 2/3 have opposite signs in every column: ONNX Runtime's u8 x s8 GEMM
 * on AVX2 without VNNI adds adjacent products in int16 and saturates when two large ones share a
 * sign, which would blur the int8 error these tests measure. W1's columns differ 1000x in
 * magnitude, so one scale for all would flatten column 2.
 */
const W1 = [0.9, -0.3, 0.0021, -0.5, 0.7, -0.0013, 0.25, 0.1, 0.0007, -0.8, -0.6, -0.0019];
const W2 = [0.2, -0.4, 0.6, -0.8, 1.0, -0.3, -0.7, 0.5, 0.1, 0.05, -0.9, -0.2];
const X = [0.3, -1.2, 0.8, 0.5, -0.4, 0.9, 1.1, -0.6];

/** Row-major [2, K] x [K, N] in float64. */
function matmul(x: readonly number[], w: readonly number[], k = K, n = N): number[] {
  const rows = x.length / k;
  return Array.from({ length: rows * n }, (_, p) => {
    const i = Math.floor(p / n);
    const j = p % n;
    let s = 0;
    for (let t = 0; t < k; t++) s += (x[i * k + t] as number) * (w[t * n + j] as number);
    return s;
  });
}

/**
 * X [2, K] -> MatMul(X, W1) and MatMul(X, W2) (the same activation), a 3-element weight, a
 * MatMul of two activations, and W1 read once more by ReduceSum (so it must stay in the graph).
 */
function graph(): Uint8Array {
  const g = new Graph("q");
  const x = g.input("x", DataType.FLOAT, [2, K]);
  const w1 = g.init("w1", floatTensor([K, N], W1));
  const w2 = g.init("w2", floatTensor([K, N], W2));
  const small = g.init("small", floatTensor([N, 1], [0.5, -0.25, 2]));
  const y1 = g.op("MatMul", [x, w1]);
  const y2 = g.op("MatMul", [x, w2]);
  const y3 = g.op("MatMul", [y1, small]);
  const xt = g.op("Transpose", [x], { perm: [1, 0] });
  const gram = g.op("MatMul", [x, xt]);
  const sum = g.op("ReduceSum", [w1], { keepdims: 0 });
  g.output("y1", y1, DataType.FLOAT, [2, N]);
  g.output("y2", y2, DataType.FLOAT, [2, N]);
  g.output("y3", y3, DataType.FLOAT, [2, 1]);
  g.output("gram", gram, DataType.FLOAT, [2, 2]);
  g.output("w1sum", sum, DataType.FLOAT, []);
  return g.toBytes();
}

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float32Array)]));
  } finally {
    await session.release();
  }
}
const feeds = () => ({ x: new ort.Tensor("float32", Float32Array.from(X), [2, K]) });
const maxErr = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
const weightNames = (model: Uint8Array) => parseModel(model, "m").initializers.map((t) => t.name);

describe("quantizeGraph on a small graph", () => {
  it("quantizes every constant 2-D weight, keeps activation products fp32, and computes what the weights compute", async () => {
    const r = quantizeGraph(graph());
    expect({ quantized: r.quantized, kept: r.kept }).toEqual({ quantized: 3, kept: 1 });
    const ops = opCounts(r.model);
    expect(ops["MatMulInteger"]).toBe(3);
    // y1 and y2 read the same activation: it is quantized once; y3's input is another one.
    expect(ops["DynamicQuantizeLinear"]).toBe(2);
    expect(ops["MatMul"]).toBe(1);
    const out = await run(r.model, feeds());
    const y1 = matmul(X, W1);
    const y2 = matmul(X, W2);
    // int8 error: within a few quantization steps of |x| * |w|, but not exact.
    expect(maxErr(out["y1"]!, y1)).toBeLessThan(0.05);
    expect(maxErr(out["y2"]!, y2)).toBeLessThan(0.05);
    expect(maxErr(out["y2"]!, y2)).toBeGreaterThan(1e-5);
    expect(maxErr(out["y3"]!, matmul(y1, [0.5, -0.25, 2], N, 1))).toBeLessThan(0.1);
    expect(maxErr(out["gram"]!, matmul(X, [X[0]!, X[4]!, X[1]!, X[5]!, X[2]!, X[6]!, X[3]!, X[7]!], K, 2))).toBeLessThan(1e-5);
    // W1 is still read by ReduceSum, so its fp32 copy stays; W2 and `small` are only int8 now.
    expect(out["w1sum"]![0]).toBeCloseTo(W1.reduce((s, v) => s + v, 0), 5);
    const names = weightNames(r.model);
    expect(names).toContain("w1");
    expect(names).not.toContain("w2");
    expect(names).not.toContain("small");
  });

  it("per column keeps a column 1000x smaller than the others accurate; per tensor rounds it away", async () => {
    const exact = matmul(X, W1).filter((_, p) => p % N === 2);
    const col2 = (o: number[]) => o.filter((_, p) => p % N === 2);
    const perColumn = col2((await run(quantizeGraph(graph()).model, feeds()))["y1"]!);
    const perTensor = col2((await run(quantizeGraph(graph(), { granularity: "per-tensor" }).model, feeds()))["y1"]!);
    // Column 2 spans +-0.0021: its own step is 1.7e-5, the tensor's step (0.9 / 127) is 300x that.
    expect(maxErr(perColumn, exact)).toBeLessThan(2e-4);
    expect(maxErr(perTensor, exact)).toBeGreaterThan(1e-3);
  });

  it("minElements keeps smaller weights fp32 and counts them as kept", async () => {
    const r = quantizeGraph(graph(), { minElements: 12 });
    expect({ quantized: r.quantized, kept: r.kept }).toEqual({ quantized: 2, kept: 2 });
    expect(weightNames(r.model)).toContain("small");
    // 12 elements at minElements 12 are quantized (above); at 13 nothing is left to quantize.
    expect(() => quantizeGraph(graph(), { minElements: 13, source: "tiny.onnx" })).toThrow(ModelLoadError);
    expect(() => quantizeGraph(graph(), { minElements: 13, source: "tiny.onnx" })).toThrow(
      "tiny.onnx: no MatMul with a constant float weight of at least 13 elements; nothing to quantize",
    );
  });

  it("a zero weight column quantizes to zeros (no NaN from a zero scale)", async () => {
    const g = new Graph("z");
    const x = g.input("x", DataType.FLOAT, [2, K]);
    const w = g.init("w", floatTensor([K, 2], [0, 1, 0, -1, 0, 0.5, 0, -0.25]));
    g.output("y", g.op("MatMul", [x, w]), DataType.FLOAT, [2, 2]);
    const out = (await run(quantizeGraph(g.toBytes()).model, feeds()))["y"]!;
    expect(out[0]).toBe(0);
    expect(out[2]).toBe(0);
    expect(maxErr(out, matmul(X, [0, 1, 0, -1, 0, 0.5, 0, -0.25], K, 2))).toBeLessThan(0.05);
  });
});

/** A one-node graph of `op` (not meant to run: the quantizer refuses it before). */
function oneNode(op: string, domain?: string): Uint8Array {
  return encodeModel({
    name: "g",
    nodes: [{ opType: op, inputs: ["a", "b"], outputs: ["y"], name: `my_${op}`, attrs: {}, ...(domain && { domain }) }],
    initializers: [{ name: "b", tensor: floatTensor([2, 2], [1, 2, 3, 4]) }],
    inputs: [{ name: "a", elemType: DataType.FLOAT, dims: [1, 2] }],
    outputs: [{ name: "y", elemType: DataType.FLOAT, dims: [1, 2] }],
    opsets: { "": 17 },
  });
}

describe("quantizeGraph refuses", () => {
  it.each(["MatMulInteger", "DynamicQuantizeMatMul", "QLinearMatMul", "MatMulNBits", "DequantizeLinear"])("a graph that already has a %s node", (op) => {
    expect(() => quantizeGraph(oneNode(op), { source: "q.onnx" })).toThrow(ModelLoadError);
    expect(() => quantizeGraph(oneNode(op), { source: "q.onnx" })).toThrow(`q.onnx is already quantized (it has a ${op} node, my_${op}); quantize the fp32 model`);
  });

  it("a graph whose MatMuls have no constant 2-D float weight (3-D, int64, custom domain), naming model.onnx by default", () => {
    const g = new Graph("none");
    const x = g.input("x", DataType.FLOAT, [1, 2, 2]);
    g.output("y", g.op("MatMul", [x, g.init("w3", floatTensor([1, 2, 2], [1, 2, 3, 4]))]), DataType.FLOAT, [1, 2, 2]);
    const i = g.input("i", DataType.INT64, [2, 2]);
    g.output("z", g.op("MatMul", [i, g.init("wi", int64Tensor([2, 2], [1, 2, 3, 4]))]), DataType.INT64, [2, 2]);
    g.output("c", g.op("MatMul", [x, g.init("wc", floatTensor([2, 2], [1, 2, 3, 4]))], {}, { domain: "com.example" }), DataType.FLOAT, [1, 2, 2]);
    expect(() => quantizeGraph(g.toBytes())).toThrow("model.onnx: no MatMul with a constant float weight of at least 0 elements; nothing to quantize");
  });

  it("bytes that are not an ONNX model", () => {
    expect(() => quantizeGraph(Uint8Array.from([0xff, 0xff, 0xff]), { source: "junk.onnx" })).toThrow(ModelLoadError);
  });
});

/** Every node unnamed: the quantizer must still give each quantized MatMul its own weights. */
describe("quantizeGraph naming", () => {
  it("two unnamed MatMuls, and weights and activations whose names are not plain, still load and compute", async () => {
    const model = encodeModel({
      name: "u",
      nodes: [
        { opType: "MatMul", inputs: ["/in:put 0", "/w:1"], outputs: ["y1"], name: "", attrs: {} },
        { opType: "MatMul", inputs: ["/in:put 0", "w 2"], outputs: ["y2"], name: "", attrs: {} },
      ],
      initializers: [
        { name: "/w:1", tensor: floatTensor([K, N], W1) },
        { name: "w 2", tensor: floatTensor([K, N], W2) },
      ],
      inputs: [{ name: "/in:put 0", elemType: DataType.FLOAT, dims: [2, K] }],
      outputs: [
        { name: "y1", elemType: DataType.FLOAT, dims: [2, N] },
        { name: "y2", elemType: DataType.FLOAT, dims: [2, N] },
      ],
      opsets: { "": 17 },
    });
    const r = quantizeGraph(model);
    expect(r.quantized).toBe(2);
    const out = await run(r.model, { "/in:put 0": new ort.Tensor("float32", Float32Array.from(X), [2, K]) });
    expect(maxErr(out["y1"]!, matmul(X, W1))).toBeLessThan(0.05);
    expect(maxErr(out["y2"]!, matmul(X, W2))).toBeLessThan(0.05);
    expect(maxErr(out["y1"]!, out["y2"]!)).toBeGreaterThan(0.1);
  });
});

describe("quantizeGraph keeps names apart and other tensors as they are", () => {
  it("node names that differ only in a character ONNX names may hold stay different weights", async () => {
    const model = encodeModel({
      name: "n",
      nodes: [
        { opType: "MatMul", inputs: ["x", "w1"], outputs: ["y1"], name: "mm:0", attrs: {} },
        { opType: "MatMul", inputs: ["x", "w2"], outputs: ["y2"], name: "mm0", attrs: {} },
        { opType: "MatMul", inputs: ["x", "w1"], outputs: ["y3"], name: "mm/0", attrs: {} },
      ],
      initializers: [
        { name: "w1", tensor: floatTensor([K, N], W1) },
        { name: "w2", tensor: floatTensor([K, N], W2) },
      ],
      inputs: [{ name: "x", elemType: DataType.FLOAT, dims: [2, K] }],
      outputs: [
        { name: "y1", elemType: DataType.FLOAT, dims: [2, N] },
        { name: "y2", elemType: DataType.FLOAT, dims: [2, N] },
        { name: "y3", elemType: DataType.FLOAT, dims: [2, N] },
      ],
      opsets: { "": 17 },
    });
    const out = await run(quantizeGraph(model).model, feeds());
    expect(maxErr(out["y3"]!, matmul(X, W1))).toBeLessThan(0.05);
    expect(maxErr(out["y1"]!, matmul(X, W1))).toBeLessThan(0.05);
    expect(maxErr(out["y2"]!, matmul(X, W2))).toBeLessThan(0.05);
  });

  it("names that sanitize to one name, or a node named like its input, get added names of their own", async () => {
    // Exporter-style names: ":" and " " become "_", so "/enc/mm:0", "/enc/mm_0" and "/enc/mm 0"
    // meet (a second suffix too), as do the activations "in:1" and "in_1"; the node "x" would
    // share names with the quantized activation x.
    const X2 = X.map((v) => -2 * v + 0.1);
    const model = encodeModel({
      name: "c",
      nodes: [
        { opType: "MatMul", inputs: ["x", "w1"], outputs: ["y1"], name: "/enc/mm:0", attrs: {} },
        { opType: "MatMul", inputs: ["x", "w2"], outputs: ["y2"], name: "/enc/mm_0", attrs: {} },
        { opType: "MatMul", inputs: ["in:1", "w1"], outputs: ["y3"], name: "x", attrs: {} },
        { opType: "MatMul", inputs: ["in_1", "w2"], outputs: ["y4"], name: "dec/m4", attrs: {} },
        { opType: "MatMul", inputs: ["x", "w1"], outputs: ["y5"], name: "/enc/mm 0", attrs: {} },
      ],
      initializers: [
        { name: "w1", tensor: floatTensor([K, N], W1) },
        { name: "w2", tensor: floatTensor([K, N], W2) },
      ],
      inputs: ["x", "in:1", "in_1"].map((name) => ({ name, elemType: DataType.FLOAT, dims: [2, K] })),
      outputs: ["y1", "y2", "y3", "y4", "y5"].map((name) => ({ name, elemType: DataType.FLOAT, dims: [2, N] })),
      opsets: { "": 17 },
    });
    const r = quantizeGraph(model);
    expect(r.quantized).toBe(5);
    // Before names were made unique, ONNX Runtime refused this graph (a name defined twice).
    const out = await run(r.model, {
      x: new ort.Tensor("float32", Float32Array.from(X), [2, K]),
      "in:1": new ort.Tensor("float32", Float32Array.from(X2), [2, K]),
      "in_1": new ort.Tensor("float32", Float32Array.from(X.slice().reverse()), [2, K]),
    });
    expect(maxErr(out["y1"]!, matmul(X, W1))).toBeLessThan(0.05);
    expect(maxErr(out["y2"]!, matmul(X, W2))).toBeLessThan(0.05);
    expect(maxErr(out["y3"]!, matmul(X2, W1))).toBeLessThan(0.1);
    expect(maxErr(out["y4"]!, matmul(X.slice().reverse(), W2))).toBeLessThan(0.05);
    expect(maxErr(out["y5"]!, matmul(X, W1))).toBeLessThan(0.05);
    const parsed = parseModel(r.model, "c");
    const outputs = parsed.nodes.flatMap((n) => n.outputs);
    const nodeNames = parsed.nodes.map((n) => n.name);
    expect(new Set(outputs).size).toBe(outputs.length);
    expect(new Set(nodeNames).size).toBe(nodeNames.length);
    // The first keeps the sanitized name (readable in a profile); a later one gets a suffix.
    expect(weightNames(r.model).filter((w) => w.endsWith("/W_quantized"))).toEqual([
      "/rerank_kit/q8/enc/mm_0/W_quantized",
      "/rerank_kit/q8/enc/mm_0_1/W_quantized",
      "/rerank_kit/q8/x_1/W_quantized",
      "/rerank_kit/q8/dec/m4/W_quantized",
      "/rerank_kit/q8/enc/mm_0_2/W_quantized",
    ]);
  });

  it("inline tensors of other types (uint8 here) are kept as they are", async () => {
    const g = new Graph("u8");
    const x = g.input("x", DataType.FLOAT, [2, K]);
    const y = g.op("MatMul", [x, g.init("w", floatTensor([K, N], W2))]);
    const bias = g.init("bias", { dataType: DataType.UINT8, dims: [1], raw: Uint8Array.from([9]) });
    g.output("y", g.op("Add", [y, g.op("Cast", [bias], { to: DataType.FLOAT })]), DataType.FLOAT, [2, N]);
    const out = (await run(quantizeGraph(g.toBytes()).model, feeds()))["y"]!;
    expect(maxErr(out, matmul(X, W2).map((v) => v + 9))).toBeLessThan(0.05);
  });
});

describe("quantizeGraph leaves other ops alone", () => {
  it("an Add of a 2-D float constant stays an exact fp32 Add", async () => {
    const g = new Graph("add");
    const x = g.input("x", DataType.FLOAT, [2, K]);
    const b = g.init("b", floatTensor([2, K], [1, 2, 3, 4, 5, 6, 7, 8]));
    const y = g.op("Add", [x, b]);
    g.output("z", g.op("MatMul", [y, g.init("w", floatTensor([K, N], W2))]), DataType.FLOAT, [2, N]);
    g.output("y", y, DataType.FLOAT, [2, K]);
    const r = quantizeGraph(g.toBytes());
    expect({ quantized: r.quantized, kept: r.kept }).toEqual({ quantized: 1, kept: 0 });
    const out = await run(r.model, feeds());
    expect(maxErr(out["y"]!, X.map((v, i) => v + i + 1))).toBeLessThan(1e-6);
  });

  it("opCounts names model.onnx when the bytes are not a model", () => {
    expect(() => opCounts(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(/^model\.onnx is not a readable ONNX model/);
    expect(opCounts(graph())).toMatchObject({ MatMul: 4, Transpose: 1, ReduceSum: 1 });
  });
});

/** A TensorProto whose data is at `offset` in `location` (external data). */
function externalTensor(name: string, dims: number[], dataType: number, location: string, offset: number, length: number): Uint8Array {
  const entry = (k: string, v: string) => bytes(13, concat([bytes(1, k), bytes(2, v)]));
  return concat([...dims.map((d) => int(1, d)), int(2, dataType), bytes(8, name), entry("location", location), entry("offset", String(offset)), entry("length", String(length)), int(14, 1)]);
}

describe("quantizeGraph with external data", () => {
  /**
   * x [2, K] -> MatMul(x, w) + Reshape(., shape) + Add(., bias): w (float), shape (int64) and
   * bias (int32 cast to float) all in one external file.
   */
  function externalModel(dir: string, biasType: number = DataType.INT32): Uint8Array {
    const g = new Graph("ext");
    const x = g.input("x", DataType.FLOAT, [2, K]);
    const y = g.op("MatMul", [x, g.init("w", floatTensor([K, N], [0]))]);
    const flat = g.op("Reshape", [y, g.init("shape", int64Tensor([1], [0]))]);
    g.output("y", g.op("Add", [flat, g.op("Cast", [g.init("bias", floatTensor([1], [0]))], { to: DataType.FLOAT })]), DataType.FLOAT, [2 * N]);
    const parsed = parseModel(g.toBytes(), "ext");
    const w = Buffer.from(Float32Array.from(W2).buffer);
    const shape = Buffer.from(BigInt64Array.from([BigInt(2 * N)]).buffer);
    const bias = biasType === DataType.INT32 ? Buffer.from(Int32Array.from([-3]).buffer) : Buffer.from([7]);
    writeFileSync(join(dir, "model.onnx_data"), Buffer.concat([w, shape, bias]));
    const ext: Record<string, Uint8Array> = {
      w: externalTensor("w", [K, N], DataType.FLOAT, "model.onnx_data", 0, w.length),
      shape: externalTensor("shape", [1], DataType.INT64, "model.onnx_data", w.length, shape.length),
      bias: externalTensor("bias", [1], biasType, "model.onnx_data", w.length + shape.length, bias.length),
    };
    return serializeModel({
      modelFields: parsed.modelFields,
      graphFields: parsed.graphFields,
      nodes: parsed.nodes.map((n) => n.raw),
      initializers: parsed.initializers.map((t) => ext[t.name] ?? t.raw),
      outputs: parsed.outputs.map((o) => o.raw),
    });
  }

  it("reads the weight from the external file and writes every tensor inline (float, int64, int32)", async () => {
    const dir = tmp();
    const r = quantizeGraph(externalModel(dir), { externalDataDir: dir });
    expect(r.quantized).toBe(1);
    // The written model runs from memory, with no external file beside it.
    rmSync(join(dir, "model.onnx_data"));
    const out = (await run(r.model, feeds()))["y"]!;
    const expected = matmul(X, W2).map((v) => v - 3);
    expect(out).toHaveLength(2 * N);
    expect(maxErr(out, expected)).toBeLessThan(0.05);
  });

  it("inlines an external float tensor that stays fp32 (a weight another node reads too)", async () => {
    const dir = tmp();
    const g = new Graph("ext-kept");
    const x = g.input("x", DataType.FLOAT, [2, K]);
    const w = g.init("w", floatTensor([K, N], [0]));
    g.output("y", g.op("MatMul", [x, w]), DataType.FLOAT, [2, N]);
    g.output("wsum", g.op("ReduceSum", [w], { keepdims: 0 }), DataType.FLOAT, []);
    const parsed = parseModel(g.toBytes(), "ext-kept");
    const data = Buffer.from(Float32Array.from(W2).buffer);
    writeFileSync(join(dir, "model.onnx_data"), data);
    const model = serializeModel({
      modelFields: parsed.modelFields,
      graphFields: parsed.graphFields,
      nodes: parsed.nodes.map((n) => n.raw),
      initializers: [externalTensor("w", [K, N], DataType.FLOAT, "model.onnx_data", 0, data.length)],
      outputs: parsed.outputs.map((o) => o.raw),
    });
    const r = quantizeGraph(model, { externalDataDir: dir });
    rmSync(join(dir, "model.onnx_data"));
    expect(weightNames(r.model)).toContain("w");
    const out = await run(r.model, feeds());
    expect(out["wsum"]![0]).toBeCloseTo(W2.reduce((s, v) => s + v, 0), 5);
    expect(maxErr(out["y"]!, matmul(X, W2))).toBeLessThan(0.05);
  });

  it("refuses an external tensor of a type it cannot inline, naming it", () => {
    const dir = tmp();
    expect(() => quantizeGraph(externalModel(dir, DataType.UINT8), { externalDataDir: dir, source: "e.onnx" })).toThrow(
      "e.onnx: external tensor bias has data type 2, which the quantizer cannot inline",
    );
  });
});
