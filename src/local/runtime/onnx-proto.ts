/**
 * Reading side of the small ONNX toolkit: splits a serialized ModelProto into its graph's nodes,
 * initializers and outputs, keeping every field it does not need as the original bytes, so a
 * rewrite re-emits the graph without understanding (or copying into JavaScript objects) the
 * hundreds of megabytes of weights it leaves alone. Writing is in onnx-writer.ts.
 */
import { readSync, closeSync } from "node:fs";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { openExternalData } from "../files/external-data.js";
import { halfToFloat } from "../files/safetensors.js";
import { bytes, concat } from "./onnx-writer.js";

/** One protobuf field: number, wire type, the varint value or the payload, and its full bytes. */
export interface ProtoField {
  field: number;
  wire: number;
  /** Varint value (wire type 0). */
  value: number;
  /** Payload of a length-delimited field (wire type 2), or the fixed bytes (wire types 1, 5). */
  data: Uint8Array;
  /** The whole field as encoded (tag included), for re-emitting it unchanged. */
  raw: Uint8Array;
}

/** Splits an encoded message into its fields. Varints above 2^53 lose precision (never sizes). */
export function readFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): number => {
    const [value, next] = readVarint(buf, pos);
    pos = next;
    return value;
  };
  while (pos < buf.length) {
    const start = pos;
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let value = 0;
    let data: Uint8Array = EMPTY;
    if (wire === 0) value = varint();
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      data = buf.subarray(pos, pos + n);
      pos += n;
    } else if (wire === 2) {
      const n = varint();
      data = buf.subarray(pos, pos + n);
      pos += n;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (pos > buf.length) throw new Error("truncated protobuf field");
    out.push({ field, wire, value, data, raw: buf.subarray(start, pos) });
  }
  return out;
}

const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();

function text(f: ProtoField): string {
  return decoder.decode(f.data);
}

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

function readPackedVarints(buf: Uint8Array): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const [value, next] = readVarint(buf, pos);
    out.push(value);
    pos = next;
  }
  return out;
}

/**
 * One varint at `pos`: its value and the position after it. Up to 7 bytes (49 bits) are summed
 * as numbers; longer ones are int64 values read as two's complement, so a negative dim, axis or
 * shape element (-1 takes 10 bytes) arrives exact instead of rounded to 2^64.
 */
function readVarint(buf: Uint8Array, start: number): [number, number] {
  let pos = start;
  let result = 0;
  let mul = 1;
  for (let n = 0; n < 7; n++) {
    if (pos >= buf.length) throw new Error("truncated protobuf varint");
    const b = buf[pos++] as number;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
  }
  let big = BigInt(result);
  for (let shift = 49n; ; shift += 7n) {
    if (pos >= buf.length) throw new Error("truncated protobuf varint");
    const b = buf[pos++] as number;
    big |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  return [Number(BigInt.asIntN(64, big)), pos];
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

/** Serializes a (rewritten) model: untouched fields as they were, then nodes, initializers, outputs. */
export function serializeModel(m: {
  modelFields: Uint8Array[];
  graphFields: Uint8Array[];
  nodes: Uint8Array[];
  initializers: Uint8Array[];
  outputs: Uint8Array[];
}): Uint8Array {
  const graph = concat([
    ...m.nodes.map((n) => bytes(1, n)),
    ...m.graphFields,
    ...m.initializers.map((t) => bytes(5, t)),
    ...m.outputs.map((o) => bytes(12, o)),
  ]);
  return concat([...m.modelFields, bytes(7, graph)]);
}

/** Bytes per element of the ONNX data types the rewrite reads. */
const ELEMENT_SIZE: Record<number, number> = { 1: 4, 2: 1, 3: 1, 10: 2, 16: 2, 6: 4, 7: 8 };

/**
 * Reads the elements at `indices` of a tensor as numbers (float32, float16, bfloat16, int8,
 * uint8, int32, int64), from inline data or its external data file; consecutive indices are
 * read in one go, so a row costs one read and a column one read per element.
 * @throws {ModelLoadError} when the data is external and `externalDataDir` is not given.
 */
export function readElements(t: TensorInfo, indices: readonly number[], externalDataDir: string | undefined, source: string): number[] {
  const size = ELEMENT_SIZE[t.dataType];
  if (size === undefined) throw new ModelLoadError(`${source}: tensor ${t.name} has unsupported data type ${t.dataType}`, { path: source });
  if (!t.external && !t.rawData) {
    if (!t.typedData) throw new ModelLoadError(`${source}: tensor ${t.name} has no data`, { path: source });
    const all = typedElements(t);
    return indices.map((i) => all[i] as number);
  }
  const out = new Array<number>(indices.length);
  let fd: number | undefined;
  if (t.external) {
    if (!externalDataDir) {
      throw new ModelLoadError(`${source}: tensor ${t.name} is in external data (${t.external.location}); pass externalDataDir`, { path: source });
    }
    // Contained in the folder, a regular file, its declared range within the file.
    fd = openExternalData(externalDataDir, t.external, t.name, source).fd;
  }
  try {
    for (let i = 0; i < indices.length; ) {
      let j = i + 1;
      while (j < indices.length && indices[j] === (indices[j - 1] as number) + 1) j++;
      const first = indices[i] as number;
      const count = j - i;
      let raw: Uint8Array;
      if (fd !== undefined && t.external) {
        raw = new Uint8Array(count * size);
        const end = (first + count) * size;
        if (t.external.length !== -1 && end > t.external.length) {
          throw new ModelLoadError(`${source}: external data of ${t.name} is shorter than its shape`, { path: source });
        }
        const got = readSync(fd, raw, 0, raw.length, t.external.offset + first * size);
        if (got < raw.length) throw new ModelLoadError(`${source}: external data of ${t.name} is shorter than its shape`, { path: source });
      } else {
        raw = (t.rawData as Uint8Array).subarray(first * size, (first + count) * size);
        if (raw.length < count * size) throw new ModelLoadError(`${source}: tensor ${t.name} is shorter than its shape`, { path: source });
      }
      decodeInto(raw, t.dataType, size, out, i, count);
      i = j;
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return out;
}

function decodeInto(raw: Uint8Array, dataType: number, size: number, out: number[], at: number, count: number): void {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const bf = new Float32Array(1);
  const bfBits = new Uint32Array(bf.buffer);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    let v: number;
    switch (dataType) {
      case 1:
        v = view.getFloat32(o, true);
        break;
      case 10:
        v = halfToFloat(view.getUint16(o, true));
        break;
      case 16:
        bfBits[0] = view.getUint16(o, true) << 16;
        v = bf[0] as number;
        break;
      case 2:
        v = view.getUint8(o);
        break;
      case 3:
        v = view.getInt8(o);
        break;
      case 6:
        v = view.getInt32(o, true);
        break;
      default:
        v = Number(view.getBigInt64(o, true));
    }
    out[at + i] = v;
  }
}

/** Elements of a tensor stored in float_data / int32_data / int64_data (small tensors only). */
function typedElements(t: TensorInfo): number[] {
  const td = t.typedData;
  if (!td) return [];
  const out: number[] = [];
  for (const f of td.values) {
    if (td.field === 4) {
      const d = f.data;
      const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
      for (let o = 0; o + 4 <= d.length; o += 4) out.push(view.getFloat32(o, true));
    } else if (f.wire === 0) out.push(f.value);
    else out.push(...readPackedVarints(f.data));
  }
  // int32_data carries float16 / bfloat16 / int8 / uint8 values as integers.
  if (td.field === 5 && t.dataType === 10) return out.map((v) => halfToFloat(v));
  return out;
}

/** Element count of a shape. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
