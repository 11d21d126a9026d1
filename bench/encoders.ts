/**
 * Bi-encoder and ColBERT throughput on MiniLM-L6-shaped models:
 * - embeddings for 500 short passages: rerank-kit `embed()` vs what LangChain's
 *   HuggingFaceTransformersEmbeddings does today (transformers.js `feature-extraction` pipeline,
 *   mean pooling + normalize, batches of 512);
 * - ColBERT rerank of 1 query x 100 passages, cold (document embeddings computed) vs warm
 *   (document embeddings from the cache, only the query is encoded).
 */
import { availableParallelism } from "node:os";
import { BiEncoderScorer, LateInteractionScorer } from "../src/index.js";
import { medianMs } from "./measure.js";
import { makeWorkload } from "./workload.js";

const THREADS = availableParallelism();

/** Runs both encoder benchmarks on the given model folders. */
export async function benchEncoders(biEncoderDir: string, colbertDir: string): Promise<void> {
  console.log(`\n## Encoders (MiniLM-L6 shape, seeded weights, ${THREADS} threads)`);
  const { documents: passages } = makeWorkload(500, 20, 80, 11);

  const tf = await import("@huggingface/transformers");
  tf.env.allowRemoteModels = false;
  const extractor = await tf.pipeline("feature-extraction", biEncoderDir, {
    dtype: "fp32",
    local_files_only: true,
    session_options: { intraOpNumThreads: THREADS, graphOptimizationLevel: "all" },
  });
  const baseline = async () => {
    for (let i = 0; i < passages.length; i += 512) await extractor(passages.slice(i, i + 512), { pooling: "mean", normalize: true });
  };
  const bi = await BiEncoderScorer.fromPretrained(biEncoderDir);
  const ours = () => bi.embed(passages);
  const c = await medianMs(ours, 1, 1);
  const a = await medianMs(baseline, 1, 1);
  const per = (ms: number) => (passages.length / (ms / 1000)).toFixed(0);
  console.log(`embeddings, ${passages.length} passages of 20-80 words:`);
  console.log(`  transformers.js feature-extraction, batches of 512 (LangChain's HF embeddings): ${a.toFixed(0)} ms, ${per(a)} passages/s`);
  console.log(`  rerank-kit embed()                                                          : ${c.toFixed(0)} ms, ${per(c)} passages/s`);
  console.log(`  rerank-kit / transformers.js: ${(a / c).toFixed(2)}x`);
  await bi.close();

  const { query, documents } = makeWorkload(100, 120, 200, 5);
  const colbert = await LateInteractionScorer.fromPretrained(colbertDir);
  await colbert.rerank(query, documents.slice(0, 4)); // load the MaxSim graph
  colbert.clearCache();
  const cold = await medianMs(async () => {
    colbert.clearCache();
    await colbert.rerank(query, documents);
  }, 3, 0);
  await colbert.rerank(query, documents);
  const warm = await medianMs(() => colbert.rerank("another question about the history of the river city", documents), 5, 1);
  console.log(`ColBERT rerank, 1 query x ${documents.length} passages of 120-200 words:`);
  console.log(`  cold (encode documents): ${cold.toFixed(0)} ms | warm (cached documents, query + MaxSim only): ${warm.toFixed(1)} ms`);
  console.log(`  cold / warm: ${(cold / warm).toFixed(1)}x`);
  await colbert.close();
}
