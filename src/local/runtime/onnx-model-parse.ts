/**
 * ONNX messages read for rewriting: a ModelProto split into its graph's nodes, initializers and
 * outputs, every field the rewrites do not need kept as the original bytes, so a rewrite
 * re-emits the graph without understanding (or copying into JavaScript objects) the hundreds of
 * megabytes of weights it leaves alone; and the model joined back.
 * @module
 */
import { ModelLoadError } from "../../errors/model-load-error.js";
import { lengthHeader } from "./onnx-writer.js";
import { readFields, readPackedVarints, text, type ProtoField } from "./proto-fields.js";

/** A node attribute, as far as the rewrite needs it. */
export interface Attribute {
  name: string;
  i?: number;
  ints?: number[];
  t?: TensorInfo;
  /** True for graph-valued attributes (If / Loop bodies), which may read outer values. */
  subgraph?: boolean;
}

/** A parsed NodeProto, with its original bytes. */
export interface NodeInfo {
  name: string;
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Attribute>;
  raw: Uint8Array;
}

/** A parsed TensorProto: metadata and where its data lives (inline or in an external file). */
export interface TensorInfo {
  name: string;
  dims: number[];
  dataType: number;
  /** Inline `raw_data`, if present. */
  rawData?: Uint8Array | undefined;
  /** Typed inline fields (`float_data`, `int32_data`, `int64_data`) as packed bytes. */
  typedData?: { field: number; data: Uint8Array; packed: boolean; values: ProtoField[] } | undefined;
  /** `external_data` location / offset / length when `data_location` is EXTERNAL. */
  external?: { location: string; offset: number; length: number } | undefined;
  raw: Uint8Array;
}

/** A ModelProto split for rewriting: graph fields by kind, everything else as raw bytes. */
export interface ParsedModel {
  /** ModelProto fields other than the graph, unchanged. */
  modelFields: Uint8Array[];
  /** GraphProto fields other than nodes, initializers and outputs, unchanged. */
  graphFields: Uint8Array[];
  nodes: NodeInfo[];
  initializers: TensorInfo[];
  /** Graph outputs: name and the ValueInfoProto bytes. */
  outputs: { name: string; raw: Uint8Array }[];
  /** Graph inputs' names. */
  inputNames: string[];
}

function parseAttribute(buf: Uint8Array): Attribute {
  const a: Attribute = { name: "" };
  for (const f of readFields(buf)) {
    if (f.field === 1) a.name = text(f);
    else if (f.field === 3) a.i = f.value;
    else if (f.field === 5) a.t = parseTensor(f.data);
    else if (f.field === 6 || f.field === 11) a.subgraph = true;
    else if (f.field === 8) {
      a.ints ??= [];
      if (f.wire === 0) a.ints.push(f.value);
      else for (const v of readPackedVarints(f.data)) a.ints.push(v);
    }
  }
  return a;
}

/** Parses a NodeProto. */
export function parseNode(buf: Uint8Array): NodeInfo {
  const n: NodeInfo = { name: "", op: "", domain: "", inputs: [], outputs: [], attributes: new Map(), raw: buf };
  for (const f of readFields(buf)) {
    if (f.field === 1) n.inputs.push(text(f));
    else if (f.field === 2) n.outputs.push(text(f));
    else if (f.field === 3) n.name = text(f);
    else if (f.field === 4) n.op = text(f);
    else if (f.field === 7) n.domain = text(f);
    else if (f.field === 5) {
      const a = parseAttribute(f.data);
      n.attributes.set(a.name, a);
    }
  }
  return n;
}

/** Parses a TensorProto (its data stays a view into the model bytes). */
export function parseTensor(buf: Uint8Array): TensorInfo {
  const t: TensorInfo = { name: "", dims: [], dataType: 0, raw: buf };
  let location = 0;
  const ext: Record<string, string> = {};
  for (const f of readFields(buf)) {
    if (f.field === 1) {
      if (f.wire === 0) t.dims.push(f.value);
      else t.dims.push(...readPackedVarints(f.data));
    } else if (f.field === 2) t.dataType = f.value;
    else if (f.field === 8) t.name = text(f);
    else if (f.field === 9) t.rawData = f.data;
    else if (f.field === 4 || f.field === 5 || f.field === 7) {
      t.typedData ??= { field: f.field, data: f.data, packed: f.wire === 2, values: [] };
      t.typedData.values.push(f);
    } else if (f.field === 13) {
      let key = "";
      let value = "";
      for (const e of readFields(f.data)) {
        if (e.field === 1) key = text(e);
        else if (e.field === 2) value = text(e);
      }
      ext[key] = value;
    } else if (f.field === 14) location = f.value;
  }
  if (location === 1) {
    t.external = { location: ext["location"] ?? "", offset: Number(ext["offset"] ?? 0), length: Number(ext["length"] ?? -1) };
  }
  return t;
}

/** Splits a serialized model for rewriting. */
export function parseModel(model: Uint8Array, source: string): ParsedModel {
  try {
    const parsed: ParsedModel = { modelFields: [], graphFields: [], nodes: [], initializers: [], outputs: [], inputNames: [] };
    let graph: Uint8Array | undefined;
    for (const f of readFields(model)) {
      if (f.field === 7 && f.wire === 2) graph = f.data;
      else parsed.modelFields.push(f.raw);
    }
    if (!graph) throw new Error("no graph");
    for (const f of readFields(graph)) {
      if (f.field === 1) parsed.nodes.push(parseNode(f.data));
      else if (f.field === 5) parsed.initializers.push(parseTensor(f.data));
      else if (f.field === 12) parsed.outputs.push({ name: valueInfoName(f.data), raw: f.data });
      else {
        if (f.field === 11) parsed.inputNames.push(valueInfoName(f.data));
        parsed.graphFields.push(f.raw);
      }
    }
    return parsed;
  } catch (cause) {
    throw new ModelLoadError(`${source} is not a readable ONNX model: ${(cause as Error).message}`, { path: source, cause });
  }
}

function valueInfoName(buf: Uint8Array): string {
  const f = readFields(buf).find((x) => x.field === 1);
  return f ? text(f) : "";
}

/**
 * Serializes a (rewritten) model: untouched fields as they were, then nodes, initializers, outputs.
 * Written into one buffer sized up front: wrapping each part, then the graph, then the model, in
 * turn (four transient copies of every weight) took a q8 Qwen3-0.6B's load to 3.2 GB.
 */
export function serializeModel(m: {
  modelFields: Uint8Array[];
  graphFields: Uint8Array[];
  nodes: Uint8Array[];
  initializers: Uint8Array[];
  outputs: Uint8Array[];
}): Uint8Array {
  const graphParts: Array<[number | undefined, Uint8Array]> = [
    ...m.nodes.map((n): [number, Uint8Array] => [1, n]),
    ...m.graphFields.map((f): [undefined, Uint8Array] => [undefined, f]),
    ...m.initializers.map((t): [number, Uint8Array] => [5, t]),
    ...m.outputs.map((o): [number, Uint8Array] => [12, o]),
  ];
  const partSize = ([field, data]: [number | undefined, Uint8Array]) => (field === undefined ? 0 : lengthHeader(field, data.length).length) + data.length;
  const graphLength = graphParts.reduce((n, p) => n + partSize(p), 0);
  const graphHeader = lengthHeader(7, graphLength);
  const out = new Uint8Array(m.modelFields.reduce((n, f) => n + f.length, 0) + graphHeader.length + graphLength);
  let off = 0;
  const put = (data: Uint8Array) => {
    out.set(data, off);
    off += data.length;
  };
  for (const f of m.modelFields) put(f);
  put(graphHeader);
  for (const [field, data] of graphParts) {
    if (field !== undefined) put(lengthHeader(field, data.length));
    put(data);
  }
  return out;
}
