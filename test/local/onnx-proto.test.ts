/**
 * The hand-written protobuf reader and writer (src/local/runtime/onnx-proto.ts, onnx-writer.ts)
 * on the values the graph rewrites read: negative int64 attributes and shapes (a Softmax axis of
 * -1 is a 10-byte varint).
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/**
 * Element decoding of every data type and storage form the rewrites read. Expected values were
 * computed with numpy / onnx.helper (python3, onnx 1.x), not with this code: the byte layouts
 * are ONNX's (little-endian raw_data; float16 bits in int32_data; int8 sign-extended in int32_data).
 */
describe("readElements: data types, storage forms and malformed tensors", () => {
  const tensor = (dims: number[], type: number, raw: number[]) => parseTensor(encodeTensor("t", dims, type, Uint8Array.from(raw)));
  const failure = (f: () => unknown): Error => {
    try {
      f();
    } catch (e) {
      return e as Error;
    }
    throw new Error("expected a throw");
  };

  it("decodes raw_data little-endian: float32, float16, bfloat16, uint8, int8, int32", () => {
    // np.array([0.5, -1.25, 3.0, -7.75], np.float32).tobytes()
    expect(readElements(tensor([4], ElemType.FLOAT, [0, 0, 0, 63, 0, 0, 160, 191, 0, 0, 64, 64, 0, 0, 248, 192]), [0, 1, 2, 3], undefined, "m")).toEqual([0.5, -1.25, 3, -7.75]);
    // np.array([1.5, -2, 65504, 2**-24, -0.0, 0.333251953125], np.float16).tobytes()
    const f16 = tensor([6], ElemType.FLOAT16, [0, 62, 0, 192, 255, 123, 1, 0, 0, 128, 85, 53]);
    expect(readElements(f16, [0, 1, 2, 3, 4, 5], undefined, "m")).toEqual([1.5, -2, 65504, 2 ** -24, -0, 0.333251953125]);
    // bfloat16 = the upper half of the float32 bits of [1.0, -3.5, 3.140625, 1e30]
    const bf16 = tensor([4], ElemType.BFLOAT16, [128, 63, 96, 192, 73, 64, 73, 113]);
    expect(readElements(bf16, [0, 1, 2, 3], undefined, "m")).toEqual([1, -3.5, 3.140625, 9.953037915854457e29]);
    expect(readElements(tensor([3], ElemType.UINT8, [0, 200, 255]), [0, 1, 2], undefined, "m")).toEqual([0, 200, 255]);
    expect(readElements(tensor([3], ElemType.INT8, [0x80, 0xff, 0x7f]), [0, 1, 2], undefined, "m")).toEqual([-128, -1, 127]);
    expect(readElements(tensor([2], ElemType.INT32, [0xfe, 0xff, 0xff, 0xff, 1, 2, 0, 0]), [0, 1], undefined, "m")).toEqual([-2, 513]);
  });

  it("reads indices in any order: descending runs and gaps give the elements asked for", () => {
    const t = tensor([5], ElemType.UINT8, [10, 11, 12, 13, 14]);
    expect(readElements(t, [4, 3, 2], undefined, "m")).toEqual([14, 13, 12]);
    expect(readElements(t, [3, 0], undefined, "m")).toEqual([13, 10]);
    expect(readElements(t, [0, 2, 3, 1], undefined, "m")).toEqual([10, 12, 13, 11]);
  });

  it("typed fields: float16 and bfloat16 bits in int32_data become floats; int8 / uint8 in int32_data stay integers; unpacked varints", () => {
    // onnx.helper.make_tensor("h", FLOAT16, [3], [1.5, -2.0, 0.25], raw=False).SerializeToString()
    const h = parseTensor(Uint8Array.from([8, 3, 16, 10, 42, 7, 128, 124, 128, 128, 3, 128, 104, 66, 1, 104]));
    expect(readElements(h, [0, 1, 2], undefined, "m")).toEqual([1.5, -2, 0.25]);
    // onnx.helper.make_tensor("b", BFLOAT16, [3], [1.0, -2.5, inf], raw=False): int32_data [16256, 49184, 32640].
    const b = parseTensor(Uint8Array.from([8, 3, 16, 16, 42, 8, 128, 127, 160, 128, 3, 128, 255, 1, 66, 1, 98]));
    expect(readElements(b, [0, 1, 2], undefined, "m")).toEqual([1, -2.5, Infinity]);
    // onnx.helper.make_tensor("q", INT8, [2, 2], [-128, -1, 0, 127], raw=False)
    const q = Uint8Array.from([8, 2, 8, 2, 16, 3, 42, 22, 128, 255, 255, 255, 255, 255, 255, 255, 255, 1, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1, 0, 127, 66, 1, 113]);
    expect(readElements(parseTensor(q), [0, 1, 2, 3], undefined, "m")).toEqual([-128, -1, 0, 127]);
    // onnx.helper.make_tensor("u", UINT8, [3], [0, 200, 255], raw=False)
    const u = Uint8Array.from([8, 3, 16, 2, 42, 5, 0, 200, 1, 255, 1, 66, 1, 117]);
    expect(readElements(parseTensor(u), [2, 1, 0], undefined, "m")).toEqual([255, 200, 0]);
    // The same uint8 values as one varint per int32_data field (proto2 writers, unpacked).
    const unpacked = parseTensor(Uint8Array.from([...int(1, 3), ...int(2, ElemType.UINT8), ...int(5, 0), ...int(5, 200), ...int(5, 255)]));
    expect(readElements(unpacked, [0, 1, 2], undefined, "m")).toEqual([0, 200, 255]);
  });

  it("malformed tensors are ModelLoadErrors naming the source and the tensor", () => {
    const bool = failure(() => readElements(tensor([1], ElemType.BOOL, [1]), [0], undefined, "m.onnx"));
    expect(bool).toBeInstanceOf(ModelLoadError);
    expect(bool.message).toBe("m.onnx: tensor t has unsupported data type 9");
    const empty = failure(() => readElements(parseTensor(Uint8Array.from([...int(1, 2), ...int(2, ElemType.FLOAT), 0x42, 1, 0x65])), [0], undefined, "m.onnx"));
    expect(empty).toBeInstanceOf(ModelLoadError);
    expect(empty.message).toBe("m.onnx: tensor e has no data");
    for (const [type, raw] of [[ElemType.FLOAT, [0, 0]], [ElemType.UINT8, [1, 2]]] as const) {
      const short = failure(() => readElements(tensor([4], type, [...raw]), [0, 3], undefined, "m.onnx"));
      expect(short).toBeInstanceOf(ModelLoadError);
      expect(short.message).toBe("m.onnx: tensor t is shorter than its shape");
    }
  });

  it("typed values in a field their data type does not use, or fewer than the shape, are ModelLoadErrors", () => {
    const half = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const typed = (type: number, ...fields: Uint8Array[]) => parseTensor(concat([int(1, 2), int(2, type), ...fields, bytes(8, "w")]));
    const cases: Array<[ReturnType<typeof typed>, string]> = [
      // float16 bits belong in int32_data; float_data would be read as half-precision bit patterns.
      [typed(ElemType.FLOAT16, bytes(4, half)), "m.onnx: tensor w of data type 10 has float_data; ONNX keeps it in int32_data"],
      [typed(ElemType.BFLOAT16, bytes(4, half)), "m.onnx: tensor w of data type 16 has float_data; ONNX keeps it in int32_data"],
      [typed(ElemType.INT64, int(5, 3), int(5, 4)), "m.onnx: tensor w of data type 7 has int32_data; ONNX keeps it in int64_data"],
      [typed(ElemType.FLOAT, int(7, 3), int(7, 4)), "m.onnx: tensor w of data type 1 has int64_data; ONNX keeps it in float_data"],
      // The right field first, a stray one after it.
      [typed(ElemType.INT8, int(5, 1), int(7, 2)), "m.onnx: tensor w of data type 3 has int64_data; ONNX keeps it in int32_data"],
      [typed(ElemType.INT32, int(5, 1)), "m.onnx: tensor w is shorter than its shape"],
    ];
    for (const [t, message] of cases) {
      const error = failure(() => readElements(t, [0, 1], undefined, "m.onnx"));
      expect(error, message).toBeInstanceOf(ModelLoadError);
      expect(error.message).toBe(message);
    }
    // The same fields where they belong read as numbers.
    expect(readElements(typed(ElemType.FLOAT, bytes(4, half)), [0, 1], undefined, "m.onnx")).toEqual([1.5, -2]);
    expect(readElements(typed(ElemType.INT64, int(7, 3), int(7, 4)), [1, 0], undefined, "m.onnx")).toEqual([4, 3]);
  });

  describe("external data", () => {
    const dir = mkdtempSync(join(tmpdir(), "rk-elements-"));
    // float32 [0.5, -1.25, 3.0, -7.75] after 4 bytes of padding
    writeFileSync(join(dir, "w.bin"), Uint8Array.from([9, 9, 9, 9, 0, 0, 0, 63, 0, 0, 160, 191, 0, 0, 64, 64, 0, 0, 248, 192]));
    const entry = (k: string, v: string) => bytes(13, concat([bytes(1, k), bytes(2, v)]));
    const ext = (dims: number[], kv: Record<string, string>) =>
      parseTensor(concat([...dims.map((d) => int(1, d)), int(2, ElemType.FLOAT), bytes(8, "x"), ...Object.entries(kv).map(([k, v]) => entry(k, v)), int(14, 1)]));
    const openFds = () => readdirSync("/proc/self/fd").length;

    it("reads the elements at the declared offset, with and without a declared length, and closes the file", () => {
      const before = process.platform === "linux" ? openFds() : 0;
      expect(readElements(ext([4], { location: "w.bin", offset: "4", length: "16" }), [3, 0, 1], dir, "m.onnx")).toEqual([-7.75, 0.5, -1.25]);
      expect(readElements(ext([4], { location: "w.bin", offset: "4" }), [2, 3], dir, "m.onnx")).toEqual([3, -7.75]);
      if (process.platform === "linux") expect(openFds()).toBe(before);
    });

    it("a declared length or a file shorter than the shape is a ModelLoadError; no folder is one too", () => {
      const declared = failure(() => readElements(ext([4], { location: "w.bin", offset: "4", length: "8" }), [3], dir, "m.onnx"));
      expect(declared).toBeInstanceOf(ModelLoadError);
      expect(declared.message).toBe("m.onnx: external data of x is shorter than its shape");
      const file = failure(() => readElements(ext([5], { location: "w.bin", offset: "4" }), [4], dir, "m.onnx"));
      expect(file).toBeInstanceOf(ModelLoadError);
      expect(file.message).toBe("m.onnx: external data of x is shorter than its shape");
      const noDir = failure(() => readElements(ext([4], { location: "w.bin" }), [0], undefined, "m.onnx"));
      expect(noDir).toBeInstanceOf(ModelLoadError);
      expect(noDir.message).toBe("m.onnx: tensor x is in external data (w.bin); pass externalDataDir");
    });
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
