/**
 * The hand-written protobuf reader and writer (src/local/runtime/onnx-proto.ts, onnx-writer.ts)
 * on the values the graph rewrites read: negative int64 attributes and shapes (a Softmax axis of
 * -1 is a 10-byte varint).
 */
import { describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { parseModel, parseNode, parseTensor, readElements, readFields } from "../../src/local/runtime/onnx-proto.js";
import { bytes, concat, ElemType, encodeNode, encodeTensor, int, writeOnnxModel } from "../../src/local/runtime/onnx-writer.js";

/**
 * Written by the python `onnx` package 1.23.1 (onnx.helper.make_model; script in the commit
 * message), so field numbers and encodings are onnx's, not ours. Nodes: "mm" MatMul with a
 * doc_string; an unnamed Softmax with axis=-1, big=-(2**56), perm=[0,-2,3]; "const" Constant with
 * a tensor attribute; "if" If with then/else_branch graphs; "multi" Loops (domain com.example) with
 * a graphs attribute. Initializers: w (raw_data), shape (int64_data), f (float_data), ext
 * (data_location EXTERNAL, then metadata_props, field 16).
 */
const ONNX_FIXTURE = Buffer.from(
  "CA4SB2ZpeHR1cmU6mgUKHAoBeAoBdxICeTAaAm1tIgZNYXRNdWwyBG5vdGUKVgoCeTASAnkxIgdTb2Z0bWF4KhQKBGF4aXMY////////////AaABAioTCgNiaWcYgICAgICAgID/AaABAioYCgRwZXJtQABA/v//////////AUADoAEHCiwSAWMaBWNvbnN0IghDb25zdGFudCoWCgV2YWx1ZSoKCAEQBzoBB0IBdqABBAqKAQoEY29uZBICeTIaAmlmIgJJZio6CgtlbHNlX2JyYW5jaDIoChAKAXgSAXoiCElkZW50aXR5EgNzdWJiDwoBehIKCggIARIECgIIBKABBSo6Cgt0aGVuX2JyYW5jaDIoChAKAXgSAXoiCElkZW50aXR5EgNzdWJiDwoBehIKCggIARIECgIIBKABBQqDAQoCeTISAXkaBW11bHRpIgVMb29wcypfCgZib2RpZXNaKAoQCgF4EgF6IghJZGVudGl0eRIDc3ViYg8KAXoSCgoICAESBAoCCARaKAoQCgF4EgF6IghJZGVudGl0eRIDc3ViYg8KAXoSCgoICAESBAoCCASgAQo6C2NvbS5leGFtcGxlEgFnKhsIAggCEAFCAXdKEAAAwD8AAADAAACAPgAAgEAqGAgCEAc6C////////////wEQQgVzaGFwZSoVCAMQASIMAAAAPwAAgL8AAABAQgFmKkwIEBABQgNleHRqEQoIbG9jYXRpb24SBXcuYmluag0KBm9mZnNldBIDMTI4agwKBmxlbmd0aBICNjRwAYIBDgoGb3JpZ2luEgR0ZXN0WhgKAXgSEwoRCAESDQoHEgViYXRjaAoCCAJaDgoEY29uZBIGCgQICRIAYhgKAXkSEwoRCAESDQoHEgViYXRjaAoCCAJCBAoAEBFCDwoLY29tLmV4YW1wbGUQAQ==",
  "base64",
);

/**
 * writeOnnxModel's output for the graph in the test below. Checked once with python:
 * onnx.load_from_string(b).SerializeToString() == b (byte-identical), and onnx reports
 * ir_version 8, producer "rerank-kit", opset_import [("", 18)], node names Transpose_0, sim,
 * ReduceMax_2, Custom_3, initializer axes = [-1].
 */
const WRITER_EXPECTED =
  "CAgSCnJlcmFuay1raXQ6oQIKMAoBZBICZHQaC1RyYW5zcG9zZV8wIglUcmFuc3Bvc2UqDwoEcGVybUAAQAJAAaABBwoXCgFxCgJkdBIBcxoDc2ltIgZNYXRNdWwKNQoBcwoEYXhlcxIBbRoLUmVkdWNlTWF4XzIiCVJlZHVjZU1heCoPCghrZWVwZGltcxgAoAECCicKAW0SA291dBoIQ3VzdG9tXzMiBkN1c3RvbToLY29tLmV4YW1wbGUSBm1heHNpbSoUCAEQB0IEYXhlc0oI//////////9aHAoBcRIXChUIARIRCgcSBWJhdGNoCgIICAoCCARaHAoBZBIXChUIARIRCgcSBWJhdGNoCgIIEAoCCARiGgoDb3V0EhMKEQgBEg0KBxIFYmF0Y2gKAggIQgQKABAS";

describe("onnx-proto varints and attributes", () => {
  it("reads negative int64 attributes exactly (-1 is 2^64 - 1 on the wire)", () => {
    const node = parseNode(encodeNode({ op: "Softmax", inputs: ["x"], outputs: ["y"], attrs: { axis: -1, perm: [0, -2, 3, -1] } }, 0));
    expect(node.attributes.get("axis")?.i).toBe(-1);
    expect(node.attributes.get("perm")?.ints).toEqual([0, -2, 3, -1]);
  });

  it("keeps large positive varints (dims up to 2^53) and the most negative int64 in range", () => {
    const node = parseNode(encodeNode({ op: "X", inputs: [], outputs: ["y"], attrs: { big: 2 ** 40 + 3, huge: 2 ** 53 - 1, min: -(2 ** 53) } }, 0));
    expect(node.attributes.get("big")?.i).toBe(2 ** 40 + 3);
    expect(node.attributes.get("huge")?.i).toBe(2 ** 53 - 1);
    expect(node.attributes.get("min")?.i).toBe(-(2 ** 53));
  });

  it("reads negative dims and int64_data elements of a tensor", () => {
    // int64_data (field 7) packed, as onnx.helper writes small shape constants: [-1, 16].
    const packed = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x10]);
    const t = parseTensor(Uint8Array.from([...int(1, 2), ...int(2, ElemType.INT64), 0x3a, packed.length, ...packed]));
    expect(t.dims).toEqual([2]);
    expect(readElements(t, [0, 1], undefined, "test")).toEqual([-1, 16]);
    const raw = parseTensor(encodeTensor("s", [2], ElemType.INT64, new Uint8Array(BigInt64Array.of(-1n, 16n).buffer)));
    expect(readElements(raw, [0, 1], undefined, "test")).toEqual([-1, 16]);
  });
});

describe("onnx-proto on a model written by the onnx package", () => {
  // Parsed inside each test, so a reader bug fails the tests rather than the file's collection.
  const model = () => parseModel(ONNX_FIXTURE, "fixture.onnx");

  it("reads node names, ops, domains, inputs and outputs as onnx reports them", () => {
    const m = model();
    expect(m.nodes.map((n) => [n.name, n.op, n.domain, n.inputs, n.outputs])).toEqual([
      ["mm", "MatMul", "", ["x", "w"], ["y0"]],
      ["", "Softmax", "", ["y0"], ["y1"]],
      ["const", "Constant", "", [], ["c"]],
      ["if", "If", "", ["cond"], ["y2"]],
      ["multi", "Loops", "com.example", ["y2"], ["y"]],
    ]);
    expect(m.inputNames).toEqual(["x", "cond"]);
    expect(m.outputs.map((o) => o.name)).toEqual(["y"]);
  });

  it("reads int, ints, tensor and graph attributes, and no attribute from a doc_string", () => {
    const [mm, softmax, constant, ifNode, multi] = model().nodes;
    expect([...(mm?.attributes.keys() ?? [])]).toEqual([]);
    expect(softmax?.attributes.get("axis")?.i).toBe(-1);
    // -(2**56): the 8th byte of its varint is 0x80, a continuation byte with no payload bits.
    expect(softmax?.attributes.get("big")?.i).toBe(-(2 ** 56));
    expect(softmax?.attributes.get("perm")?.ints).toEqual([0, -2, 3]);
    const value = constant?.attributes.get("value")?.t;
    expect([value?.name, value?.dims, value?.dataType]).toEqual(["v", [1], ElemType.INT64]);
    expect(readElements(value!, [0], undefined, "fixture.onnx")).toEqual([7]);
    expect(ifNode?.attributes.get("then_branch")?.subgraph).toBe(true);
    expect(ifNode?.attributes.get("else_branch")?.subgraph).toBe(true);
    expect(multi?.attributes.get("bodies")?.subgraph).toBe(true);
    expect(softmax?.attributes.get("axis")?.subgraph).toBeUndefined();
  });

  it("reads raw_data, int64_data, float_data and external initializers", () => {
    const [w, shape, f, ext] = model().initializers;
    expect([w?.name, w?.dims, w?.dataType, Buffer.from(w?.rawData ?? []).toString("hex")]).toEqual(["w", [2, 2], 1, "0000c03f000000c00000803e00008040"]);
    expect(readElements(shape!, [0, 1], undefined, "fixture.onnx")).toEqual([-1, 16]);
    expect([f?.typedData?.field, f?.typedData?.packed]).toEqual([4, true]);
    expect(readElements(f!, [0, 1, 2], undefined, "fixture.onnx")).toEqual([0.5, -1, 2]);
    expect(ext?.external).toEqual({ location: "w.bin", offset: 128, length: 64 });
  });
});

describe("onnx-writer output read back by onnx", () => {
  it("writes the bytes onnx.load reads and re-serializes identically", () => {
    const b = writeOnnxModel({
      name: "maxsim",
      nodes: [
        { op: "Transpose", inputs: ["d"], outputs: ["dt"], attrs: { perm: [0, 2, 1] } },
        { op: "MatMul", inputs: ["q", "dt"], outputs: ["s"], name: "sim" },
        { op: "ReduceMax", inputs: ["s", "axes"], outputs: ["m"], attrs: { keepdims: 0 } },
        { op: "Custom", inputs: ["m"], outputs: ["out"], domain: "com.example" },
      ],
      inputs: [
        { name: "q", elemType: ElemType.FLOAT, dims: ["batch", 8, 4] },
        { name: "d", elemType: ElemType.FLOAT, dims: ["batch", 16, 4] },
      ],
      outputs: [{ name: "out", elemType: ElemType.FLOAT, dims: ["batch", 8] }],
      initializers: [{ name: "axes", dims: [1], values: [-1] }],
      opset: 18,
    });
    expect(Buffer.from(b).toString("base64")).toBe(WRITER_EXPECTED);
    expect(parseModel(b, "w.onnx").nodes.map((n) => n.name)).toEqual(["Transpose_0", "sim", "ReduceMax_2", "Custom_3"]);
  });
});

describe("onnx-proto on hand-made and hostile protobuf bytes", () => {
  // Tags: (field << 3) | wire type. Wire 1 = fixed64, 5 = fixed32, 3 = start group (unsupported).
  it("splits fixed64 and fixed32 fields and keeps their bytes", () => {
    const buf = Uint8Array.of(0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 9, 10, 11, 12, 0x18, 0x05);
    const fields = readFields(buf).map((f) => [f.field, f.wire, [...f.data], f.value]);
    expect(fields).toEqual([
      [1, 1, [1, 2, 3, 4, 5, 6, 7, 8], 0],
      [2, 5, [9, 10, 11, 12], 0],
      [3, 0, [], 5],
    ]);
  });

  it("rejects unsupported wire types, truncated fields and truncated varints with their messages", () => {
    expect(() => readFields(Uint8Array.of(0x0b, 0x00))).toThrow(/^unsupported protobuf wire type 3$/);
    expect(() => readFields(Uint8Array.of(0x0a, 0x05, 0x61))).toThrow(/^truncated protobuf field$/);
    expect(() => readFields(Uint8Array.of(0x08, 0x80))).toThrow(/^truncated protobuf varint$/);
    // Eight continuation bytes: past the 7-byte fast path, into the int64 path.
    expect(() => readFields(Uint8Array.of(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80))).toThrow(/^truncated protobuf varint$/);
  });

  it("wraps protobuf errors and a model without a graph in a ModelLoadError naming the file", () => {
    const err = (bytes: Uint8Array) => {
      try {
        parseModel(bytes, "bad.onnx");
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const wire = err(Uint8Array.of(0x0b, 0x00));
    expect(wire).toBeInstanceOf(ModelLoadError);
    expect((wire as ModelLoadError).message).toBe("bad.onnx is not a readable ONNX model: unsupported protobuf wire type 3");
    expect((wire as ModelLoadError).path).toBe("bad.onnx");
    // Field 7 (graph) as a varint is not a GraphProto.
    expect((err(Uint8Array.of(0x38, 0x01)) as Error).message).toBe("bad.onnx is not a readable ONNX model: no graph");
  });

  it("reads nodes, attributes and tensors that leave fields out", () => {
    const n = parseNode(concat([bytes(1, "a"), bytes(5, int(3, 4))]));
    expect([n.name, n.op, n.domain, n.inputs]).toEqual(["", "", "", ["a"]]);
    expect(n.attributes.get("")?.i).toBe(4);
    expect(parseTensor(int(2, ElemType.FLOAT)).name).toBe("");
    // data_location EXTERNAL (14 = 1) with no external_data: no location, offset 0, length unknown (-1).
    expect(parseTensor(int(14, 1)).external).toEqual({ location: "", offset: 0, length: -1 });
    // A location entry without a value; an entry with an unknown field 3 after its value.
    const ext = parseTensor(
      concat([bytes(13, bytes(1, "location")), bytes(13, concat([bytes(1, "length"), bytes(2, "64"), bytes(3, "x")])), int(14, 1)]),
    );
    expect(ext.external).toEqual({ location: "", offset: 0, length: 64 });
  });

  it("reads float_data written unpacked (fixed32 per element)", () => {
    const t = parseTensor(concat([int(1, 1), int(2, ElemType.FLOAT), Uint8Array.of(0x25, 0x00, 0x00, 0x00, 0x3f)]));
    expect(t.typedData?.packed).toBe(false);
    expect(readElements(t, [0], undefined, "test")).toEqual([0.5]);
  });

  it("names graph outputs by field 1 wherever it comes, and unnamed ones as empty", () => {
    const type = bytes(1, int(1, ElemType.FLOAT));
    const graph = concat([bytes(12, concat([bytes(2, type), bytes(1, "late")])), bytes(12, bytes(2, type))]);
    expect(parseModel(bytes(7, graph), "g.onnx").outputs.map((o) => o.name)).toEqual(["late", ""]);
  });
});
