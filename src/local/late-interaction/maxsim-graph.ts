import { availableParallelism } from "node:os";
import type * as Ort from "onnxruntime-node";
import type { TokenEmbeddings } from "../../types.js";
import { trackNativeCall } from "../runtime/native-runs.js";
import { loadOnnxRuntime } from "../runtime/onnx-session.js";
import { ElemType, writeOnnxModel } from "../runtime/onnx-writer.js";
import { RunGate } from "../runtime/run-gate.js";

/** Padding bias: far below any dot product of unit (or sanely scaled) vectors. */
const PAD_BIAS = -1e9;

/**
 * Batched MaxSim in one ONNX Runtime graph: `MatMul(D[N,Ld,d], Qt[d,Lq]) + padding bias ->
 * ReduceMax(over document tokens) -> ReduceSum(over query tokens)`. About two orders of
 * magnitude faster than JavaScript loops (0.5 ms against 65-91 ms for 1 x 100 documents of 180
 * tokens on 2 threads), which matters once document
 * embeddings come from the cache and MaxSim is all that is left.
 */
export class MaxSimGraph {
  private readonly gate = new RunGate();

  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
  ) {}

  /** Builds the graph and opens a session with `threads` intra-op threads. */
  static async create(threads = availableParallelism()): Promise<MaxSimGraph> {
    const ort = await loadOnnxRuntime();
    const model = writeOnnxModel({
      name: "maxsim",
      opset: 17,
      inputs: [
        { name: "queryT", elemType: ElemType.FLOAT, dims: ["dim", "q"] },
        { name: "docs", elemType: ElemType.FLOAT, dims: ["n", "d", "dim"] },
        { name: "bias", elemType: ElemType.FLOAT, dims: ["n", "d", 1] },
      ],
      outputs: [{ name: "scores", elemType: ElemType.FLOAT, dims: ["n"] }],
      initializers: [{ name: "axis1", dims: [1], values: [1] }],
      nodes: [
        { op: "MatMul", inputs: ["docs", "queryT"], outputs: ["sims"] },
        { op: "Add", inputs: ["sims", "bias"], outputs: ["masked"] },
        { op: "ReduceMax", inputs: ["masked"], outputs: ["best"], attrs: { axes: [1], keepdims: 0 } },
        { op: "ReduceSum", inputs: ["best", "axis1"], outputs: ["scores"], attrs: { keepdims: 0 } },
      ],
    });
    const session = await trackNativeCall(() => ort.InferenceSession.create(model, { intraOpNumThreads: threads, graphOptimizationLevel: "all" }));
    return new MaxSimGraph(ort, session);
  }

  /** MaxSim of one query against each document, in document order. */
  async scores(query: TokenEmbeddings, documents: readonly TokenEmbeddings[]): Promise<number[]> {
    const dim = query.dim;
    const n = documents.length;
    const longest = Math.max(1, ...documents.map((d) => d.tokens));
    const queryT = new Float32Array(dim * query.tokens);
    for (let t = 0; t < query.tokens; t++) {
      for (let k = 0; k < dim; k++) queryT[k * query.tokens + t] = query.data[t * dim + k] as number;
    }
    const docs = new Float32Array(n * longest * dim);
    const bias = new Float32Array(n * longest).fill(PAD_BIAS);
    documents.forEach((d, i) => {
      docs.set(d.data, i * longest * dim);
      bias.fill(0, i * longest, i * longest + d.tokens);
    });
    const out = await this.gate.run(() => this.session.run({
      queryT: new this.ort.Tensor("float32", queryT, [dim, query.tokens]),
      docs: new this.ort.Tensor("float32", docs, [n, longest, dim]),
      bias: new this.ort.Tensor("float32", bias, [n, longest, 1]),
    }));
    return Array.from(out["scores"]?.data as Float32Array);
  }

  /** Frees the session once the runs in flight have finished. */
  async release(): Promise<void> {
    await this.gate.close();
    await this.session.release();
  }
}
