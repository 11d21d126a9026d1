/**
 * Load-time rewrite of exported encoder graphs into patterns ONNX Runtime's optimizer fuses.
 *
 * `torch.onnx.export` of a transformers BERT (SDPA attention, the default) leaves two patterns
 * ORT 1.30 does not fuse, measured with its profiler on a MiniLM-L6-shaped cross-encoder (fp32,
 * sorted micro-batches): a NaN guard after every attention Softmax (`IsNaN` + `Where` over the
 * whole `[batch, heads, seq, seq]` tensor, 16% of kernel time) and the exact GELU written as
 * `x * (0.5 * (1 + erf(x / sqrt 2)))` (five element-wise passes over `[batch, seq, 1536]`,
 * about 7%), which ORT's GeluFusion does not match in that operand order. The same graph built
 * op by op (test/fixtures) fuses to BiasGelu and has no guard, and runs 1.35x faster.
 */
import { liveNodes } from "./live-nodes.js";
import { ElemType, bytes, concat, encodeNode, encodeTensor, int, type NodeSpec } from "./onnx-writer.js";
import { parseModel, parseNode, readElements, readFields, serializeModel, type NodeInfo, type ParsedModel, type TensorInfo } from "./onnx-proto.js";

/** What {@link rewriteEncoderGraph} changed. */
export interface EncoderRewriteStats {
  /** Exact-GELU subgraphs replaced by one com.microsoft `Gelu` (ORT then fuses the bias into BiasGelu). */
  gelu: number;
  /** `IsNaN` + `Where` guards after a Softmax removed. */
  nanGuards: number;
  /** Attention-mask fills of -inf replaced by the lowest finite float32 (so no row can become NaN). */
  maskFills: number;
  /**
   * Scaled-dot-product attention subgraphs (float graphs only) replaced by one com.microsoft
   * `MultiHeadAttention`, which ONNX Runtime runs as one fused kernel.
   */
  attention: number;
}

/** The rewritten model and what changed, or `undefined` when nothing matched. */
export interface EncoderRewrite {
  model: Uint8Array;
  stats: EncoderRewriteStats;
}

const LOWEST_FLOAT32 = -3.4028234663852886e38;

/**
 * Rewrites the patterns described in the module comment; every other byte of the model is kept.
 *
 * The NaN guard can only change results for a Softmax row whose inputs are all -inf, i.e. a
 * sequence whose attention mask is all 0. The guard is removed only when the Softmax input is
 * `scores + Where(mask, a, b)` with `a`, `b` constant scalars; a -inf fill is replaced by the
 * lowest finite float32 (what transformers' eager attention adds), so even such a row stays
 * finite (uniform attention instead of zeros). Other guards are left alone.
 * @param source named in errors
 * @param options.fuseAttention false keeps the attention subgraphs as they are (the bench's baseline)
 * @returns undefined when the graph has none of the patterns (open the file as it is).
 */
export function rewriteEncoderGraph(model: Uint8Array, source: string, options: { fuseAttention?: boolean } = {}): EncoderRewrite | undefined {
  const parsed = parseModel(model, source);
  const graph = new GraphIndex(parsed, source);
  const stats: EncoderRewriteStats = { gelu: 0, nanGuards: 0, maskFills: 0, attention: 0 };
  /** Nodes replaced by one or more nodes, in graph order. */
  const replaced = new Map<NodeInfo, Uint8Array[]>();
  const dropped = new Set<NodeInfo>();
  const newInitializers: Uint8Array[] = [];
  let fresh = 0;
  const freshName = (base: string) => `rerank_kit_${base}_${fresh++}`;

  for (const node of parsed.nodes) {
    if (node.op === "Mul" && node.domain === "") {
      const gelu = matchGelu(graph, node);
      if (gelu && !gelu.inner.some((n) => dropped.has(n) || replaced.has(n))) {
        for (const n of gelu.inner) dropped.add(n);
        replaced.set(node, [encodeNode({ op: "Gelu", domain: "com.microsoft", inputs: [gelu.x], outputs: [node.outputs[0] as string], name: freshName("gelu") }, 0)]);
        stats.gelu++;
      }
    }
  }

  const lowestName = "rerank_kit_lowest_float32";
  let lowestAdded = false;
  for (const where of parsed.nodes) {
    const guard = matchNanGuard(graph, where);
    if (!guard) continue;
    const fill = guard.maskFill;
    if (fill.needsFinite && !replaced.has(fill.node)) {
      if (!lowestAdded) {
        newInitializers.push(encodeTensor(lowestName, [], ElemType.FLOAT, new Uint8Array(new Float32Array([LOWEST_FLOAT32]).buffer)));
        lowestAdded = true;
      }
      const inputs = fill.node.inputs.map((name, i) => (i === fill.index ? lowestName : name));
      replaced.set(fill.node, [encodeNode({ op: "Where", inputs, outputs: [...fill.node.outputs], name: freshName("mask_fill") }, 0)]);
      stats.maskFills++;
    }
    dropped.add(guard.isNaN);
    replaced.set(where, [encodeNode({ op: "Identity", inputs: [guard.softmax], outputs: [where.outputs[0] as string], name: freshName("no_nan_guard") }, 0)]);
    stats.nanGuards++;
  }

  const subgraphs = parsed.nodes.some((n) => [...n.attributes.values()].some((a) => a.subgraph));
  if (options.fuseAttention !== false && !subgraphs && !parsed.nodes.some((n) => QUANTIZED_OPS.has(n.op))) {
    // One [1, 1, S, 1] target per additive mask: MultiHeadAttention wants its attention_bias
    // as [B or 1, N or 1, S, T], while a padding mask may arrive as [B, 1, 1, T].
    const expandedBias = new Map<string, string>();
    for (const node of parsed.nodes) {
      const m = matchAttention(graph, node);
      if (!m || replaced.has(m.output)) continue;
      const emitted: Uint8Array[] = [];
      let bias = expandedBias.get(m.bias);
      if (!bias) {
        const p = freshName("attention_bias");
        bias = `${p}/expanded`;
        if (expandedBias.size === 0) {
          newInitializers.push(
            encodeTensor(`rerank_kit_int64_1`, [1], ElemType.INT64, new Uint8Array(BigInt64Array.of(1n).buffer)),
            encodeTensor(`rerank_kit_int64_1_1`, [2], ElemType.INT64, new Uint8Array(BigInt64Array.of(1n, 1n).buffer)),
          );
        }
        const specs: NodeSpec[] = [
          { op: "Shape", inputs: [m.q], outputs: [`${p}/q_shape`], name: `${p}/Shape` },
          { op: "Gather", inputs: [`${p}/q_shape`, "rerank_kit_int64_1"], outputs: [`${p}/seq`], attrs: { axis: 0 }, name: `${p}/Gather` },
          { op: "Concat", inputs: ["rerank_kit_int64_1_1", `${p}/seq`, "rerank_kit_int64_1"], outputs: [`${p}/target`], attrs: { axis: 0 }, name: `${p}/Concat` },
          { op: "Expand", inputs: [m.bias, `${p}/target`], outputs: [bias], name: `${p}/Expand` },
        ];
        emitted.push(...specs.map((n, i) => encodeNode(n, i)));
        expandedBias.set(m.bias, bias);
      }
      emitted.push(
        encodeNode(
          {
            op: "MultiHeadAttention",
            domain: "com.microsoft",
            inputs: [m.q, m.k, m.v, "", "", bias],
            outputs: [m.output.outputs[0] as string],
            attrs: { num_heads: m.heads },
            floatAttrs: { scale: m.scale },
            name: freshName("attention"),
          },
          0,
        ),
      );
      replaced.set(m.output, emitted);
      stats.attention++;
    }
  }

  if (stats.gelu === 0 && stats.nanGuards === 0 && stats.attention === 0) return undefined;
  let nodes = parsed.nodes.filter((n) => !dropped.has(n)).flatMap((n) => replaced.get(n)?.map((raw) => parseNode(raw)) ?? [n]);
  // What only the replaced attention read (head splits, scaling, Softmax) would otherwise still run.
  if (stats.attention > 0) nodes = liveNodes(nodes, [], parsed);
  // Constants only the removed nodes read would make ORT log a warning per initializer.
  const read = new Set([...nodes.flatMap((n) => n.inputs), ...parsed.inputNames, ...parsed.outputs.map((o) => o.name)]);
  const initializers = parsed.initializers.filter((t) => subgraphs || read.has(t.name));
  const modelFields = stats.gelu > 0 || stats.attention > 0 ? withMicrosoftDomain(parsed.modelFields) : parsed.modelFields;
  return {
    model: serializeModel({
      modelFields,
      graphFields: parsed.graphFields,
      nodes: nodes.map((n) => n.raw),
      initializers: [...initializers.map((t) => t.raw), ...newInitializers],
      outputs: parsed.outputs.map((o) => o.raw),
    }),
    stats,
  };
}

/** Producers, consumers and scalar constants of a parsed graph. */
class GraphIndex {
  private readonly producers = new Map<string, NodeInfo>();
  private readonly consumers = new Map<string, NodeInfo[]>();
  private readonly initializers = new Map<string, TensorInfo>();
  private readonly outputs: Set<string>;

  constructor(
    parsed: ParsedModel,
    private readonly source: string,
  ) {
    for (const n of parsed.nodes) {
      for (const o of n.outputs) this.producers.set(o, n);
      for (const i of n.inputs) {
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
    }
    for (const t of parsed.initializers) this.initializers.set(t.name, t);
    this.outputs = new Set(parsed.outputs.map((o) => o.name));
  }

  producer(name: string, op: string): NodeInfo | undefined {
    const n = this.producers.get(name);
    return n && n.op === op && n.domain === "" ? n : undefined;
  }

  /** True when `name` feeds exactly one node and is not a graph output: its producer may be removed. */
  sole(name: string): boolean {
    return (this.consumers.get(name)?.length ?? 0) === 1 && !this.outputs.has(name);
  }

  /** Every node that reads `name`. */
  readers(name: string): readonly NodeInfo[] {
    return this.consumers.get(name) ?? [];
  }

  /** A float32 or int64 initializer (or Constant node) with inline data, else undefined. */
  constant(name: string): TensorInfo | undefined {
    const t = this.initializers.get(name) ?? this.producer(name, "Constant")?.attributes.get("value")?.t;
    return t && !t.external ? t : undefined;
  }

  /** The elements of a small int64 constant (a shape or an axis list), else undefined. */
  ints(name: string): number[] | undefined {
    const t = this.constant(name);
    const n = t?.dims.reduce((a, b) => a * b, 1) ?? 0;
    if (!t || t.dataType !== ElemType.INT64 || n > 8) return undefined;
    return readElements(t, [...Array(n).keys()], undefined, this.source);
  }

  /** The value of a one-element float32 initializer (or Constant node), else undefined. */
  scalar(name: string): number | undefined {
    let t = this.initializers.get(name);
    if (!t) {
      const c = this.producer(name, "Constant");
      t = c?.attributes.get("value")?.t;
    }
    if (!t || t.dataType !== ElemType.FLOAT || t.dims.reduce((a, b) => a * b, 1) !== 1 || t.external) return undefined;
    return readElements(t, [0], undefined, this.source)[0];
  }
}

const near = (v: number | undefined, want: number) => v !== undefined && Math.abs(v - want) <= 1e-6 * Math.max(1, Math.abs(want));

interface GeluMatch {
  x: string;
  /** Nodes of the subgraph other than the final Mul. */
  inner: NodeInfo[];
}

/**
 * `x * 0.5 * (1 + erf(x / sqrt2))` in any grouping of the two Muls, with `x * (1/sqrt2)` also
 * accepted for the division, ending at `final`.
 */
function matchGelu(g: GraphIndex, final: NodeInfo): GeluMatch | undefined {
  // Multiplicative factors of `final`, expanding one nested Mul that only `final` reads.
  const factors: string[] = [];
  const inner: NodeInfo[] = [];
  for (const input of final.inputs) {
    const nested = g.producer(input, "Mul");
    if (nested && g.sole(input) && inner.length === 0) {
      factors.push(...nested.inputs);
      inner.push(nested);
    } else factors.push(input);
  }
  if (factors.length !== 3) return undefined;
  const half = factors.findIndex((f) => near(g.scalar(f), 0.5));
  if (half < 0) return undefined;
  const rest = factors.filter((_, i) => i !== half);
  for (const [x, onePlusErf] of [[rest[0], rest[1]], [rest[1], rest[0]]] as [string, string][]) {
    const add = g.producer(onePlusErf, "Add");
    if (!add || !g.sole(onePlusErf)) continue;
    const erfOut = add.inputs.find((i) => !near(g.scalar(i), 1));
    if (!erfOut || !add.inputs.some((i) => near(g.scalar(i), 1))) continue;
    const erf = g.producer(erfOut, "Erf");
    if (!erf || !g.sole(erfOut)) continue;
    const scaledOut = erf.inputs[0] as string;
    const div = g.producer(scaledOut, "Div");
    const mul = g.producer(scaledOut, "Mul");
    const scaled =
      div && div.inputs[0] === x && near(g.scalar(div.inputs[1] as string), Math.SQRT2)
        ? div
        : mul && mul.inputs.includes(x) && mul.inputs.some((i) => near(g.scalar(i), Math.SQRT1_2))
          ? mul
          : undefined;
    if (!scaled || !g.sole(scaledOut)) continue;
    return { x, inner: [...inner, add, erf, scaled] };
  }
  return undefined;
}

interface NanGuardMatch {
  softmax: string;
  isNaN: NodeInfo;
  maskFill: { node: NodeInfo; index: number; needsFinite: boolean };
}

/** `Where(IsNaN(s), 0, s)` with `s = Softmax(scores + Where(mask, a, b))`, `a`, `b` constant. */
function matchNanGuard(g: GraphIndex, where: NodeInfo): NanGuardMatch | undefined {
  if (where.op !== "Where" || where.domain !== "" || where.inputs.length !== 3) return undefined;
  const [cond, zero, s] = where.inputs as [string, string, string];
  const isNaN = g.producer(cond, "IsNaN");
  if (!isNaN || isNaN.inputs[0] !== s || !g.sole(cond) || g.scalar(zero) !== 0) return undefined;
  const softmax = g.producer(s, "Softmax");
  const add = softmax && g.producer(softmax.inputs[0] as string, "Add");
  if (!add) return undefined;
  for (const bias of add.inputs) {
    const fill = g.producer(bias, "Where");
    if (!fill || fill.inputs.length !== 3) continue;
    const values = [fill.inputs[1], fill.inputs[2]].map((i) => g.scalar(i as string));
    if (values.some((v) => v === undefined || Number.isNaN(v) || v === Infinity)) continue;
    const inf = values.findIndex((v) => v === -Infinity);
    return { softmax: s, isNaN, maskFill: { node: fill, index: inf < 0 ? 0 : inf + 1, needsFinite: inf >= 0 } };
  }
  return undefined;
}

/** Ops of quantized graphs. The attention fusion was measured only on float graphs; on q8 graphs it was mixed. */
const QUANTIZED_OPS = new Set([
  "MatMulInteger",
  "DynamicQuantizeLinear",
  "DynamicQuantizeMatMul",
  "MatMulIntegerToFloat",
  "QLinearMatMul",
  "QuantizeLinear",
  "DequantizeLinear",
  "MatMulNBits",
  "QAttention",
]);

interface AttentionMatch {
  /** The 3-D `[batch, seq, hidden]` query, key and value projections. */
  q: string;
  k: string;
  v: string;
  /** The additive attention mask. */
  bias: string;
  heads: number;
  /** Product of all scalings of the scores (torch's SDPA export scales Q and K by d^-1/4 each). */
  scale: number;
  /** The Reshape that merges the heads back into `[batch, seq, hidden]`; the fused node takes its output. */
  output: NodeInfo;
}

const samePerm = (node: NodeInfo | undefined, perm: readonly number[]) => {
  const p = node?.attributes.get("perm")?.ints;
  return p !== undefined && p.length === perm.length && p.every((x, i) => x === perm[i]);
};

/**
 * `softmax(scale * Q Kᵀ + bias) V` over heads split from 3-D projections, ending at the MatMul
 * `ctx` and merged back by `Transpose(0, 2, 1, 3)` + `Reshape`. Matches torch's SDPA export
 * (Q and K each scaled, Kᵀ as Reshape + Transpose(0, 2, 1) + Reshape, a NaN guard after the
 * Softmax) and the eager layout (`Transpose` of K, one `Div` or `Mul` of the scores).
 */
function matchAttention(g: GraphIndex, ctx: NodeInfo): AttentionMatch | undefined {
  if (ctx.op !== "MatMul" || ctx.domain !== "" || ctx.inputs.length !== 2) return undefined;
  const [probs, values] = ctx.inputs as [string, string];
  const guard = g.producer(probs, "Where");
  const softmaxOut = guard ? matchNanGuard(g, guard)?.softmax : probs;
  const softmax = softmaxOut === undefined ? undefined : g.producer(softmaxOut, "Softmax");
  const axis = softmax?.attributes.get("axis")?.i;
  if (!softmax || (axis !== -1 && axis !== 3)) return undefined;
  const add = g.producer(softmax.inputs[0] as string, "Add");
  if (!add || add.inputs.length !== 2) return undefined;
  const v = splitHeads(g, values);
  const output = mergedHeads(g, ctx);
  if (!v || !output) return undefined;
  for (const [scoresName, bias] of [add.inputs, [...add.inputs].reverse()] as [string, string][]) {
    const scores = scaled(g, scoresName);
    const product = g.producer(scores.x, "MatMul");
    if (!product) continue;
    const qSide = scaled(g, product.inputs[0] as string);
    const kSide = scaled(g, product.inputs[1] as string);
    const q = splitHeads(g, qSide.x);
    const k = transposedKeys(g, kSide.x);
    if (!q || !k || q.headDim !== k.headDim || q.headDim !== v.headDim) continue;
    const heads = q.heads ?? k.heads ?? v.heads;
    if (heads === undefined || [q.heads, k.heads, v.heads].some((h) => h !== undefined && h !== heads)) continue;
    return { q: q.x, k: k.x, v: v.x, bias, heads, scale: scores.scale * qSide.scale * kSide.scale, output };
  }
  return undefined;
}

/** `x * c`, `c * x` or `x / c` with `c` a float scalar, else `x` itself with scale 1. */
function scaled(g: GraphIndex, name: string): { x: string; scale: number } {
  const mul = g.producer(name, "Mul");
  if (mul && mul.inputs.length === 2) {
    const [a, b] = mul.inputs as [string, string];
    const sa = g.scalar(a);
    const sb = g.scalar(b);
    if (sb !== undefined && sa === undefined) return { x: a, scale: sb };
    if (sa !== undefined && sb === undefined) return { x: b, scale: sa };
  }
  const div = g.producer(name, "Div");
  const d = div && g.scalar(div.inputs[1] as string);
  if (div && d !== undefined && d !== 0 && g.scalar(div.inputs[0] as string) === undefined) return { x: div.inputs[0] as string, scale: 1 / d };
  return { x: name, scale: 1 };
}

interface Heads {
  /** The 3-D projection the heads are split from. */
  x: string;
  headDim: number;
  /** Known when the split names it (or the projection's width does); else from another side. */
  heads: number | undefined;
}

/** `Transpose(0, 2, 1, 3)(Reshape(x, [b, s, heads, headDim]))`: heads split from a `[b, s, hidden]` projection. */
function splitHeads(g: GraphIndex, name: string): Heads | undefined {
  const t = g.producer(name, "Transpose");
  if (!t || !samePerm(t, [0, 2, 1, 3])) return undefined;
  return reshapedHeads(g, t.inputs[0] as string);
}

/** `Reshape(x, shape)` with a 4-element shape whose last element (headDim) is a constant. */
function reshapedHeads(g: GraphIndex, name: string): Heads | undefined {
  const r = g.producer(name, "Reshape");
  if (!r) return undefined;
  const [x, shapeName] = r.inputs as [string, string];
  let dims: (number | undefined)[] | undefined = g.ints(shapeName);
  if (!dims) {
    // torch builds the shape at run time: Concat(batch, seq, [heads or -1], [headDim]).
    const concat = g.producer(shapeName, "Concat");
    if (!concat || concat.inputs.length !== 4) return undefined;
    dims = concat.inputs.map((i) => {
      const c = g.ints(i);
      return c?.length === 1 ? c[0] : undefined;
    });
  }
  const [, , h, headDim] = dims;
  if (dims.length !== 4 || headDim === undefined || headDim <= 0) return undefined;
  const width = projectionWidth(g, x);
  const heads = h !== undefined && h > 0 ? h : width !== undefined && width % headDim === 0 ? width / headDim : undefined;
  return { x, headDim, heads };
}

/** The width of `Add(MatMul(·, W), b)` or `MatMul(·, W)` with float32 constants, else undefined. */
function projectionWidth(g: GraphIndex, name: string): number | undefined {
  const add = g.producer(name, "Add");
  for (const input of add?.inputs ?? []) {
    const b = g.constant(input);
    if (b && b.dataType === ElemType.FLOAT && b.dims.length === 1) return b.dims[0];
  }
  const mm = g.producer(add ? (add.inputs.find((i) => !g.constant(i)) ?? "") : name, "MatMul");
  const w = mm && g.constant(mm.inputs[1] as string);
  return w && w.dataType === ElemType.FLOAT && w.dims.length === 2 ? w.dims[1] : undefined;
}

/**
 * Kᵀ per head, `[b, heads, headDim, s]`: `Transpose(0, 1, 3, 2)` of split heads,
 * `Transpose(0, 2, 3, 1)` of the reshaped projection, or torch's SDPA form
 * `Reshape(Transpose(0, 2, 1)(Reshape(K, [-1, s, headDim])), [b, heads, headDim, s])`, whose two
 * shapes are read off `Shape(K)` itself.
 */
function transposedKeys(g: GraphIndex, name: string): Heads | undefined {
  const t = g.producer(name, "Transpose");
  if (t && samePerm(t, [0, 1, 3, 2])) return splitHeads(g, t.inputs[0] as string);
  if (t && samePerm(t, [0, 2, 3, 1])) return reshapedHeads(g, t.inputs[0] as string);
  const outer = g.producer(name, "Reshape");
  const mid = outer && g.producer(outer.inputs[0] as string, "Transpose");
  const inner = mid && samePerm(mid, [0, 2, 1]) ? g.producer(mid.inputs[0] as string, "Reshape") : undefined;
  if (!outer || !inner) return undefined;
  const keys = inner.inputs[0] as string;
  if (!shapeOf(g, inner.inputs[1] as string, keys) || !shapeOf(g, outer.inputs[1] as string, keys)) return undefined;
  return splitHeads(g, keys);
}

/** True when `shape` is a Concat of constants and of Slices of `Shape(x)`: a rearrangement of x's own dims. */
function shapeOf(g: GraphIndex, shape: string, x: string): boolean {
  const concat = g.producer(shape, "Concat");
  return (
    concat !== undefined &&
    concat.inputs.every((i) => {
      if (g.ints(i)) return true;
      const slice = g.producer(i, "Slice");
      const shapeNode = slice && g.producer(slice.inputs[0] as string, "Shape");
      return shapeNode !== undefined && shapeNode.inputs[0] === x;
    })
  );
}

/** The `Reshape(Transpose(0, 2, 1, 3)(ctx), [b, s, hidden])` that merges the heads, if only it reads ctx. */
function mergedHeads(g: GraphIndex, ctx: NodeInfo): NodeInfo | undefined {
  const out = ctx.outputs[0] as string;
  const [t] = g.readers(out);
  if (!t || !g.sole(out) || t.op !== "Transpose" || t.domain !== "" || !samePerm(t, [0, 2, 1, 3])) return undefined;
  const transposed = t.outputs[0] as string;
  const [r] = g.readers(transposed);
  if (!r || !g.sole(transposed) || r.op !== "Reshape" || r.domain !== "") return undefined;
  const shape = r.inputs[1] as string;
  const rank = g.ints(shape)?.length ?? g.producer(shape, "Concat")?.inputs.length;
  return rank === 3 ? r : undefined;
}

/** ModelProto fields with an opset import for com.microsoft (version 1) added when missing. */
function withMicrosoftDomain(fields: Uint8Array[]): Uint8Array[] {
  const has = fields.some((raw) => {
    const [f] = readFields(raw);
    if (!f || f.field !== 8) return false;
    return readFields(f.data).some((x) => x.field === 1 && new TextDecoder().decode(x.data) === "com.microsoft");
  });
  return has ? fields : [...fields, bytes(8, concat([bytes(1, "com.microsoft"), int(2, 1)]))];
}
