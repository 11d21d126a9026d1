/**
 * The few protobuf messages of onnx.proto that rerank-kit needs to build small helper graphs at
 * run time (e.g. batched MaxSim) and to splice nodes into exported graphs (the LM-head rewrite,
 * see onnx-proto.ts for the reading side), written by hand so no protobuf library is loaded.
 */

/** An encoded protobuf field or message. */
type Bytes = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Concatenates encoded fields. */
export function concat(parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A varint field (wire type 0). */
export function int(field: number, value: number | bigint): Bytes {
  return Uint8Array.from([...varint((field << 3) | 0), ...varint(value)]);
}

/** A length-delimited field (wire type 2): bytes, a string or an embedded message. */
export function bytes(field: number, value: Bytes | string): Bytes {
  const data = typeof value === "string" ? new TextEncoder().encode(value) : value;
  return concat([lengthHeader(field, data.length), data]);
}

/** The tag and length that start a length-delimited field of `length` bytes. */
export function lengthHeader(field: number, length: number): Bytes {
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(length)]);
}

/** ONNX tensor element types used here. */
export const ElemType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, BFLOAT16: 16 } as const;

/** A graph input or output: name, element type, and dims (numbers or symbolic names). */
export interface ValueInfo {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

/** A node: op type, inputs, outputs and integer / integer-list attributes. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number | number[]>;
  /** Node name; defaults to `${op}_${index}`. */
  name?: string;
  /** Operator domain, e.g. `com.microsoft`; defaults to the ONNX domain. */
  domain?: string;
}

/** An int64 initializer. */
export interface Int64Initializer {
  name: string;
  dims: number[];
  values: number[];
}

/** Encodes a ValueInfoProto (a graph input or output). */
export function encodeValueInfo(v: ValueInfo): Bytes {
  const dims = v.dims.map((d) => bytes(1, typeof d === "number" ? int(1, d) : bytes(2, d)));
  const shape = bytes(2, concat(dims));
  const tensorType = bytes(1, concat([int(1, v.elemType), shape]));
  return concat([bytes(1, v.name), bytes(2, tensorType)]);
}

/** Encodes a NodeProto; `index` names unnamed nodes uniquely. */
export function encodeNode(n: NodeSpec, index: number): Bytes {
  const attrs = Object.entries(n.attrs ?? {}).map(([name, value]) =>
    bytes(
      5,
      Array.isArray(value)
        ? concat([bytes(1, name), ...value.map((x) => int(8, x)), int(20, 7)])
        : concat([bytes(1, name), int(3, value), int(20, 2)]),
    ),
  );
  return concat([
    ...n.inputs.map((i) => bytes(1, i)),
    ...n.outputs.map((o) => bytes(2, o)),
    bytes(3, n.name ?? `${n.op}_${index}`),
    bytes(4, n.op),
    ...attrs,
    ...(n.domain ? [bytes(7, n.domain)] : []),
  ]);
}

function initializer(t: Int64Initializer): Bytes {
  const raw = new Uint8Array(new BigInt64Array(t.values.map((v) => BigInt(v))).buffer);
  return encodeTensor(t.name, t.dims, ElemType.INT64, raw);
}

/** Encodes a TensorProto with inline little-endian `raw` data. */
export function encodeTensor(name: string, dims: readonly number[], elemType: number, raw: Uint8Array): Bytes {
  return concat([...dims.map((d) => int(1, d)), int(2, elemType), bytes(8, name), bytes(9, raw)]);
}

/** Serializes a single-graph ONNX model (default domain, given opset) to bytes. */
export function writeOnnxModel(graph: {
  name: string;
  nodes: NodeSpec[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Int64Initializer[];
  opset: number;
}): Uint8Array {
  const g = concat([
    ...graph.nodes.map((n, i) => bytes(1, encodeNode(n, i))),
    bytes(2, graph.name),
    ...(graph.initializers ?? []).map((t) => bytes(5, initializer(t))),
    ...graph.inputs.map((v) => bytes(11, encodeValueInfo(v))),
    ...graph.outputs.map((v) => bytes(12, encodeValueInfo(v))),
  ]);
  return concat([int(1, 8), bytes(2, "rerank-kit"), bytes(7, g), bytes(8, concat([bytes(1, ""), int(2, graph.opset)]))]);
}
