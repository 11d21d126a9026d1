/**
 * The load-time encoder rewrite (src/local/runtime/encoder-graph-rewrite.ts) on small graphs built
 * here: which graphs it rewrites, which nodes the result has, and that ONNX Runtime computes the
 * same outputs from the rewritten graph as from the original. Every graph is built and rewritten
 * inside its test.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { rewriteEncoderGraph } from "../../src/local/runtime/encoder-graph-rewrite.js";
import { parseModel } from "../../src/local/runtime/onnx-proto.js";
import { ElemType, bytes, concat, encodeNode, encodeTensor, encodeValueInfo, int, type NodeSpec } from "../../src/local/runtime/onnx-writer.js";

const f32 = (v: number) => new Uint8Array(new Float32Array([v]).buffer);
/** A float32 initializer (scalar unless dims are given). */
const scalarInit = (name: string, v: number, dims: number[] = []) => ({ name, v, dims });
type Init = ReturnType<typeof scalarInit>;

/** A `Constant` node whose `value` is a float32 tensor (AttributeProto t = 5, type TENSOR = 4). */
function constantNode(output: string, v: number, dims: number[] = []): Uint8Array {
  const attr = concat([bytes(1, "value"), bytes(5, encodeTensor(output, dims, ElemType.FLOAT, f32(v))), int(20, 4)]);
  return concat([bytes(2, output), bytes(3, `const_${output}`), bytes(4, "Constant"), bytes(5, attr)]);
}

interface G {
  nodes: (NodeSpec | Uint8Array)[];
  inits?: Init[];
  inputs: { name: string; elemType?: number; dims: number[] }[];
  outputs: string[];
  outDims?: number[];
  /** Extra opset imports, e.g. com.microsoft already declared. */
  opsets?: [string, number][];
  /** Encoded TensorProtos appended to the initializers (other element types). */
  rawInits?: Uint8Array[];
}

function build(g: G): Uint8Array {
  const graph = concat([
    ...g.nodes.map((n, i) => bytes(1, n instanceof Uint8Array ? n : encodeNode(n, i))),
    bytes(2, "g"),
    ...(g.inits ?? []).map((t) => bytes(5, encodeTensor(t.name, t.dims, ElemType.FLOAT, f32(t.v)))),
    ...(g.rawInits ?? []).map((t) => bytes(5, t)),
    ...g.inputs.map((v) => bytes(11, encodeValueInfo({ name: v.name, elemType: v.elemType ?? ElemType.FLOAT, dims: v.dims }))),
    ...g.outputs.map((o) => bytes(12, encodeValueInfo({ name: o, elemType: ElemType.FLOAT, dims: g.outDims ?? g.inputs[0]!.dims }))),
  ]);
  const opsets = [["", 17] as [string, number], ...(g.opsets ?? [])].map(([d, v]) => bytes(8, concat([bytes(1, d), int(2, v)])));
  return concat([int(1, 8), bytes(2, "test"), bytes(7, graph), ...opsets]);
}

const ops = (model: Uint8Array) => parseModel(model, "t").nodes.map((n) => `${n.domain ? `${n.domain}.` : ""}${n.op}`);
const initNames = (model: Uint8Array) => parseModel(model, "t").initializers.map((t) => t.name);

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, graphOptimizationLevel: "all", logSeverityLevel: 3 });
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await session.release();
  }
}

const X = [-3, -1.5, -0.25, 0, 0.7, 2.5];
const xFeed = () => ({ x: new ort.Tensor("float32", Float32Array.from(X), [2, 3]) });
/** Exact GELU, x * Phi(x), by an independent series for erf (Abramowitz-Stegun 7.1.26 is too coarse). */
function erf(z: number): number {
  // Maclaurin series; |z| <= 2.2 here, 60 terms are far below float32 resolution.
  let sum = 0;
  let term = z;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-z * z) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** torch's exact GELU, `(x * (1 + erf(x / sqrt2))) * 0.5`, with its constants as initializers. */
function geluNodes(p = "", x = "x", y = "y", o: { half?: number; one?: number; sqrt2?: number } = {}): { nodes: NodeSpec[]; inits: Init[] } {
  return {
    nodes: [
      { op: "Div", inputs: [x, `${p}sqrt2`], outputs: [`${p}d`] },
      { op: "Erf", inputs: [`${p}d`], outputs: [`${p}e`] },
      { op: "Add", inputs: [`${p}e`, `${p}one`], outputs: [`${p}a`] },
      { op: "Mul", inputs: [x, `${p}a`], outputs: [`${p}m`] },
      { op: "Mul", inputs: [`${p}m`, `${p}half`], outputs: [y] },
    ],
    inits: [scalarInit(`${p}sqrt2`, o.sqrt2 ?? Math.SQRT2), scalarInit(`${p}one`, o.one ?? 1), scalarInit(`${p}half`, o.half ?? 0.5)],
  };
}
const xIn = [{ name: "x", dims: [2, 3] }];

async function expectSameOutputs(original: Uint8Array, rewritten: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const want = await run(original, feeds);
  const got = await run(rewritten, feeds);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) {
    const w = [...want[k]!];
    [...got[k]!].forEach((v, i) => expect(Math.abs(v - w[i]!)).toBeLessThanOrEqual(1e-5));
  }
}

describe("exact GELU subgraphs", () => {
  it("replaces torch's exact GELU by one com.microsoft Gelu, declares the domain, drops its constants and computes the same", async () => {
    const { nodes, inits } = geluNodes();
    const model = build({ nodes, inits, inputs: xIn, outputs: ["y"] });
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats).toEqual({ gelu: 1, nanGuards: 0, maskFills: 0 });
    expect(ops(rewrite!.model)).toEqual(["com.microsoft.Gelu"]);
    // Nothing reads the three constants any more (ORT would warn once per unused initializer).
    expect(initNames(rewrite!.model)).toEqual([]);
    const got = (await run(rewrite!.model, xFeed()))["y"]!;
    X.forEach((x, i) => expect(got[i]).toBeCloseTo(gelu(x), 5));
    await expectSameOutputs(model, rewrite!.model, xFeed());
  });

  it("accepts the other grouping, x * (0.5 * (1 + erf)), constants as Constant nodes and x * (1/sqrt2) for the division", async () => {
    const nodes = [
      constantNode("half", 0.5),
      constantNode("one", 1),
      constantNode("rsqrt2", Math.SQRT1_2),
      { op: "Mul", inputs: ["rsqrt2", "x"], outputs: ["d"] },
      { op: "Erf", inputs: ["d"], outputs: ["e"] },
      { op: "Add", inputs: ["one", "e"], outputs: ["a"] },
      { op: "Mul", inputs: ["half", "a"], outputs: ["h"] },
      { op: "Mul", inputs: ["x", "h"], outputs: ["y"] },
    ];
    const model = build({ nodes, inputs: xIn, outputs: ["y"] });
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats.gelu).toBe(1);
    expect(ops(rewrite!.model).filter((o) => o !== "Constant")).toEqual(["com.microsoft.Gelu"]);
    await expectSameOutputs(model, rewrite!.model, xFeed());
  });

  it("rewrites two GELUs in a row, each with its own node name, and declares com.microsoft once", async () => {
    const a = geluNodes("a_", "x", "y1");
    const b = geluNodes("b_", "y1", "y");
    const model = build({ nodes: [...a.nodes, ...b.nodes], inits: [...a.inits, ...b.inits], inputs: xIn, outputs: ["y"], opsets: [["com.microsoft", 1]] });
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats.gelu).toBe(2);
    expect(ops(rewrite!.model)).toEqual(["com.microsoft.Gelu", "com.microsoft.Gelu"]);
    const names = parseModel(rewrite!.model, "t").nodes.map((n) => n.name);
    expect(new Set(names).size).toBe(2);
    expect(names.every((n) => n.length > 0)).toBe(true);
    // An opset declared twice for one domain is a model error, so the existing import is reused.
    const domains = parseModel(rewrite!.model, "t").modelFields.filter((f) => f[0] === (8 << 3) + 2);
    expect(domains).toHaveLength(2);
    await expectSameOutputs(model, rewrite!.model, xFeed());
  });

  const notGelu: [string, () => G][] = [
    ["0.4 instead of 0.5", () => ({ ...geluNodes("", "x", "y", { half: 0.4 }), inputs: xIn, outputs: ["y"] })],
    ["2 instead of 1 in the Add", () => ({ ...geluNodes("", "x", "y", { one: 2 }), inputs: xIn, outputs: ["y"] })],
    ["a division by 2", () => ({ ...geluNodes("", "x", "y", { sqrt2: 2 }), inputs: xIn, outputs: ["y"] })],
    ["the half as a [2] tensor", () => {
      const g = geluNodes();
      return { nodes: g.nodes, inits: [...g.inits.slice(0, 2), scalarInit("half", 0.5, [1, 1])].map((t) => (t.name === "half" ? { ...t, dims: [2, 1] } : t)), inputs: xIn, outputs: ["y"] };
    }],
    ["the erf output also a graph output", () => ({ ...geluNodes(), inputs: xIn, outputs: ["y", "e"] })],
    ["the Add output also read elsewhere", () => {
      const g = geluNodes();
      return { nodes: [...g.nodes, { op: "Neg", inputs: ["a"], outputs: ["z"] }], inits: g.inits, inputs: xIn, outputs: ["y", "z"] };
    }],
    ["the division output also read elsewhere", () => {
      const g = geluNodes();
      return { nodes: [...g.nodes, { op: "Neg", inputs: ["d"], outputs: ["z"] }], inits: g.inits, inputs: xIn, outputs: ["y", "z"] };
    }],
    ["the erf input also read elsewhere", () => {
      const g = geluNodes();
      return { nodes: [...g.nodes, { op: "Neg", inputs: ["e"], outputs: ["z"] }], inits: g.inits, inputs: xIn, outputs: ["y", "z"] };
    }],
    ["the division of another value than x", () => {
      const g = geluNodes();
      g.nodes[0] = { op: "Div", inputs: ["w", "sqrt2"], outputs: ["d"] };
      return { nodes: g.nodes, inits: g.inits, inputs: [...xIn, { name: "w", dims: [2, 3] }], outputs: ["y"] };
    }],
    ["x * (1/sqrt2) of another value", () => {
      const g = geluNodes();
      g.nodes[0] = { op: "Mul", inputs: ["w", "rs"], outputs: ["d"] };
      return { nodes: g.nodes, inits: [...g.inits, scalarInit("rs", Math.SQRT1_2)], inputs: [...xIn, { name: "w", dims: [2, 3] }], outputs: ["y"] };
    }],
    ["x * c with c not 1/sqrt2", () => {
      const g = geluNodes();
      g.nodes[0] = { op: "Mul", inputs: ["x", "rs"], outputs: ["d"] };
      return { nodes: g.nodes, inits: [...g.inits, scalarInit("rs", 0.5)], inputs: xIn, outputs: ["y"] };
    }],
    ["a Sub instead of the Add", () => {
      const g = geluNodes();
      g.nodes[2] = { op: "Sub", inputs: ["e", "one"], outputs: ["a"] };
      return { nodes: g.nodes, inits: g.inits, inputs: xIn, outputs: ["y"] };
    }],
    ["an Add of two non-constants", () => {
      const g = geluNodes();
      g.nodes[2] = { op: "Add", inputs: ["e", "e"], outputs: ["a"] };
      return { nodes: g.nodes, inits: g.inits, inputs: xIn, outputs: ["y"] };
    }],
    ["a Tanh instead of the Erf", () => {
      const g = geluNodes();
      g.nodes[1] = { op: "Tanh", inputs: ["d"], outputs: ["e"] };
      return { nodes: g.nodes, inits: g.inits, inputs: xIn, outputs: ["y"] };
    }],
    ["final Mul of another domain", () => {
      const g = geluNodes();
      g.nodes[4] = { op: "Mul", inputs: ["m", "half"], outputs: ["y"], domain: "ai.onnx.ml" };
      return { nodes: g.nodes, inits: g.inits, inputs: xIn, outputs: ["y"] };
    }],
  ];
  it.each(notGelu)("leaves a near-GELU alone: %s", (_, make) => {
    expect(rewriteEncoderGraph(build(make()), "t")).toBeUndefined();
  });

  it("returns undefined for a graph with neither pattern", () => {
    expect(rewriteEncoderGraph(build({ nodes: [{ op: "Mul", inputs: ["x", "x"], outputs: ["y"] }], inputs: xIn, outputs: ["y"] }), "t")).toBeUndefined();
  });

  it("keeps a constant the GELU shares with a kept node, and one that is also a graph input", async () => {
    const g = geluNodes();
    const nodes = [...g.nodes, { op: "Mul", inputs: ["y", "half"], outputs: ["z"] }];
    const model = build({ nodes, inits: g.inits, inputs: [...xIn, { name: "one", dims: [] }], outputs: ["z"] });
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats.gelu).toBe(1);
    expect(initNames(rewrite!.model).sort()).toEqual(["half", "one"]);
    expect(ops(rewrite!.model)).toEqual(["com.microsoft.Gelu", "Mul"]);
    const feeds = { ...xFeed(), one: new ort.Tensor("float32", Float32Array.from([1]), []) };
    await expectSameOutputs(model, rewrite!.model, feeds);
  });
});

/** Attention: `Where(IsNaN(s), 0, s)` with `s = Softmax(scores + Where(mask, a, b))`. */
function guardGraph(o: { a?: number; b?: number; zero?: number; fillOp?: string; isNaNOf?: string; extra?: NodeSpec[]; outputs?: string[]; constA?: boolean } = {}): G {
  const nodes: (NodeSpec | Uint8Array)[] = [
    { op: o.fillOp ?? "Where", inputs: ["mask", "fa", "fb"], outputs: ["bias"] },
    { op: "Add", inputs: ["scores", "bias"], outputs: ["sum"] },
    { op: "Softmax", inputs: ["sum"], outputs: ["s"], attrs: { axis: -1 } },
    { op: "IsNaN", inputs: [o.isNaNOf ?? "s"], outputs: ["nan"] },
    { op: "Where", inputs: ["nan", "zero", "s"], outputs: ["p"] },
    ...(o.extra ?? []),
  ];
  const inits = [scalarInit("fb", o.b ?? -Infinity), scalarInit("zero", o.zero ?? 0)];
  if (o.constA) nodes.unshift(constantNode("fa", o.a ?? 0));
  else inits.push(scalarInit("fa", o.a ?? 0));
  return {
    nodes,
    inits,
    inputs: [{ name: "scores", dims: [2, 3] }, { name: "mask", elemType: ElemType.BOOL, dims: [2, 3] }],
    outputs: o.outputs ?? ["p"],
  };
}
const SCORES = [0.5, -1, 2, 1, 1, 1];
const guardFeeds = (mask: boolean[]) => ({
  scores: new ort.Tensor("float32", Float32Array.from(SCORES), [2, 3]),
  mask: new ort.Tensor("bool", Uint8Array.from(mask.map(Number)), [2, 3]),
});

describe("Softmax NaN guards", () => {
  it("removes the guard, makes a -inf fill the lowest float32 and keeps a fully masked row finite", async () => {
    const model = build(guardGraph());
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats).toEqual({ gelu: 0, nanGuards: 1, maskFills: 1 });
    expect(ops(rewrite!.model)).toEqual(["Where", "Add", "Softmax", "Identity"]);
    // The zero only the guard read is gone; the new lowest-float constant is there.
    expect(initNames(rewrite!.model)).not.toContain("zero");
    expect(initNames(rewrite!.model)).not.toContain("fb");
    // A partly masked batch: the same probabilities as the original.
    const partly = guardFeeds([true, true, false, true, false, true]);
    await expectSameOutputs(model, rewrite!.model, partly);
    // Row 0 masked out entirely: the original guard gives zeros, the rewrite a uniform row
    // (softmax over equal finite scores added to -3.4e38 leaves the scores' own spread, all finite).
    const got = (await run(rewrite!.model, guardFeeds([false, false, false, true, true, true])))["p"]!;
    expect([...got].every(Number.isFinite)).toBe(true);
    // Row 1 is unmasked: softmax of (1, 1, 1).
    [...got.slice(3)].forEach((v) => expect(v).toBeCloseTo(1 / 3, 6));
  });

  it("removes a guard whose fill is already finite without adding a constant, and keeps the fill node", async () => {
    const model = build(guardGraph({ b: -10000, constA: true }));
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats).toEqual({ gelu: 0, nanGuards: 1, maskFills: 0 });
    expect(ops(rewrite!.model)).toEqual(["Constant", "Where", "Add", "Softmax", "Identity"]);
    expect(initNames(rewrite!.model).sort()).toEqual(["fb"]);
    // No com.microsoft op was added, so no com.microsoft opset import either.
    expect(parseModel(rewrite!.model, "t").modelFields.filter((f) => f[0] === (8 << 3) + 2)).toHaveLength(1);
    await expectSameOutputs(model, rewrite!.model, guardFeeds([true, false, true, false, true, true]));
  });

  it("fixes a -inf fill in the first branch, Where(mask, -inf, 0)", async () => {
    const model = build(guardGraph({ a: -Infinity, b: 0 }));
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats.maskFills).toBe(1);
    await expectSameOutputs(model, rewrite!.model, guardFeeds([false, true, true, true, false, true]));
    const got = (await run(rewrite!.model, guardFeeds([true, true, true, false, false, false])))["p"]!;
    expect([...got].every(Number.isFinite)).toBe(true);
  });

  it("shares one lowest-float constant between two guarded attentions and names each new node apart", async () => {
    const g = guardGraph();
    const second: NodeSpec[] = [
      { op: "Where", inputs: ["mask", "fa", "fb"], outputs: ["bias2"] },
      { op: "Add", inputs: ["p", "bias2"], outputs: ["sum2"] },
      { op: "Softmax", inputs: ["sum2"], outputs: ["s2"], attrs: { axis: -1 } },
      { op: "IsNaN", inputs: ["s2"], outputs: ["nan2"] },
      { op: "Where", inputs: ["nan2", "zero", "s2"], outputs: ["p2"] },
    ];
    const model = build({ ...g, nodes: [...g.nodes, ...second], outputs: ["p2"] });
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats).toEqual({ gelu: 0, nanGuards: 2, maskFills: 2 });
    const parsed = parseModel(rewrite!.model, "t");
    expect(parsed.initializers.map((t) => t.name).filter((n) => !["fa", "fb", "zero"].includes(n))).toHaveLength(1);
    const names = parsed.nodes.map((n) => n.name);
    expect(new Set(names).size).toBe(names.length);
    await expectSameOutputs(model, rewrite!.model, guardFeeds([true, true, false, true, false, true]));
  });

  const notGuard: [string, () => G][] = [
    ["a fill with a NaN constant", () => guardGraph({ a: NaN })],
    ["a fill with +inf", () => guardGraph({ a: Infinity })],
    ["a guard writing 1 instead of 0", () => guardGraph({ zero: 1 })],
    ["IsNaN of another value than the Softmax", () => guardGraph({ isNaNOf: "sum" })],
    ["the IsNaN output also a graph output", () => guardGraph({ outputs: ["p", "nan"] })],
    ["a bias that is not a Where", () => ({ ...guardGraph({ fillOp: "Sum" }) })],
    ["a Where with two inputs for the fill", () => {
      const g = guardGraph();
      g.nodes[0] = { op: "Where", inputs: ["mask", "fa"], outputs: ["bias"] };
      return g;
    }],
    ["a guard Where of another domain", () => {
      const g = guardGraph();
      g.nodes[4] = { op: "Where", inputs: ["nan", "zero", "s"], outputs: ["p"], domain: "ai.onnx.ml" };
      return g;
    }],
    ["a guard Where with an extra input", () => {
      const g = guardGraph();
      g.nodes[4] = { op: "Where", inputs: ["nan", "zero", "s", "s"], outputs: ["p"] };
      return g;
    }],
    ["a Softmax of a Mul", () => {
      const g = guardGraph();
      g.nodes[1] = { op: "Mul", inputs: ["scores", "bias"], outputs: ["sum"] };
      return g;
    }],
  ];
  it.each(notGuard)("leaves other guards alone: %s", (_, make) => {
    expect(rewriteEncoderGraph(build(make()), "t")).toBeUndefined();
  });
});

describe("both patterns in one graph", () => {
  it("rewrites a GELU and a guard together and computes the same", async () => {
    const g = guardGraph({ b: -10000 });
    const ge = geluNodes("g_", "p", "y");
    const model = build({ ...g, nodes: [...g.nodes, ...ge.nodes], inits: [...g.inits!, ...ge.inits], outputs: ["y"] });
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats).toEqual({ gelu: 1, nanGuards: 1, maskFills: 0 });
    expect(ops(rewrite!.model)).toEqual(["Where", "Add", "Softmax", "Identity", "com.microsoft.Gelu"]);
    await expectSameOutputs(model, rewrite!.model, guardFeeds([true, false, true, true, true, false]));
  });
});

describe("more GELU shapes", () => {
  it("declares the com.microsoft opset the new Gelu needs (ONNX requires an import for every domain used)", () => {
    const { nodes, inits } = geluNodes();
    const rewrite = rewriteEncoderGraph(build({ nodes, inits, inputs: xIn, outputs: ["y"] }), "t");
    const imports = parseModel(rewrite!.model, "t").modelFields.filter((f) => f[0] === (8 << 3) + 2);
    expect(imports.some((f) => new TextDecoder().decode(f).includes("com.microsoft"))).toBe(true);
  });

  it("accepts one-element [1] constants and the half as the first factor, 0.5 * (x * (1 + erf))", async () => {
    const g = geluNodes();
    g.nodes[4] = { op: "Mul", inputs: ["half", "m"], outputs: ["y"] };
    const model = build({ nodes: g.nodes, inits: g.inits.map((t) => ({ ...t, dims: [1] })), inputs: xIn, outputs: ["y"] });
    const rewrite = rewriteEncoderGraph(model, "t");
    expect(rewrite?.stats.gelu).toBe(1);
    expect(ops(rewrite!.model)).toEqual(["com.microsoft.Gelu"]);
    await expectSameOutputs(model, rewrite!.model, xFeed());
  });

  const notGelu2: [string, () => G][] = [
    ["an Erf of another domain", () => {
      const g = geluNodes();
      g.nodes[1] = { op: "Erf", inputs: ["d"], outputs: ["e"], domain: "ai.onnx.ml" };
      return { nodes: g.nodes, inits: g.inits, inputs: xIn, outputs: ["y"] };
    }],
    ["a final Add instead of the Mul", () => {
      const g = geluNodes();
      g.nodes[4] = { op: "Add", inputs: ["m", "half"], outputs: ["y"] };
      return { nodes: g.nodes, inits: g.inits, inputs: xIn, outputs: ["y"] };
    }],
  ];
  it.each(notGelu2)("leaves a near-GELU alone: %s", (_, make) => {
    expect(rewriteEncoderGraph(build(make()), "t")).toBeUndefined();
  });

  it("leaves a GELU alone whose 0.5 is a float64 constant (only float32 scalars are read)", () => {
    const g = geluNodes();
    const half64 = encodeTensor("half", [], 11, new Uint8Array(new Float64Array([0.5]).buffer));
    const withDouble = build({ nodes: [...g.nodes], inits: g.inits.filter((t) => t.name !== "half"), inputs: xIn, outputs: ["y"], rawInits: [half64] });
    expect(rewriteEncoderGraph(withDouble, "t")).toBeUndefined();
  });
});
