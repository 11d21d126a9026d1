/**
 * The hand-written protobuf reader and writer (src/local/runtime/onnx-proto.ts, onnx-writer.ts)
 * on the values the graph rewrites read: negative int64 attributes and shapes (a Softmax axis of
 * -1 is a 10-byte varint).
 */
import { describe, expect, it } from "vitest";
import { parseNode, parseTensor, readElements } from "../../src/local/runtime/onnx-proto.js";
import { ElemType, encodeNode, encodeTensor, int } from "../../src/local/runtime/onnx-writer.js";

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
