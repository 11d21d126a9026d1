/**
 * Dynamic int8 quantization of an fp32 ONNX graph in JavaScript: every `MatMul` whose right
 * operand is a constant 2-D float weight becomes the pattern ONNX Runtime's `quantize_dynamic`
 * writes (`DynamicQuantizeLinear` -> `MatMulInteger` -> `Cast` -> `Mul`), with int8 weights
 * quantized symmetrically per output column. Standard ONNX ops only, so other runtimes load it;
 * ONNX Runtime fuses it into `DynamicQuantizeMatMul` / `MatMulIntegerToFloat`, whose uint8 x int8
 * GEMM is the one MLAS runs on AMX / AVX-512 VNNI (measured in bench/int8.ts).
 */
import { ModelLoadError } from "../../errors/model-load-error.js";
import { elementCount, parseModel, readElements, serializeModel, type NodeInfo, type TensorInfo } from "../runtime/onnx-proto.js";
import { ElemType, encodeNode, encodeTensor, type NodeSpec } from "../runtime/onnx-writer.js";

/** Options of {@link quantizeGraph}. */
export interface QuantizeGraphOptions {
  /** Folder of the model's external data files, when its weights are there. */
  externalDataDir?: string | undefined;
  /** Named in errors. @default "model.onnx" */
  source?: string | undefined;
  /**
   * `per-column`: one scale per output column (the default: never a coarser step than per tensor,
   * and measured as fast, bench/int8.ts). `per-tensor`: one scale per weight, as
   * `quantize_dynamic(per_channel=False)` and Xenova's q8 files have.
   */
  granularity?: "per-column" | "per-tensor" | undefined;
  /** Weights with fewer elements stay fp32. @default 0 (every constant 2-D weight, as quantize_dynamic) */
  minElements?: number | undefined;
}

/** What {@link quantizeGraph} did. */
export interface QuantizeGraphResult {
  /** The quantized model, every weight inline. */
  model: Uint8Array;
  /** MatMuls turned into int8. */
  quantized: number;
  /** MatMuls left in fp32 (dynamic right operand, or a weight below `minElements`). */
  kept: number;
}

/** Symmetric int8 quantization of a row-major `[k, n]` weight, per column or per tensor. */
export function quantizeWeight(w: Float32Array | number[], k: number, n: number, perColumn: boolean): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(perColumn ? n : 1);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      const a = Math.abs(w[i * n + j] as number);
      const s = perColumn ? j : 0;
      if (a > (scale[s] as number)) scale[s] = a;
    }
  }
  for (let s = 0; s < scale.length; s++) scale[s] = (scale[s] as number) > 0 ? (scale[s] as number) / 127 : 1;
  const q = new Int8Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      const v = Math.round((w[i * n + j] as number) / (scale[perColumn ? j : 0] as number));
      q[i * n + j] = Math.max(-127, Math.min(127, v));
    }
  }
  return { q, scale };
}

/**
 * Quantizes the weight MatMuls of an fp32 model (see the module comment). Embedding lookups,
 * attention products and elementwise ops stay fp32: quantizing the attention products would need
 * per-run scales of both operands and measured no faster, and the embeddings are gathers.
 * External data is read and the result keeps every weight inline (int8 makes a model 4x smaller).
 * @throws {ModelLoadError} when the bytes are not an ONNX model, no MatMul has a constant weight
 *   (nothing to quantize), or the graph already holds integer MatMuls.
 */
export function quantizeGraph(model: Uint8Array, options: QuantizeGraphOptions = {}): QuantizeGraphResult {
  const source = options.source ?? "model.onnx";
  const perColumn = (options.granularity ?? "per-column") === "per-column";
  const minElements = options.minElements ?? 0;
  const parsed = parseModel(model, source);
  const inits = new Map(parsed.initializers.map((t) => [t.name, t]));
  const already = parsed.nodes.find((n) => ["MatMulInteger", "DynamicQuantizeMatMul", "QLinearMatMul", "MatMulNBits", "DequantizeLinear"].includes(n.op));
  if (already) {
    throw new ModelLoadError(`${source} is already quantized (it has a ${already.op} node, ${already.name}); quantize the fp32 model`, { path: source });
  }
  const consumers = new Map<string, number>();
  for (const n of parsed.nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);

  const nodes: Uint8Array[] = [];
  const added: Uint8Array[] = [];
  const replacedWeights = new Map<string, number>();
  const quantizedInputs = new Map<string, [string, string, string]>();
  let quantized = 0;
  let kept = 0;
  let index = 0;
  const prefixes = new Set<string>();
  const emit = (spec: NodeSpec) => nodes.push(encodeNode(spec, index++));
  for (const node of parsed.nodes) {
    const w = node.op === "MatMul" && !node.domain ? inits.get(node.inputs[1] ?? "") : undefined;
    if (!w || !isQuantizable(w, minElements)) {
      if (node.op === "MatMul") kept++;
      nodes.push(node.raw);
      continue;
    }
    const [k, n] = w.dims as [number, number];
    // Inline float32 data is read as one typed array (number[] per element is 10x slower).
    const values =
      w.rawData && w.rawData.length === elementCount(w.dims) * 4
        ? new Float32Array(Uint8Array.from(w.rawData).buffer) // a copy: Buffer.slice would be a view
        : readElements(w, range(elementCount(w.dims)), options.externalDataDir, source);
    const { q, scale } = quantizeWeight(values, k, n, perColumn);
    const base = uniquePrefix(prefixes, sanitize(node.name || `MatMul_${quantized}`));
    const wq = `${base}/W_quantized`;
    const wScale = `${base}/W_scale`;
    const wZero = `${base}/W_zero_point`;
    const zeroDims = perColumn ? [n] : [];
    added.push(
      encodeTensor(wq, [k, n], ElemType.INT8, new Uint8Array(q.buffer)),
      encodeTensor(wScale, perColumn ? [n] : [], ElemType.FLOAT, new Uint8Array(scale.buffer)),
      encodeTensor(wZero, zeroDims, ElemType.INT8, new Uint8Array(perColumn ? n : 1)),
    );
    replacedWeights.set(w.name, (replacedWeights.get(w.name) ?? 0) + 1);
    const x = node.inputs[0] as string;
    let xq = quantizedInputs.get(x);
    if (!xq) {
      // One DynamicQuantizeLinear per activation, shared by Q, K and V (as quantize_dynamic does).
      const p = uniquePrefix(prefixes, sanitize(x));
      xq = [`${p}/quantized`, `${p}/scale`, `${p}/zero_point`];
      emit({ op: "DynamicQuantizeLinear", inputs: [x], outputs: [...xq], name: `${p}/DynamicQuantizeLinear` });
      quantizedInputs.set(x, xq);
    }
    const out = node.outputs[0] as string;
    emit({ op: "MatMulInteger", inputs: [xq[0], wq, xq[2], wZero], outputs: [`${base}/int32`], name: `${base}/MatMulInteger` });
    emit({ op: "Cast", inputs: [`${base}/int32`], outputs: [`${base}/float`], attrs: { to: ElemType.FLOAT }, name: `${base}/Cast` });
    emit({ op: "Mul", inputs: [xq[1], wScale], outputs: [`${base}/scale`], name: `${base}/ScaleMul` });
    emit({ op: "Mul", inputs: [`${base}/float`, `${base}/scale`], outputs: [out], name: `${base}/Mul` });
    quantized++;
  }
  if (quantized === 0) {
    throw new ModelLoadError(`${source}: no MatMul with a constant float weight of at least ${minElements} elements; nothing to quantize`, { path: source });
  }
  // Drop fp32 weights no other node reads.
  const initializers = parsed.initializers
    .filter((t) => !replacedWeights.has(t.name) || (consumers.get(t.name) ?? 0) > (replacedWeights.get(t.name) ?? 0))
    .map((t) => inlineTensor(t, options.externalDataDir, source));
  const bytes = serializeModel({
    modelFields: parsed.modelFields,
    graphFields: parsed.graphFields,
    nodes,
    initializers: [...initializers, ...added],
    outputs: parsed.outputs.map((o) => o.raw),
  });
  return { model: bytes, quantized, kept };
}

function isQuantizable(w: TensorInfo, minElements: number): boolean {
  return w.dataType === ElemType.FLOAT && w.dims.length === 2 && elementCount(w.dims) >= minElements;
}

/** A tensor with external data, re-encoded with its bytes inline (other tensors unchanged). */
function inlineTensor(t: TensorInfo, externalDataDir: string | undefined, source: string): Uint8Array {
  if (!t.external) return t.raw;
  if (t.dataType !== ElemType.FLOAT && t.dataType !== ElemType.INT64 && t.dataType !== ElemType.INT32) {
    throw new ModelLoadError(`${source}: external tensor ${t.name} has data type ${t.dataType}, which the quantizer cannot inline`, { path: source });
  }
  const values = readElements(t, range(elementCount(t.dims)), externalDataDir, source);
  const raw =
    t.dataType === ElemType.FLOAT
      ? new Uint8Array(Float32Array.from(values).buffer)
      : t.dataType === ElemType.INT32
        ? new Uint8Array(Int32Array.from(values).buffer)
        : new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
  return encodeTensor(t.name, t.dims, t.dataType, raw);
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

function sanitize(name: string): string {
  return name.replace(/^\/+/, "").replace(/[^A-Za-z0-9_./-]/g, "_");
}

/**
 * The prefix of the names the quantizer adds for one node or activation: `/rerank_kit/q8/<name>`,
 * or `<name>_1`, `<name>_2`, ... when an earlier one took it. Sanitizing maps distinct names to one
 * (`a:b` and `a_b`), and a node may be named like the activation it reads; two nodes writing the
 * same output or weight name make a graph ONNX Runtime refuses. The names added under a prefix
 * end in one segment without a slash, so distinct prefixes never give the same name.
 */
function uniquePrefix(taken: Set<string>, name: string): string {
  let prefix = `/rerank_kit/q8/${name}`;
  for (let i = 1; taken.has(prefix); i++) prefix = `/rerank_kit/q8/${name}_${i}`;
  taken.add(prefix);
  return prefix;
}

/** Op counts of a model, e.g. to check that a graph really holds integer MatMuls. */
export function opCounts(model: Uint8Array, source = "model.onnx"): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of parseModel(model, source).nodes as NodeInfo[]) counts[n.op] = (counts[n.op] ?? 0) + 1;
  return counts;
}
