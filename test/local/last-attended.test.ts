/**
 * lastAttendedScore on a hand-built graph run in onnxruntime-node: the score is the head row
 * applied at each row's last attended position (counted in the new tokens, after a past of
 * `mask width - seq` positions), for float32 and for float16 hidden states (cast before the head).
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { lastAttendedScore } from "../../src/local/runtime/last-attended.js";
import { bytes, concat, ElemType, encodeNode, encodeTensor, encodeValueInfo, int, type NodeSpec } from "../../src/local/runtime/onnx-writer.js";

const B = 3;
const S = 3;
const K = 2;
const T = 4; // one past position
const ROW = [2, -1];

/** x: [B, S, K] float32 input; the head reads it directly, or through a Cast to float16. */
function graph(hiddenType: number): Uint8Array {
  const pre: NodeSpec[] = hiddenType === ElemType.FLOAT ? [] : [{ op: "Cast", inputs: ["x"], outputs: ["hidden"], attrs: { to: hiddenType }, name: "to_half" }];
  const hidden = hiddenType === ElemType.FLOAT ? "x" : "hidden";
  const head = lastAttendedScore("la", hidden, hiddenType, "row", "score");
  const row = encodeTensor("row", [K, 1], ElemType.FLOAT, new Uint8Array(Float32Array.from(ROW).buffer));
  const nodes = [...pre, ...head.nodes];
  const g = concat([
    ...nodes.map((n, i) => bytes(1, encodeNode(n, i))),
    bytes(2, "g"),
    ...[row, ...head.initializers].map((t) => bytes(5, t)),
    bytes(11, encodeValueInfo({ name: "x", elemType: ElemType.FLOAT, dims: ["b", "s", K] })),
    bytes(11, encodeValueInfo({ name: "attention_mask", elemType: ElemType.INT64, dims: ["b", "t"] })),
    bytes(12, encodeValueInfo({ name: "score", elemType: ElemType.FLOAT, dims: ["b", 1] })),
  ]);
  return concat([int(1, 8), bytes(2, "test"), bytes(7, g), bytes(8, concat([bytes(1, ""), int(2, 17)]))]);
}

// Small integers: exact in float16, so both element types give the same scores.
const x = Float32Array.from({ length: B * S * K }, (_, i) => (i * 7) % 11 - 4);
// Right padded, full, and left padded (the last attended position is the last column).
const mask = [
  [1, 1, 1, 0],
  [1, 1, 1, 1],
  [0, 1, 1, 1],
];

function expected(): number[] {
  return mask.map((m, b) => {
    const lastInMask = m.lastIndexOf(1);
    const t = lastInMask - (T - S);
    return x[(b * S + t) * K]! * ROW[0]! + x[(b * S + t) * K + 1]! * ROW[1]!;
  });
}

async function run(hiddenType: number): Promise<number[]> {
  const session = await ort.InferenceSession.create(graph(hiddenType), { intraOpNumThreads: 1 });
  try {
    const out = await session.run({
      x: new ort.Tensor("float32", x, [B, S, K]),
      attention_mask: new ort.Tensor("int64", BigInt64Array.from(mask.flat().map(BigInt)), [B, T]),
    });
    expect(out["score"]!.dims).toEqual([B, 1]);
    return Array.from(out["score"]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

describe("lastAttendedScore", () => {
  it("scores float32 hidden states at each row's last attended position after a past", async () => {
    expect(await run(ElemType.FLOAT)).toEqual(expected());
  });

  it("casts float16 hidden states to float32 before the float32 head row", async () => {
    expect(await run(ElemType.FLOAT16)).toEqual(expected());
  });
});
