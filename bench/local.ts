/**
 * Cross-encoder throughput, 1 query x 100 documents of mixed length (30-400 tokens), three ways:
 * (a) what users write today with transformers.js (tokenize all pairs, pad to the longest, one
 *     model call); (b) raw onnxruntime-node `session.run` on rerank-kit's own token batches, tensors
 *     prebuilt (the compute floor); (c) rerank-kit's `CrossEncoderScorer.score`.
 */
import { availableParallelism } from "node:os";
import * as ort from "onnxruntime-node";
import { CrossEncoderScorer, type Dtype } from "../src/index.js";
import { planMicroBatches } from "../src/batching/micro-batches.js";
import { loadModelFiles } from "../src/local/files/model-files.js";
import { encodePair } from "../src/local/tokenization/pair-encoder.js";
import { TextTokenizer } from "../src/local/tokenization/text-tokenizer.js";
import { medianMs, peakRssMb, ratio } from "./measure.js";
import { makeWorkload } from "./workload.js";

const THREADS = availableParallelism();
const SHAPE = { H: 384, I: 1536, L: 6 };

/** Useful GEMM FLOPs of one sequence of length S: the projections, the FFN and the two attention products. */
function flops(S: number): number {
  const { H, I, L } = SHAPE;
  return L * (2 * S * (4 * H * H + 2 * H * I) + 4 * S * S * H);
}

async function transformersJs(dir: string, dtype: Dtype, query: string, documents: string[]) {
  const tf = await import("@huggingface/transformers");
  tf.env.allowRemoteModels = false;
  const tokenizer = await tf.AutoTokenizer.from_pretrained(dir);
  const model = await tf.AutoModelForSequenceClassification.from_pretrained(dir, {
    dtype: dtype as "fp32",
    local_files_only: true,
    session_options: { intraOpNumThreads: THREADS, graphOptimizationLevel: "all" },
  });
  return async () => {
    const inputs = tokenizer(Array(documents.length).fill(query), { text_pair: documents, padding: true, truncation: true });
    const { logits } = await model(inputs);
    return logits;
  };
}

async function rawOrt(dir: string, dtype: Dtype, query: string, documents: string[]) {
  const files = await loadModelFiles(dir, { dtype });
  const tok = new TextTokenizer(files.tokenizerJson, files.tokenizerConfig, dir);
  const q = tok.encode(query);
  const seqs = documents.map((d) => encodePair(tok, q, tok.encode(d), 512));
  const session = await ort.InferenceSession.create(files.onnxPath, { intraOpNumThreads: THREADS, graphOptimizationLevel: "all" });
  const feeds = planMicroBatches(seqs.map((s) => s.ids.length)).map((batch) => {
    const S = Math.max(...batch.map((i) => seqs[i]!.ids.length));
    const n = batch.length;
    const ids = new BigInt64Array(n * S);
    const mask = new BigInt64Array(n * S);
    const types = new BigInt64Array(n * S);
    batch.forEach((i, r) => seqs[i]!.ids.forEach((id, t) => {
      ids[r * S + t] = BigInt(id);
      mask[r * S + t] = 1n;
      types[r * S + t] = BigInt(seqs[i]!.typeIds![t]!);
    }));
    const dims = [n, S];
    return {
      input_ids: new ort.Tensor("int64", ids, dims),
      attention_mask: new ort.Tensor("int64", mask, dims),
      token_type_ids: new ort.Tensor("int64", types, dims),
    };
  });
  const lengths = seqs.map((s) => s.ids.length);
  return {
    lengths,
    run: async () => {
      for (const f of feeds) await session.run(f);
    },
  };
}

/** Runs the three-way comparison for fp32 and q8 on a MiniLM-L6-shaped cross-encoder folder. */
export async function benchLocal(dir: string): Promise<void> {
  const { query, documents } = makeWorkload(100, 30, 400);
  console.log(`\n## Local cross-encoder (MiniLM-L6 shape, seeded weights), 1 query x ${documents.length} docs, ${THREADS} threads`);
  const results: Record<string, number> = {};
  for (const dtype of ["fp32", "q8"] as const) {
    const scorer = await CrossEncoderScorer.fromPretrained(dir, { dtype });
    const raw = await rawOrt(dir, dtype, query, documents);
    // (b) and (c) run interleaved, so drift and background load hit both alike.
    const runC = () => scorer.score(query, documents);
    await runC();
    await raw.run();
    const cTimes: number[] = [];
    const bTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      cTimes.push(await medianMs(runC, 1, 0));
      bTimes.push(await medianMs(raw.run, 1, 0));
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
    const c = median(cTimes);
    const b = median(bTimes);
    const rssC = peakRssMb();
    const a = await medianMs(await transformersJs(dir, dtype, query, documents), 3, 1);
    const gflop = raw.lengths.reduce((s, L) => s + flops(L), 0) / 1e9;
    const pps = (ms: number) => (documents.length / (ms / 1000)).toFixed(1);
    const tokens = raw.lengths.reduce((s, L) => s + L, 0);
    console.log(`### ${dtype}: pair lengths ${Math.min(...raw.lengths)}-${Math.max(...raw.lengths)} tokens (${tokens} total), ${gflop.toFixed(0)} useful GFLOP`);
    console.log(`  (a) transformers.js, one padded batch : ${a.toFixed(0)} ms  ${pps(a)} pairs/s  ${(gflop / (a / 1000)).toFixed(0)} GFLOP/s`);
    console.log(`  (b) raw ORT on rerank-kit's batches   : ${b.toFixed(0)} ms  ${pps(b)} pairs/s  ${(gflop / (b / 1000)).toFixed(0)} GFLOP/s`);
    console.log(`  (c) rerank-kit score()                : ${c.toFixed(0)} ms  ${pps(c)} pairs/s  ${(gflop / (c / 1000)).toFixed(0)} GFLOP/s  (peak RSS so far ${rssC.toFixed(0)} MB)`);
    console.log(`  c/a speed-up: ${ratio(a / c, dtype === "fp32" ? 1.7 : 1)}`);
    console.log(`  c/b (share of the compute floor): ${ratio(b / c, 0.9)}`);
    console.log(`  peak RSS after (a): ${peakRssMb().toFixed(0)} MB`);
    results[`a-${dtype}`] = a;
    results[`c-${dtype}`] = c;
    await scorer.close();
  }
  console.log(`  q8 rerank-kit vs fp32 transformers.js: ${ratio((results["a-fp32"] as number) / (results["c-q8"] as number), 3.5)}`);
}
