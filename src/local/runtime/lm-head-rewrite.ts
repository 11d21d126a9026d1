import { ModelLoadError } from "../../errors/model-load-error.js";
import { elementCount, parseModel, readElements, serializeModel, type NodeInfo, type ParsedModel, type TensorInfo } from "./onnx-proto.js";
import { ElemType, encodeNode, encodeTensor, encodeValueInfo, type NodeSpec } from "./onnx-writer.js";
import { hasGroupQueryAttention } from "./fused-attention.js";
import { lastAttendedScore } from "./last-attended.js";

// Where the rewritten graph is opened lives beside it; importers of the rewrite keep one import.
export { openRewrittenSession } from "./open-rewritten-session.js";

/** Which LM-head rows make the score, and with what weight. */
export interface LmHeadScoreSpec {
  /**
   * The score is `sum_i coefficient_i * logits[tokenId_i]` at the last position. vLLM's
   * `from_2_way_softmax` with `classifier_from_token: ["no", "yes"]` is
   * `[{ tokenId: yes, coefficient: 1 }, { tokenId: no, coefficient: -1 }]`; `no_post_processing`
   * with one token is that token's row with coefficient 1.
   */
  rows: Array<{ tokenId: number; coefficient: number }>;
}

/** Options of {@link rewriteLmHeadToScore}. */
export interface LmHeadRewriteOptions {
  /** Folder of the model's external data files (`model.onnx_data`), needed when the head weight is there. */
  externalDataDir?: string | undefined;
  /** Named in errors. @default "model.onnx" */
  source?: string | undefined;
  /** Name of the logits output to replace. @default "logits" */
  output?: string | undefined;
  /**
   * Where each row's score is read: `last` (the last position: left-padded batches) or
   * `last-attended` (the last position whose attention_mask is 1: either padding side, for
   * graphs whose batches pad on the right). @default "last-attended" for graphs with
   * GroupQueryAttention (they pad on the right, see fused-attention.ts), else "last"
   */
  readAt?: "last" | "last-attended" | undefined;
}

/** What the rewrite found: the head's input activation and a reader for its weight columns. */
interface HeadMatch {
  /** Activation feeding the head, `[batch, seq, hidden]`. */
  hidden: string;
  /** Element type of that activation. */
  hiddenType: number;
  /** Hidden size. */
  k: number;
  /** Vocabulary size. */
  n: number;
  /** The dequantized weight column of a token: `W[:, token]`, length `k`. */
  column(token: number): number[];
  /** How the head was stored, for messages. */
  kind: string;
}

/**
 * Rewrites a causal LM's ONNX graph so it computes only what a reranker score needs: the hidden
 * state at the last position (inputs are left padded, so that is every row's last token) times
 * one combined classifier row, instead of the full LM head at every position. The output named
 * `logits` becomes float32 `[batch, 1]` = `sum_i coefficient_i * lm_logits[batch, -1, tokenId_i]`.
 *
 * This is vLLM's `convert_model_to_seq_cls.py` done on the ONNX graph. Heads it recognizes:
 * fp32 / fp16 / bf16 `MatMul` (also with the embedding tied through a `Transpose`), q8
 * `DynamicQuantizeLinear` + `MatMulInteger` (the `quantize_dynamic` layout), q4 / q8
 * `MatMulNBits` (also when `GatherBlockQuantized` shares the weight with the embedding). The
 * classifier row is computed in float64 from the dequantized weights and stored as float32, so
 * a quantized head is replaced by its exact dequantized value (activations are no longer
 * quantized in the head). The old head and any weight only it used are dropped; external data
 * references of the other weights are kept (open the result with {@link openRewrittenSession}).
 * `present.*` outputs stay, so the cache of a prefix can still be read.
 *
 * @throws {ModelLoadError} naming the model when the graph has no such output, the head is of a
 *   kind not listed above, a token id is outside the vocabulary, or the head weight is in
 *   external data and `externalDataDir` is not given.
 */
export function rewriteLmHeadToScore(model: Uint8Array, spec: LmHeadScoreSpec, options: LmHeadRewriteOptions = {}): Uint8Array {
  const source = options.source ?? "model.onnx";
  const outputName = options.output ?? "logits";
  const fail = (why: string) => new ModelLoadError(`${source}: cannot rewrite the LM head: ${why}`, { path: source });
  if (!Array.isArray(spec.rows) || spec.rows.length === 0) throw fail("the spec has no rows");
  const parsed = parseModel(model, source);
  if (!parsed.outputs.some((o) => o.name === outputName)) {
    throw fail(`the graph has no output "${outputName}" (outputs: ${parsed.outputs.map((o) => o.name).join(", ")})`);
  }
  const graph = new GraphIndex(parsed, options.externalDataDir, source);
  const head = matchHead(graph, outputName, fail);
  for (const { tokenId, coefficient } of spec.rows) {
    if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= head.n) throw fail(`token id ${tokenId} is outside the vocabulary (0..${head.n - 1})`);
    if (!Number.isFinite(coefficient)) throw fail(`coefficient ${coefficient} of token ${tokenId} is not a finite number`);
  }
  const row = new Float64Array(head.k);
  for (const { tokenId, coefficient } of spec.rows) {
    const col = head.column(tokenId);
    for (let i = 0; i < head.k; i++) row[i] = (row[i] as number) + coefficient * (col[i] as number);
  }

  const p = "/rerank_kit/score";
  const rowInit = encodeTensor(`${p}/row`, [head.k, 1], ElemType.FLOAT, new Uint8Array(Float32Array.from(row).buffer));
  if ((options.readAt ?? (hasGroupQueryAttention(model) ? "last-attended" : "last")) === "last-attended") {
    const added = lastAttendedScore(p, head.hidden, head.hiddenType, `${p}/row`, outputName);
    return finish(parsed, outputName, added.nodes, [...added.initializers, rowInit]);
  }
  const newNodes: NodeSpec[] = [
    { op: "Gather", inputs: [head.hidden, `${p}/last_index`], outputs: [`${p}/last_hidden`], attrs: { axis: 1 }, name: `${p}/Gather` },
  ];
  let last = `${p}/last_hidden`;
  if (head.hiddenType !== ElemType.FLOAT) {
    newNodes.push({ op: "Cast", inputs: [last], outputs: [`${p}/last_hidden_f32`], attrs: { to: ElemType.FLOAT }, name: `${p}/Cast` });
    last = `${p}/last_hidden_f32`;
  }
  newNodes.push({ op: "MatMul", inputs: [last, `${p}/row`], outputs: [outputName], name: `${p}/MatMul` });
  return finish(parsed, outputName, newNodes, [encodeTensor(`${p}/last_index`, [], ElemType.INT64, new Uint8Array(BigInt64Array.of(-1n).buffer)), rowInit]);
}

/** The graph with the old head's producer replaced by `newNodes` (the output becomes float32 `[batch, 1]`). */
function finish(parsed: ParsedModel, outputName: string, newNodes: NodeSpec[], newInits: Uint8Array[]): Uint8Array {
  // The old producer of the output goes; everything only it needed goes with it.
  const kept = parsed.nodes.filter((n) => !n.outputs.includes(outputName));
  const live = liveNodes(kept, newNodes, parsed);
  const used = new Set<string>([...live.flatMap((n) => n.inputs), ...newNodes.flatMap((n) => n.inputs), ...parsed.inputNames]);
  for (const n of live) for (const a of n.attributes.values()) if (a.subgraph) for (const i of parsed.initializers) used.add(i.name);
  const initializers = parsed.initializers.filter((t) => used.has(t.name)).map((t) => t.raw);
  const outputs = parsed.outputs.map((o) =>
    o.name === outputName ? encodeValueInfo({ name: outputName, elemType: ElemType.FLOAT, dims: ["batch_size", 1] }) : o.raw,
  );
  return serialize(parsed, [...live.map((n) => n.raw), ...newNodes.map((n, i) => encodeNode(n, i))], [...initializers, ...newInits], outputs);
}

function serialize(parsed: ParsedModel, nodes: Uint8Array[], initializers: Uint8Array[], outputs: Uint8Array[]): Uint8Array {
  return serializeModel({ modelFields: parsed.modelFields, graphFields: parsed.graphFields, nodes, initializers, outputs });
}

/** Nodes that still contribute to a graph output (all of them when a subgraph could read outer values). */
function liveNodes(nodes: NodeInfo[], added: NodeSpec[], parsed: ParsedModel): NodeInfo[] {
  if (nodes.some((n) => [...n.attributes.values()].some((a) => a.subgraph))) return nodes;
  const needed = new Set<string>(parsed.outputs.map((o) => o.name));
  for (const n of added) for (const i of n.inputs) needed.add(i);
  const live: boolean[] = new Array<boolean>(nodes.length).fill(false);
  // Graphs are stored in topological order; one backward sweep finds every ancestor.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as NodeInfo;
    if (n.outputs.some((o) => needed.has(o))) {
      live[i] = true;
      for (const input of n.inputs) if (input) needed.add(input);
    }
  }
  return nodes.filter((_, i) => live[i]);
}

/** Name lookups over a parsed graph. */
class GraphIndex {
  private readonly producers = new Map<string, NodeInfo>();
  private readonly inits = new Map<string, TensorInfo>();

  constructor(
    parsed: ParsedModel,
    readonly externalDataDir: string | undefined,
    readonly source: string,
  ) {
    for (const n of parsed.nodes) for (const o of n.outputs) this.producers.set(o, n);
    for (const t of parsed.initializers) this.inits.set(t.name, t);
  }

  producer(name: string): NodeInfo | undefined {
    return this.producers.get(name);
  }

  /** A constant tensor: an initializer or a `Constant` node's value, through Identity nodes. */
  constant(name: string): TensorInfo | undefined {
    const init = this.inits.get(name);
    if (init) return init;
    const p = this.producers.get(name);
    if (p?.op === "Identity") return this.constant(p.inputs[0] as string);
    if (p?.op === "Constant") return p.attributes.get("value")?.t;
    return undefined;
  }

  read(t: TensorInfo, indices: readonly number[]): number[] {
    return readElements(t, indices, this.externalDataDir, this.source);
  }
}

function range(start: number, count: number, stride = 1): number[] {
  return Array.from({ length: count }, (_, i) => start + i * stride);
}

/** Peels Cast / Identity off the output and recognizes the head that produces it. */
function matchHead(g: GraphIndex, output: string, fail: (why: string) => ModelLoadError): HeadMatch {
  let node = g.producer(output);
  while (node && (node.op === "Identity" || node.op === "Cast")) node = g.producer(node.inputs[0] as string);
  if (!node) throw fail(`no node produces "${output}"`);
  if (node.op === "MatMul") return matmulHead(g, node, fail);
  if (node.op === "MatMulNBits") return nbitsHead(g, node, fail);
  if (node.op === "Mul") return integerHead(g, node, fail);
  if (node.op === "If") throw fail("the logits come from an If node (a merged decoder with use_cache_branch); export without merging");
  throw fail(`the head is a ${node.domain ? `${node.domain}.` : ""}${node.op} node (${node.name}); supported: MatMul, MatMulNBits, MatMulInteger`);
}

function matmulHead(g: GraphIndex, node: NodeInfo, fail: (why: string) => ModelLoadError): HeadMatch {
  const [hidden, weight] = node.inputs as [string, string];
  const w = g.constant(weight);
  if (w) {
    if (w.dims.length !== 2) throw fail(`the head weight ${w.name} has shape [${w.dims.join(", ")}], expected [hidden, vocab]`);
    const [k, n] = w.dims as [number, number];
    return { hidden, hiddenType: w.dataType, k, n, kind: "MatMul", column: (t) => g.read(w, range(t, k, n)) };
  }
  // Tied embeddings: MatMul(h, Transpose(embed_tokens.weight)).
  const t = g.producer(weight);
  const perm = t?.attributes.get("perm")?.ints;
  const e = t?.op === "Transpose" ? g.constant(t.inputs[0] as string) : undefined;
  if (e && e.dims.length === 2 && (!perm || (perm[0] === 1 && perm[1] === 0))) {
    const [n, k] = e.dims as [number, number];
    return { hidden, hiddenType: e.dataType, k, n, kind: "MatMul (tied embedding)", column: (tok) => g.read(e, range(tok * k, k)) };
  }
  throw fail(`the head MatMul ${node.name} does not multiply by a constant weight or a transposed embedding`);
}

function nbitsHead(g: GraphIndex, node: NodeInfo, fail: (why: string) => ModelLoadError): HeadMatch {
  const attr = (name: string) => node.attributes.get(name)?.i;
  const k = attr("K");
  const n = attr("N");
  const bits = attr("bits") ?? 4;
  const blockSize = attr("block_size");
  const [hidden, bName, sName, zName, gIdx] = node.inputs;
  const b = g.constant(bName ?? "");
  const scales = g.constant(sName ?? "");
  if (!k || !n || !blockSize || !b || !scales || !hidden) throw fail(`MatMulNBits ${node.name} lacks K, N, block_size or constant weights`);
  if (gIdx) throw fail(`MatMulNBits ${node.name} uses g_idx (act-order), which is not supported`);
  if (bits !== 4 && bits !== 8) throw fail(`MatMulNBits ${node.name} has ${bits} bits; supported: 4, 8`);
  const blocks = Math.ceil(k / blockSize);
  const blob = (blockSize * bits) / 8;
  const zp = zName ? g.constant(zName) : undefined;
  if (zName && !zp) throw fail(`MatMulNBits ${node.name} zero points are not constant`);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  return {
    hidden,
    hiddenType: scales.dataType,
    k,
    n,
    kind: `MatMulNBits (${bits} bits)`,
    column(tok) {
      const packed = g.read(b, range(tok * blocks * blob, blocks * blob));
      const s = g.read(scales, range(tok * blocks, blocks));
      let zeros: number[];
      if (!zp) zeros = new Array<number>(blocks).fill(1 << (bits - 1));
      else if (zp.dataType === ElemType.UINT8) {
        // Packed like the weights, each row padded to whole bytes.
        const rowBytes = Math.ceil((blocks * bits) / 8);
        const zb = g.read(zp, range(tok * rowBytes, rowBytes));
        zeros = range(0, blocks).map((j) => ((zb[Math.floor(j / perByte)] as number) >> ((j % perByte) * bits)) & mask);
      } else zeros = g.read(zp, range(tok * blocks, blocks));
      const out = new Array<number>(k);
      for (let i = 0; i < k; i++) {
        const blk = Math.floor(i / blockSize);
        const within = i % blockSize;
        const byte = packed[blk * blob + Math.floor(within / perByte)] as number;
        const q = (byte >> ((within % perByte) * bits)) & mask;
        out[i] = (q - (zeros[blk] as number)) * (s[blk] as number);
      }
      return out;
    },
  };
}

/**
 * The `quantize_dynamic` head: `Mul(Cast(MatMulInteger(DynamicQuantizeLinear(h), Wq, ., Wzp)),
 * Mul(h_scale, W_scale))`.
 */
function integerHead(g: GraphIndex, node: NodeInfo, fail: (why: string) => ModelLoadError): HeadMatch {
  let mmi: NodeInfo | undefined;
  let scaleMul: NodeInfo | undefined;
  for (const input of node.inputs) {
    let p = g.producer(input);
    while (p && p.op === "Cast") p = g.producer(p.inputs[0] as string);
    if (p?.op === "MatMulInteger") mmi = p;
    else if (p?.op === "Mul") scaleMul = p;
  }
  if (!mmi || !scaleMul) throw fail(`the head Mul ${node.name} is not a dynamically quantized MatMulInteger`);
  const [aq, bq, , bzName] = mmi.inputs as [string, string, string?, string?];
  const dql = g.producer(aq);
  if (dql?.op !== "DynamicQuantizeLinear") throw fail(`MatMulInteger ${mmi.name} does not take a DynamicQuantizeLinear activation`);
  const w = g.constant(bq);
  const wScale = scaleMul.inputs.map((i) => g.constant(i)).find((t) => t !== undefined);
  if (!w || w.dims.length !== 2 || !wScale) throw fail(`MatMulInteger ${mmi.name} has no constant weight and scale`);
  const wZero = bzName ? g.constant(bzName) : undefined;
  const [k, n] = w.dims as [number, number];
  const perColumn = (t: TensorInfo | undefined, tok: number) => {
    if (!t) return 0;
    return g.read(t, [elementCount(t.dims) === 1 ? 0 : tok])[0] as number;
  };
  return {
    hidden: dql.inputs[0] as string,
    hiddenType: ElemType.FLOAT,
    k,
    n,
    kind: "MatMulInteger (q8)",
    column(tok) {
      const scale = perColumn(wScale, tok);
      const zero = perColumn(wZero, tok);
      return g.read(w, range(tok, k, n)).map((q) => (q - zero) * scale);
    },
  };
}
