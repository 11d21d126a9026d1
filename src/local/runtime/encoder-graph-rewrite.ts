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
import { ElemType, bytes, concat, encodeNode, encodeTensor, int } from "./onnx-writer.js";
import { parseModel, readElements, readFields, serializeModel, type NodeInfo, type ParsedModel, type TensorInfo } from "./onnx-proto.js";

/** What {@link rewriteEncoderGraph} changed. */
export interface EncoderRewriteStats {
  /** Exact-GELU subgraphs replaced by one com.microsoft `Gelu` (ORT then fuses the bias into BiasGelu). */
  gelu: number;
  /** `IsNaN` + `Where` guards after a Softmax removed. */
  nanGuards: number;
  /** Attention-mask fills of -inf replaced by the lowest finite float32 (so no row can become NaN). */
  maskFills: number;
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
 * @returns undefined when the graph has none of the patterns (open the file as it is).
 */
export function rewriteEncoderGraph(model: Uint8Array, source: string): EncoderRewrite | undefined {
  const parsed = parseModel(model, source);
  const graph = new GraphIndex(parsed, source);
  const stats: EncoderRewriteStats = { gelu: 0, nanGuards: 0, maskFills: 0 };
  const replaced = new Map<NodeInfo, Uint8Array>();
  const dropped = new Set<NodeInfo>();
  const newInitializers: Uint8Array[] = [];
  let fresh = 0;
  const freshName = (base: string) => `rerank_kit_${base}_${fresh++}`;

  for (const node of parsed.nodes) {
    if (node.op === "Mul" && node.domain === "") {
      const gelu = matchGelu(graph, node);
      if (gelu && !gelu.inner.some((n) => dropped.has(n) || replaced.has(n))) {
        for (const n of gelu.inner) dropped.add(n);
        replaced.set(node, encodeNode({ op: "Gelu", domain: "com.microsoft", inputs: [gelu.x], outputs: [node.outputs[0] as string], name: freshName("gelu") }, 0));
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
      replaced.set(fill.node, encodeNode({ op: "Where", inputs, outputs: [...fill.node.outputs], name: freshName("mask_fill") }, 0));
      stats.maskFills++;
    }
    dropped.add(guard.isNaN);
    replaced.set(where, encodeNode({ op: "Identity", inputs: [guard.softmax], outputs: [where.outputs[0] as string], name: freshName("no_nan_guard") }, 0));
    stats.nanGuards++;
  }

  if (stats.gelu === 0 && stats.nanGuards === 0) return undefined;
  const kept = parsed.nodes.filter((n) => !dropped.has(n));
  const nodes = kept.map((n) => replaced.get(n) ?? n.raw);
  // Constants only the removed nodes read would make ORT log a warning per initializer.
  const read = new Set(kept.flatMap((n) => (replaced.has(n) ? [] : n.inputs)));
  for (const n of kept) if (replaced.has(n)) for (const i of parseNodeInputs(replaced.get(n) as Uint8Array)) read.add(i);
  const subgraphs = parsed.nodes.some((n) => [...n.attributes.values()].some((a) => a.subgraph));
  const orphaned = new Set([...dropped, ...replaced.keys()].flatMap((n) => n.inputs).filter((i) => !read.has(i)));
  const initializers = parsed.initializers.filter((t) => subgraphs || !orphaned.has(t.name) || parsed.inputNames.includes(t.name));
  const modelFields = stats.gelu > 0 ? withMicrosoftDomain(parsed.modelFields) : parsed.modelFields;
  return {
    model: serializeModel({
      modelFields,
      graphFields: parsed.graphFields,
      nodes,
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

function parseNodeInputs(node: Uint8Array): string[] {
  return readFields(node)
    .filter((f) => f.field === 1)
    .map((f) => new TextDecoder().decode(f.data));
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
