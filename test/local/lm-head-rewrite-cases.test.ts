/**
 * The LM-head rewrite on small hand-built graphs: each head layout it accepts scores as the full
 * graph's `sum_i c_i * logits[b, last, token_i]` when both run in onnxruntime, and each layout it
 * refuses is named in a ModelLoadError. The graphs are built inside each test (not in a hook).
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/index.js";
import { rewriteLmHeadToScore, type LmHeadScoreSpec, type LmHeadRewriteOptions } from "../../src/local/runtime/lm-head-rewrite.js";
import { bytes, concat, ElemType, encodeNode, encodeTensor, encodeValueInfo, int, type NodeSpec, type ValueInfo } from "../../src/local/runtime/onnx-writer.js";

type Bytes = Uint8Array;
const B = 2;
const S = 3;
const K = 4;
const N = 5;

const f32 = (name: string, dims: number[], values: number[]): Bytes => encodeTensor(name, dims, ElemType.FLOAT, new Uint8Array(Float32Array.from(values).buffer));
const u8 = (name: string, dims: number[], values: number[]): Bytes => encodeTensor(name, dims, ElemType.UINT8, Uint8Array.from(values));
/** Deterministic, non-symmetric values. */
const vals = (count: number, seed: number) => Array.from({ length: count }, (_, i) => Math.sin(seed * 7.1 + i * 1.37) * (1 + (i % 3)));

/** A node, optionally with extra AttributeProto bodies (tensor or graph attributes). */
function node(spec: NodeSpec, index: number, extraAttrs: Bytes[] = []): Bytes {
  return concat([encodeNode(spec, index), ...extraAttrs.map((a) => bytes(5, a))]);
}
/** AttributeProto of type GRAPH (5): field 6. */
const graphAttr = (name: string, g: Bytes) => concat([bytes(1, name), bytes(6, g), int(20, 5)]);
/** AttributeProto of type TENSOR (4): field 5. */
const tensorAttr = (name: string, t: Bytes) => concat([bytes(1, name), bytes(5, t), int(20, 4)]);

function graph(g: { nodes: Bytes[]; inits?: Bytes[]; inputs?: ValueInfo[]; outputs: ValueInfo[] }): Bytes {
  return concat([
    ...g.nodes.map((n) => bytes(1, n)),
    bytes(2, "g"),
    ...(g.inits ?? []).map((t) => bytes(5, t)),
    ...(g.inputs ?? []).map((v) => bytes(11, encodeValueInfo(v))),
    ...g.outputs.map((v) => bytes(12, encodeValueInfo(v))),
  ]);
}
function model(g: Parameters<typeof graph>[0]): Bytes {
  return concat([int(1, 8), bytes(2, "t"), bytes(7, graph(g)), bytes(8, concat([bytes(1, ""), int(2, 17)])), bytes(8, concat([bytes(1, "com.microsoft"), int(2, 1)]))]);
}
const H: ValueInfo = { name: "h", elemType: ElemType.FLOAT, dims: ["batch", "seq", K] };
const LOGITS: ValueInfo = { name: "logits", elemType: ElemType.FLOAT, dims: ["batch", "seq", N] };
const hidden = vals(B * S * K, 3);
const SPEC: LmHeadScoreSpec = { rows: [{ tokenId: N - 1, coefficient: 1 }, { tokenId: 1, coefficient: -1 }, { tokenId: 0, coefficient: 0.25 }] };

async function run(m: Bytes, feeds: Record<string, ort.Tensor>, out: string): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(m, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    return (await session.run(feeds))[out] as ort.Tensor;
  } finally {
    await session.release();
  }
}
const hFeed = () => ({ h: new ort.Tensor("float32", Float32Array.from(hidden), [B, S, K]) });

/** The full graph's combination at position `pos[b]` (default: last) of every row. */
async function fullScores(m: Bytes, spec = SPEC, feeds: Record<string, ort.Tensor> = hFeed(), pos?: number[]): Promise<number[]> {
  const logits = await run(m, feeds, "logits");
  const [b, s, n] = logits.dims as [number, number, number];
  const data = logits.data as Float32Array;
  return Array.from({ length: b }, (_, r) => spec.rows.reduce((sum, { tokenId, coefficient }) => sum + coefficient * (data[(r * s + (pos?.[r] ?? s - 1)) * n + tokenId] as number), 0));
}
async function rewrittenScores(m: Bytes, spec = SPEC, options: LmHeadRewriteOptions = {}, feeds: Record<string, ort.Tensor> = hFeed()): Promise<number[]> {
  const out = await run(rewriteLmHeadToScore(m, spec, options), feeds, "logits");
  expect(out.dims).toEqual([B, 1]);
  return Array.from(out.data as Float32Array);
}
async function expectSameScores(m: Bytes, spec = SPEC, tol = 1e-5): Promise<void> {
  const full = await fullScores(m, spec);
  const got = await rewrittenScores(m, spec);
  for (let i = 0; i < B; i++) expect(Math.abs((got[i] as number) - (full[i] as number))).toBeLessThan(tol);
  // Sensitivity: the rows differ, so a wrong column or position would not match.
  expect(Math.abs((full[0] as number) - (full[1] as number))).toBeGreaterThan(1e-2);
}
const W = vals(K * N, 5);
/** logits = MatMul(h, W) with W [K, N] given by `weight` (an initializer unless `nodes` produce it). */
function matmulModel(extra: { nodes?: Bytes[]; inits?: Bytes[]; weight?: string; after?: (i: number) => Bytes[]; outputs?: ValueInfo[]; inputs?: ValueInfo[] } = {}): Bytes {
  const mmOut = extra.after ? "mm" : "logits";
  return model({
    nodes: [...(extra.nodes ?? []), node({ op: "MatMul", inputs: ["h", extra.weight ?? "W"], outputs: [mmOut], name: "lm_head" }, 90), ...(extra.after?.(91) ?? [])],
    inits: extra.inits ?? [f32("W", [K, N], W)],
    inputs: extra.inputs ?? [H],
    outputs: extra.outputs ?? [LOGITS],
  });
}
const msg = (why: string, source = "model.onnx") => `${source}: cannot rewrite the LM head: ${why}`;
function refusal(m: Bytes, spec: LmHeadScoreSpec = SPEC, options: LmHeadRewriteOptions = {}): string {
  try {
    rewriteLmHeadToScore(m, spec, options);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return (e as Error).message;
  }
  throw new Error("the rewrite did not refuse");
}

describe("rewriteLmHeadToScore on hand-built fp32 MatMul heads", () => {
  it("plain MatMul: same scores as the full graph, including the last vocabulary row", async () => {
    await expectSameScores(matmulModel());
  });

  it("weight through Identity, or a Constant node: same scores", async () => {
    await expectSameScores(matmulModel({ inits: [f32("W0", [K, N], W)], nodes: [node({ op: "Identity", inputs: ["W0"], outputs: ["W"] }, 0)] }));
    await expectSameScores(matmulModel({ inits: [], nodes: [node({ op: "Constant", inputs: [], outputs: ["W"] }, 0, [tensorAttr("value", f32("Wc", [K, N], W))])] }));
  });

  it("logits behind Identity or Cast of the head: peeled off, same scores", async () => {
    await expectSameScores(matmulModel({ after: (i) => [node({ op: "Identity", inputs: ["mm"], outputs: ["logits"] }, i)] }));
    await expectSameScores(matmulModel({ after: (i) => [node({ op: "Cast", inputs: ["mm"], outputs: ["logits"], attrs: { to: ElemType.FLOAT } }, i)] }));
  });

  it("tied embedding through Transpose(perm [1, 0]) and without perm: same scores", async () => {
    // E [N, K] is W transposed.
    const E = Array.from({ length: N * K }, (_, idx) => W[(idx % K) * N + Math.floor(idx / K)] as number);
    for (const attrs of [{ perm: [1, 0] }, undefined]) {
      await expectSameScores(matmulModel({ weight: "Et", inits: [f32("E", [N, K], E)], nodes: [node({ op: "Transpose", inputs: ["E"], outputs: ["Et"], ...(attrs && { attrs }) }, 0)] }));
    }
  });

  it("GroupQueryAttention graphs read each row at its last attended position (right padding)", async () => {
    // A graph that mentions GroupQueryAttention (here a dead node the rewrite drops) defaults to last-attended.
    const mask = new ort.Tensor("int64", BigInt64Array.from([1n, 1n, 0n, 1n, 1n, 1n]), [B, S]);
    const feeds = { ...hFeed(), attention_mask: mask };
    const inputs = [H, { name: "attention_mask", elemType: ElemType.INT64, dims: ["batch", "seq"] }];
    const dead = node({ op: "GroupQueryAttention", inputs: ["h"], outputs: ["unused"], domain: "com.microsoft", attrs: { num_heads: 1, kv_num_heads: 1 } }, 1);
    const withGqa = matmulModel({ inputs, nodes: [dead] });
    const plain = model({ nodes: [node({ op: "MatMul", inputs: ["h", "W"], outputs: ["logits"] }, 0)], inits: [f32("W", [K, N], W)], inputs: [H], outputs: [LOGITS] });
    const full = await fullScores(plain, SPEC, hFeed(), [1, 2]);
    const got = await rewrittenScores(withGqa, SPEC, {}, feeds);
    for (let i = 0; i < B; i++) expect(Math.abs((got[i] as number) - (full[i] as number))).toBeLessThan(1e-5);
    const atLast = await fullScores(plain);
    expect(Math.abs((got[0] as number) - (atLast[0] as number))).toBeGreaterThan(1e-2);
  });

  it("graphs without GroupQueryAttention need no attention_mask: read at the last position", async () => {
    const got = await rewrittenScores(matmulModel());
    expect(got).toHaveLength(B);
  });

  it("keeps a multi-output node when only one of its outputs is still needed", async () => {
    const other: ValueInfo = { name: "other", elemType: ElemType.FLOAT, dims: ["batch", "seq", 2] };
    const m = matmulModel({
      outputs: [LOGITS, other],
      nodes: [
        node({ op: "Split", inputs: ["h"], outputs: ["a", "b"], attrs: { axis: 2 } }, 0),
        node({ op: "Relu", inputs: ["a"], outputs: ["other"] }, 1),
      ],
    });
    const out = await run(rewriteLmHeadToScore(m, SPEC), hFeed(), "other");
    expect(out.dims).toEqual([B, S, 2]);
  });

  it("keeps the values and weights an If subgraph reads from the outer graph", async () => {
    // other = If(cond) { then: Add(doubled, bias) } else { Sub(doubled, bias) }: the branches read
    // `doubled` (an outer node's output) and `bias` (an outer initializer).
    const other: ValueInfo = { name: "other", elemType: ElemType.FLOAT, dims: ["batch", "seq", K] };
    const branch = (op: string, out: string) =>
      graph({ nodes: [node({ op, inputs: ["doubled", "bias"], outputs: [out] }, 0)], outputs: [{ name: out, elemType: ElemType.FLOAT, dims: ["batch", "seq", K] }] });
    const m = matmulModel({
      outputs: [LOGITS, other],
      inputs: [H, { name: "cond", elemType: ElemType.BOOL, dims: [] }],
      inits: [f32("W", [K, N], W), f32("bias", [K], [1, 2, 3, 4])],
      nodes: [
        node({ op: "Add", inputs: ["h", "h"], outputs: ["doubled"] }, 0),
        node({ op: "If", inputs: ["cond"], outputs: ["other"] }, 1, [graphAttr("then_branch", branch("Add", "t")), graphAttr("else_branch", branch("Sub", "e"))]),
      ],
    });
    const rewritten = rewriteLmHeadToScore(m, SPEC);
    const out = await run(rewritten, { ...hFeed(), cond: new ort.Tensor("bool", [true], []) }, "other");
    expect((out.data as Float32Array)[1]).toBeCloseTo(2 * (hidden[1] as number) + 2, 5);
  });
});

describe("rewriteLmHeadToScore refusals name the model and the reason", () => {
  it("token ids outside the vocabulary and non-finite coefficients", () => {
    const m = matmulModel();
    for (const tokenId of [N, -1, 1.5]) {
      expect(refusal(m, { rows: [{ tokenId: 0, coefficient: 1 }, { tokenId, coefficient: 1 }] })).toBe(msg(`token id ${tokenId} is outside the vocabulary (0..${N - 1})`));
    }
    expect(refusal(m, { rows: [{ tokenId: 2, coefficient: Number.NaN }] })).toBe(msg("coefficient NaN of token 2 is not a finite number"));
    expect(refusal(m, { rows: [{ tokenId: 2, coefficient: 1 }] }, { source: "m.onnx", output: "scores" })).toBe(msg('the graph has no output "scores" (outputs: logits)', "m.onnx"));
  });

  it("heads it does not know", () => {
    const gemm = model({ nodes: [node({ op: "FusedMatMul", inputs: ["h", "W"], outputs: ["logits"], name: "fm", domain: "com.microsoft" }, 0)], inits: [f32("W", [K, N], W)], inputs: [H], outputs: [LOGITS] });
    expect(refusal(gemm)).toBe(msg("the head is a com.microsoft.FusedMatMul node (fm); supported: MatMul, MatMulNBits, MatMulInteger"));
    const relu = model({ nodes: [node({ op: "Relu", inputs: ["h"], outputs: ["logits"], name: "r" }, 0)], inputs: [H], outputs: [LOGITS] });
    expect(refusal(relu)).toBe(msg("the head is a Relu node (r); supported: MatMul, MatMulNBits, MatMulInteger"));
    const passthrough = model({ nodes: [], inputs: [{ ...LOGITS }], outputs: [LOGITS] });
    expect(refusal(passthrough)).toBe(msg('no node produces "logits"'));
    const branch = graph({ nodes: [node({ op: "Identity", inputs: ["h"], outputs: ["x"] }, 0)], outputs: [{ name: "x", elemType: ElemType.FLOAT, dims: [] }] });
    const merged = model({
      nodes: [node({ op: "If", inputs: ["c"], outputs: ["logits"], name: "if" }, 0, [graphAttr("then_branch", branch), graphAttr("else_branch", branch)])],
      inputs: [H, { name: "c", elemType: ElemType.BOOL, dims: [] }],
      outputs: [LOGITS],
    });
    expect(refusal(merged)).toBe(msg("the logits come from an If node (a merged decoder with use_cache_branch); export without merging"));
  });

  it("MatMul heads without a usable constant weight", () => {
    expect(refusal(matmulModel({ inits: [f32("W", [1, K, N], W)] }))).toBe(msg(`the head weight W has shape [1, ${K}, ${N}], expected [hidden, vocab]`));
    const notConst = msg("the head MatMul lm_head does not multiply by a constant weight or a transposed embedding");
    expect(refusal(matmulModel({ inits: [], inputs: [H, { name: "W", elemType: ElemType.FLOAT, dims: [K, N] }] }))).toBe(notConst);
    const E = vals(N * K, 9);
    const transposed = (perm: number[], dims = [N, K]) =>
      matmulModel({ weight: "Et", inits: [f32("E", dims, E)], nodes: [node({ op: "Transpose", inputs: ["E"], outputs: ["Et"], attrs: { perm } }, 0)] });
    // perm [0, 1] is no transpose; [1, 1] is no permutation; a rank-3 embedding is no embedding matrix.
    expect(refusal(transposed([0, 1]))).toBe(notConst);
    expect(refusal(transposed([1, 1]))).toBe(notConst);
    expect(refusal(transposed([1, 0, 2], [N, K, 1]))).toBe(notConst);
  });
});

// Quantized heads. K = 32 in two blocks of 16 (MatMulNBits needs block_size >= 16).
const QK = 32;
const BLOCK = 16;
const QH: ValueInfo = { name: "h", elemType: ElemType.FLOAT, dims: ["batch", "seq", QK] };
const qHidden = vals(B * S * QK, 11);
const qFeed = () => ({ h: new ort.Tensor("float32", Float32Array.from(qHidden), [B, S, QK]) });

/** Quantized values q[col][i] in 0..2^bits-1 and per-(column, block) scales and zero points. */
function nbitsWeights(bits: number) {
  const max = (1 << bits) - 1;
  const q = Array.from({ length: N }, (_, c) => Array.from({ length: QK }, (_, i) => (c * 7 + i * 5 + ((i * i) % 3)) % (max + 1)));
  const scales = Array.from({ length: N * 2 }, (_, j) => 0.01 + 0.003 * ((j * 5) % 7));
  const zeros = Array.from({ length: N * 2 }, (_, j) => (j * 3 + 1) % (max + 1));
  // Blob [N, blocks, BLOCK * bits / 8]: element i of a block in byte i / (8 / bits), low bits first.
  const perByte = 8 / bits;
  const blob = new Uint8Array((N * QK * bits) / 8);
  for (let c = 0; c < N; c++) for (let i = 0; i < QK; i++) blob[(c * QK + i - (i % perByte)) / perByte]! |= (q[c]![i] as number) << ((i % perByte) * bits);
  return { q, scales, zeros, blob };
}
function nbitsModel(bits: number, zp: "packed" | "float" | "none" | "input", extra: { gIdx?: boolean; attrs?: Record<string, number> } = {}): Bytes {
  const w = nbitsWeights(bits);
  const inits = [encodeTensor("B", [N, 2, (BLOCK * bits) / 8], ElemType.UINT8, w.blob), f32("scales", [N * 2], w.scales)];
  const inputs = [QH];
  if (zp === "packed") {
    // Zero points packed like the weights, each column's row padded to whole bytes.
    const rowBytes = Math.ceil((2 * bits) / 8);
    const packed = new Array<number>(N * rowBytes).fill(0);
    for (let c = 0; c < N; c++) for (let j = 0; j < 2; j++) packed[c * rowBytes + Math.floor((j * bits) / 8)]! |= (w.zeros[c * 2 + j] as number) << ((j * bits) % 8);
    inits.push(u8("zp", [N * rowBytes], packed));
  } else if (zp === "float") inits.push(f32("zp", [N * 2], w.zeros));
  else if (zp === "input") inputs.push({ name: "zp", elemType: ElemType.UINT8, dims: [N] });
  const nodeInputs = ["h", "B", "scales", ...(zp === "none" ? (extra.gIdx ? [""] : []) : ["zp"]), ...(extra.gIdx ? ["g_idx"] : [])];
  if (extra.gIdx) inputs.push({ name: "g_idx", elemType: ElemType.INT32, dims: [QK] });
  const attrs = { K: QK, N, bits, block_size: BLOCK, ...extra.attrs };
  return model({ nodes: [node({ op: "MatMulNBits", inputs: nodeInputs, outputs: ["logits"], name: "lm_head_q", domain: "com.microsoft", attrs }, 0)], inits, inputs, outputs: [{ ...LOGITS }] });
}
/** The same head as an fp32 MatMul of the dequantized weight (q - zero) * scale, computed here. */
function dequantizedModel(bits: number, zp: "packed" | "float" | "none"): Bytes {
  const w = nbitsWeights(bits);
  const Wd = new Array<number>(QK * N);
  for (let i = 0; i < QK; i++) for (let c = 0; c < N; c++) {
    const j = c * 2 + Math.floor(i / BLOCK);
    const zero = zp === "none" ? 1 << (bits - 1) : (w.zeros[j] as number);
    Wd[i * N + c] = ((w.q[c]![i] as number) - zero) * (w.scales[j] as number);
  }
  return model({ nodes: [node({ op: "MatMul", inputs: ["h", "W"], outputs: ["logits"] }, 0)], inits: [f32("W", [QK, N], Wd)], inputs: [QH], outputs: [LOGITS] });
}
async function expectQuantizedScores(m: Bytes, reference: Bytes, tol: number): Promise<void> {
  const full = await fullScores(m, SPEC, qFeed());
  const exact = await fullScores(reference, SPEC, qFeed());
  const got = await rewrittenScores(m, SPEC, {}, qFeed());
  for (let i = 0; i < B; i++) {
    expect(Math.abs((got[i] as number) - (full[i] as number))).toBeLessThan(tol);
    expect(Math.abs((got[i] as number) - (exact[i] as number))).toBeLessThan(1e-4);
  }
  expect(Math.abs((exact[0] as number) - (exact[1] as number))).toBeGreaterThan(1e-2);
}

describe("rewriteLmHeadToScore on MatMulNBits heads", () => {
  it.each([
    [4, "packed"],
    [8, "packed"],
    [4, "float"],
    [4, "none"],
  ] as const)("%i bits, zero points %s: scores as the full graph and as the dequantized MatMul", async (bits, zp) => {
    await expectQuantizedScores(nbitsModel(bits, zp), dequantizedModel(bits, zp), 1e-4);
  });

  it("refuses act-order, other bit widths, non-constant zero points and missing attributes", () => {
    expect(refusal(nbitsModel(4, "none", { gIdx: true }))).toBe(msg("MatMulNBits lm_head_q uses g_idx (act-order), which is not supported"));
    for (const bits of [2, 3]) expect(refusal(nbitsModel(4, "none", { attrs: { bits } }))).toBe(msg(`MatMulNBits lm_head_q has ${bits} bits; supported: 4, 8`));
    expect(refusal(nbitsModel(4, "input"))).toBe(msg("MatMulNBits lm_head_q zero points are not constant"));
    expect(refusal(nbitsModel(4, "none", { attrs: { block_size: 0 } }))).toBe(msg("MatMulNBits lm_head_q lacks K, N, block_size or constant weights"));
  });
});

/** The quantize_dynamic head: Mul(Cast(MatMulInteger(DQL(h), Wq, hz, Wzp)), Mul(hs, Wscale)). */
const WQ = Array.from({ length: QK * N }, (_, i) => (i * 37 + 11) % 256);
const WZP = [120, 131, 127, 140, 115];
const WSCALE = [0.004, 0.006, 0.005, 0.003, 0.007];
function integerModel(variant: "ok" | "sqrt-scale" | "no-dql" | "weight-input" = "ok"): Bytes {
  const inputs = [QH];
  const inits = [u8("Wzp", [N], WZP), f32("Wscale", [N], WSCALE)];
  if (variant === "weight-input") inputs.push({ name: "Wq", elemType: ElemType.UINT8, dims: [QK, N] });
  else inits.push(u8("Wq", [QK, N], WQ));
  const nodes = [
    variant === "no-dql"
      ? node({ op: "Identity", inputs: ["hq_in"], outputs: ["hq"] }, 0)
      : node({ op: "DynamicQuantizeLinear", inputs: ["h"], outputs: ["hq", "hs", "hz"] }, 0),
    node({ op: "MatMulInteger", inputs: ["hq", "Wq", variant === "no-dql" ? "hz_in" : "hz", "Wzp"], outputs: ["acc"], name: "mmi" }, 1),
    node({ op: "Cast", inputs: ["acc"], outputs: ["accf"], attrs: { to: ElemType.FLOAT } }, 2),
    variant === "sqrt-scale" ? node({ op: "Sqrt", inputs: ["Wscale"], outputs: ["sc"] }, 3) : node({ op: "Mul", inputs: [variant === "no-dql" ? "hs_in" : "hs", "Wscale"], outputs: ["sc"] }, 3),
    node({ op: "Mul", inputs: ["accf", "sc"], outputs: ["logits"], name: "mul" }, 4),
  ];
  if (variant === "no-dql") inputs.push({ name: "hq_in", elemType: ElemType.UINT8, dims: ["batch", "seq", QK] }, { name: "hz_in", elemType: ElemType.UINT8, dims: [] }, { name: "hs_in", elemType: ElemType.FLOAT, dims: [] });
  return model({ nodes, inits, inputs, outputs: [LOGITS] });
}

describe("rewriteLmHeadToScore on MatMulInteger (q8) heads", () => {
  it("uint8 weights with per-column zero points and scales: the exact dequantized row", async () => {
    const Wd = WQ.map((q, i) => (q - (WZP[i % N] as number)) * (WSCALE[i % N] as number));
    const exact = model({ nodes: [node({ op: "MatMul", inputs: ["h", "W"], outputs: ["logits"] }, 0)], inits: [f32("W", [QK, N], Wd)], inputs: [QH], outputs: [LOGITS] });
    // The full graph also quantizes the activation; the rewrite does not.
    const full = await fullScores(integerModel(), SPEC, qFeed());
    const reference = await fullScores(exact, SPEC, qFeed());
    const got = await rewrittenScores(integerModel(), SPEC, {}, qFeed());
    for (let i = 0; i < B; i++) {
      expect(Math.abs((got[i] as number) - (reference[i] as number))).toBeLessThan(1e-4);
      expect(Math.abs((got[i] as number) - (full[i] as number))).toBeLessThan(0.05);
    }
  });

  it("refuses Mul heads that are not the quantize_dynamic layout", () => {
    expect(refusal(integerModel("sqrt-scale"))).toBe(msg("the head Mul mul is not a dynamically quantized MatMulInteger"));
    const scaled = model({ nodes: [node({ op: "Mul", inputs: ["h", "s"], outputs: ["logits"], name: "mul" }, 0)], inits: [f32("s", [], [2])], inputs: [H], outputs: [LOGITS] });
    expect(refusal(scaled)).toBe(msg("the head Mul mul is not a dynamically quantized MatMulInteger"));
    expect(refusal(integerModel("no-dql"))).toBe(msg("MatMulInteger mmi does not take a DynamicQuantizeLinear activation"));
    expect(refusal(integerModel("weight-input"))).toBe(msg("MatMulInteger mmi has no constant weight and scale"));
  });
});

describe("rewriteLmHeadToScore: a missing output", () => {
  it("lists every output the graph has, comma separated", () => {
    const m = matmulModel({ outputs: [LOGITS, { name: "hidden_out", elemType: ElemType.FLOAT, dims: ["batch", "seq", K] }], nodes: [node({ op: "Identity", inputs: ["h"], outputs: ["hidden_out"] }, 0)] });
    expect(refusal(m, SPEC, { output: "score" })).toBe(msg('the graph has no output "score" (outputs: logits, hidden_out)'));
  });
});

describe("rewriteLmHeadToScore: what the rewritten graph declares and adds", () => {
  it("declares logits as float32 [named batch dim, 1] to onnxruntime", async () => {
    const session = await ort.InferenceSession.create(rewriteLmHeadToScore(matmulModel(), SPEC), { intraOpNumThreads: 1 });
    try {
      const meta = session.outputMetadata.find((o) => o.name === "logits") as ort.InferenceSession.TensorValueMetadata;
      expect(meta.type).toBe("float32");
      expect(meta.shape).toHaveLength(2);
      expect(meta.shape[1]).toBe(1);
      expect(typeof meta.shape[0]).toBe("string");
      expect(meta.shape[0]).not.toBe("");
    } finally {
      await session.release();
    }
  });

  it("its own tensors do not clash with root-scope names a torch export uses (/row, /last_hidden, /MatMul)", async () => {
    // torch.onnx names values of ops at the root scope "/<Op>_output_0" and nodes "/<Op>"; short
    // names like these must stay the graph's own.
    const other: ValueInfo = { name: "other", elemType: ElemType.FLOAT, dims: ["batch", "seq", K] };
    const m = matmulModel({
      outputs: [LOGITS, other],
      nodes: [
        node({ op: "Relu", inputs: ["h"], outputs: ["/row"], name: "/Relu" }, 0),
        node({ op: "Neg", inputs: ["/row"], outputs: ["/last_hidden"], name: "/Neg" }, 1),
        node({ op: "Abs", inputs: ["/last_hidden"], outputs: ["other"], name: "/MatMul" }, 2),
      ],
    });
    const full = await fullScores(m);
    const got = await rewrittenScores(m);
    for (let i = 0; i < B; i++) expect(Math.abs((got[i] as number) - (full[i] as number))).toBeLessThan(1e-5);
    const out = await run(rewriteLmHeadToScore(m, SPEC), hFeed(), "other");
    expect((out.data as Float32Array)[0]).toBeCloseTo(Math.max(0, hidden[0] as number), 6);
  });
});

describe("rewriteLmHeadToScore: a MatMulInteger weight that is no matrix", () => {
  it("refuses a rank-3 constant weight", () => {
    const m = model({
      nodes: [
        node({ op: "DynamicQuantizeLinear", inputs: ["h"], outputs: ["hq", "hs", "hz"] }, 0),
        node({ op: "MatMulInteger", inputs: ["hq", "Wq", "hz"], outputs: ["acc"], name: "mmi" }, 1),
        node({ op: "Cast", inputs: ["acc"], outputs: ["accf"], attrs: { to: ElemType.FLOAT } }, 2),
        node({ op: "Mul", inputs: ["hs", "Wscale"], outputs: ["sc"] }, 3),
        node({ op: "Mul", inputs: ["accf", "sc"], outputs: ["logits"], name: "mul" }, 4),
      ],
      inits: [u8("Wq", [1, QK, N], WQ), f32("Wscale", [], [0.01])],
      inputs: [QH],
      outputs: [LOGITS],
    });
    expect(refusal(m)).toBe(msg("MatMulInteger mmi has no constant weight and scale"));
  });
});
