/**
 * Load-time rewrite of int8 MatMul weights to uint8, for x86 CPUs without VNNI.
 *
 * ONNX Runtime's uint8 x int8 GEMM (what `MatMulInteger`, `DynamicQuantizeMatMul` and
 * `MatMulIntegerToFloat` with int8 weights run) uses `vpmaddubsw` on AVX2 CPUs without VNNI: it
 * adds two uint8 x int8 products into an int16 that SATURATES (255 * 127 * 2 > 32767). Weights
 * near +-127 (every column's largest weight under per-column quantization) then lose whole
 * products, and the logits move by tenths. Its uint8 x uint8 kernel widens to int16 before
 * multiplying and never saturates. Adding 128 to the weights and to their zero point is the same
 * math (`(w + 128) - (zp + 128) = w - zp`), so the rewrite changes which kernel runs, not the
 * result the graph means. Graphs whose weights stay on disk (an LLM reranker's, see
 * weights-on-disk.ts) get the same shift from ONNX Runtime itself: the session option
 * `session.x64quantprecision` (set in onnx-session.ts whenever this shift is wanted) converts the
 * weights as it loads them, so they never pass through JavaScript.
 * @module
 */
import { readFileSync } from "node:fs";
import { parseModel, readElements, serializeModel, type NodeInfo, type TensorInfo } from "./onnx-proto.js";
import { ElemType, bytes, concat, encodeTensor } from "./onnx-writer.js";
import { readFields } from "./proto-fields.js";

/**
 * Which int8 kernel quantized MatMuls should run: `auto` rewrites int8 weights to uint8 when the
 * CPU lacks VNNI (see the module comment), `uint8` always rewrites, `int8` keeps the file as is.
 */
export type Int8Weights = "auto" | "int8" | "uint8";

/** The quantized MatMul ops, with the input index of their weight and of its zero point. */
const WEIGHT_INPUTS: Record<string, { weight: number; zeroPoint: number; a?: number }> = {
  ":MatMulInteger": { weight: 1, zeroPoint: 3, a: 0 },
  "com.microsoft:DynamicQuantizeMatMul": { weight: 1, zeroPoint: 3 },
  "com.microsoft:MatMulIntegerToFloat": { weight: 1, zeroPoint: 5, a: 0 },
};

const VNNI_FLAGS = /\b(avx512_vnni|avx_vnni|amx_int8)\b/;
let vnni: boolean | undefined;

/**
 * True when ONNX Runtime's uint8 x int8 kernel may saturate on this CPU: an x86-64 Linux CPU whose
 * `/proc/cpuinfo` flags name none of avx512_vnni, avx_vnni, amx_int8. False elsewhere (ARM's
 * int8 dot products do not saturate; other systems keep the files as they are).
 * @param cpuinfo the text of `/proc/cpuinfo` (read once when omitted)
 */
export function int8MatMulSaturates(cpuinfo?: string): boolean {
  if (cpuinfo !== undefined) return /\bavx2\b/.test(cpuinfo) && !VNNI_FLAGS.test(cpuinfo);
  if (vnni === undefined) {
    if (process.platform !== "linux" || process.arch !== "x64") vnni = true;
    else {
      try {
        vnni = !int8MatMulSaturates(readFileSync("/proc/cpuinfo", "utf8"));
      } catch {
        vnni = true;
      }
    }
  }
  return !vnni;
}

/**
 * True when `choice` asks for the rewrite on this CPU.
 * @param saturates whether this CPU's int8 kernel saturates (a parameter so that "auto" can be
 *   checked on either kind of CPU)
 */
export function wantsUint8Weights(choice: Int8Weights | undefined, saturates = int8MatMulSaturates()): boolean {
  return choice === "uint8" || ((choice ?? "auto") === "auto" && saturates);
}

/**
 * Rewrites every inline int8 weight (and its zero point) of the quantized MatMuls listed above to
 * uint8 + 128; a missing zero point becomes an explicit 128. A weight is left alone when it is in
 * external data, shared with another kind of node, or the graph has subgraphs (whose nodes may
 * read it), and a `MatMulInteger` whose activation is not uint8 from `DynamicQuantizeLinear`.
 * @param source named in errors
 * @returns the rewritten model and the number of weights rewritten, or undefined when none was.
 */
export function rewriteInt8WeightsToUint8(
  model: Uint8Array,
  source: string,
): { model: Uint8Array; weights: number } | undefined {
  // Cheap check before a parse: the op names are stored as plain strings.
  const text = Buffer.from(model.buffer, model.byteOffset, model.byteLength);
  if (!text.includes("MatMulInteger") && !text.includes("DynamicQuantizeMatMul")) return undefined;
  const parsed = parseModel(model, source);
  if (parsed.nodes.some((n) => [...n.attributes.values()].some((a) => a.subgraph))) return undefined;
  const inits = new Map(parsed.initializers.map((t) => [t.name, t]));
  const producers = new Map<string, NodeInfo>();
  const consumers = new Map<string, NodeInfo[]>();
  for (const n of parsed.nodes) {
    for (const o of n.outputs) producers.set(o, n);
    for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const slots = (n: NodeInfo) => WEIGHT_INPUTS[`${n.domain}:${n.op}`];
  const isInt8 = (name: string | undefined) => {
    const t = name ? inits.get(name) : undefined;
    return t !== undefined && t.dataType === ElemType.INT8 && !t.external && !parsed.inputNames.includes(t.name);
  };
  // Every reader of a rewritten tensor must be one of the rewritten slots.
  const eligible = (n: NodeInfo): boolean => {
    const s = slots(n);
    if (!s) return false;
    const w = n.inputs[s.weight];
    const zp = n.inputs[s.zeroPoint];
    if (!isInt8(w) || (zp && !isInt8(zp))) return false;
    if (s.a !== undefined) {
      const a = producers.get(n.inputs[s.a] ?? "");
      if (!a || a.op !== "DynamicQuantizeLinear" || a.domain !== "") return false;
    }
    return true;
  };
  const ok = parsed.nodes.filter(eligible);
  const okSet = new Set(ok);
  const shared = (name: string, slot: "weight" | "zeroPoint") =>
    (consumers.get(name) ?? []).some((c) => !okSet.has(c) || c.inputs[slots(c)![slot]] !== name);
  const converted = new Map<string, Uint8Array>();
  const added = new Map<string, Uint8Array>();
  const nodeInputs = new Map<NodeInfo, string[]>();
  let weights = 0;
  for (const n of ok) {
    const s = slots(n)!;
    const w = n.inputs[s.weight] as string;
    const zp = n.inputs[s.zeroPoint];
    if (shared(w, "weight") || (zp && shared(zp, "zeroPoint"))) continue;
    for (const name of zp ? [w, zp] : [w]) {
      if (converted.has(name)) continue;
      const t = inits.get(name) as TensorInfo;
      converted.set(name, toUint8(t, source));
    }
    if (!zp) {
      const name = `rerank_kit_u8_zero_point_128`;
      added.set(name, encodeTensor(name, [], ElemType.UINT8, new Uint8Array([128])));
      const inputs = [...n.inputs];
      while (inputs.length < s.zeroPoint) inputs.push("");
      inputs[s.zeroPoint] = name;
      nodeInputs.set(n, inputs);
    }
    weights++;
  }
  if (weights === 0) return undefined;
  const initializer = (t: TensorInfo) => converted.get(t.name) ?? t.raw;
  return {
    model: serializeModel({
      modelFields: parsed.modelFields,
      graphFields: parsed.graphFields,
      nodes: parsed.nodes.map((n) => (nodeInputs.has(n) ? withInputs(n, nodeInputs.get(n) as string[]) : n.raw)),
      initializers: [...parsed.initializers.map(initializer), ...added.values()],
      outputs: parsed.outputs.map((o) => o.raw),
    }),
    weights,
  };
}

/** The int8 tensor as uint8 + 128 (flipping the sign bit of each two's-complement byte). */
function toUint8(t: TensorInfo, source: string): Uint8Array {
  const n = t.dims.reduce((a, b) => a * b, 1);
  let data: Uint8Array;
  if (t.rawData && t.rawData.length === n) data = Uint8Array.from(t.rawData);
  else data = Uint8Array.from(readElements(t, Array.from({ length: n }, (_, i) => i), undefined, source), (v) => v & 0xff);
  for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ 0x80;
  return encodeTensor(t.name, t.dims, ElemType.UINT8, data);
}

/** The node's bytes with its inputs replaced (every other field kept as it was). */
function withInputs(n: NodeInfo, inputs: string[]): Uint8Array {
  const rest = readFields(n.raw).filter((f) => f.field !== 1);
  return concat([...inputs.map((i) => bytes(1, i)), ...rest.map((f) => f.raw)]);
}
