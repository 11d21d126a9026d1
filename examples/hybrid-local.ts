/**
 * Hybrid search with local models, offline: each document gets a dense vector (a bi-encoder) and
 * a sparse vector (SPLADE), kept in a small in-memory index; a query ranks the documents both
 * ways, the two rankings are fused (Reciprocal Rank Fusion), and a cross-encoder reranks the
 * fused candidates. The `{ indices, values }` sparse vectors are what Qdrant and Pinecone store.
 *
 * Run: npx tsx examples/hybrid-local.ts [folder of test models] [SPLADE folder]
 *
 * Sparse models load from a folder (a sentence-transformers SparseEncoder save with its ONNX
 * export): pass one as the second argument. With the folder `npm run fixtures` writes
 * (test/.models), it uses the SEEDED RANDOM TEST MODELS and the tiny SPLADE model committed in
 * test/golden/sparse: not trained ones, so the rankings only follow word overlap.
 */
import { Document } from "@langchain/core/documents";
import { join } from "node:path";
import { BiEncoderScorer, has, loadScorer } from "rerank-kit";
import { RerankCompressor, RerankKitEmbeddings, RerankKitSparseEmbeddings, type SparseValues } from "rerank-kit/langchain";

const testModels = process.argv[2];
const model = (hubId: string, testModel: string): string => (testModels ? join(testModels, testModel) : hubId);
const spladeFolder = process.argv[3] ?? (testModels ? join(testModels, "..", "golden", "sparse", "splade-max") : undefined);
if (!spladeFolder) {
  console.log("Pass a SPLADE folder (e.g. an ONNX export of naver/splade-v3) as the second argument.");
  process.exit(0);
}

const corpus = [
  "Cats purr when they are content, and sometimes when they are stressed.",
  "Dogs bark to warn their owners about strangers at the door.",
  "Solar panels convert sunlight into electricity with silicon cells.",
  "A purring cat vibrates its larynx between 25 and 150 hertz.",
  "Electric cars store energy in lithium batteries instead of petrol tanks.",
  "Why do cats purr? Scientists think purring also helps cats heal.",
];
const query = "why do cats purr";

if (testModels) console.log("Note: these are seeded random test models, so rankings follow word overlap only.\n");
const biEncoder = await BiEncoderScorer.fromPretrained(model("Xenova/bge-small-en-v1.5", "demo-bi-encoder-mean"));
const dense = new RerankKitEmbeddings({ embedder: biEncoder });
const splade = await loadScorer(spladeFolder);
if (!has(splade, "sparseEmbed")) throw new Error(`${spladeFolder} is not a sparse model`);
const sparse = new RerankKitSparseEmbeddings({ embedder: splade, topK: 64 });

// The in-memory index: one dense and one sparse vector per document.
const index = { dense: await dense.embedDocuments(corpus), sparse: await sparse.embedDocuments(corpus) };

const cosine = (a: number[], b: number[]) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) [dot, na, nb] = [dot + a[i]! * b[i]!, na + a[i]! ** 2, nb + b[i]! ** 2];
  return dot / Math.sqrt(na * nb);
};
const sparseDot = (a: SparseValues, b: SparseValues) => {
  const weights = new Map(b.indices.map((id, k) => [id, b.values[k]!]));
  return a.indices.reduce((sum, id, k) => sum + a.values[k]! * (weights.get(id) ?? 0), 0);
};
/** Document positions, best first. */
const ranking = (scores: number[]) => scores.map((s, i) => [s, i] as const).sort((x, y) => y[0] - x[0]).map(([, i]) => i);

const q = { dense: await dense.embedQuery(query), sparse: await sparse.embedQuery(query) };
const byDense = ranking(index.dense.map((d) => cosine(q.dense, d)));
const bySparse = ranking(index.sparse.map((s) => sparseDot(q.sparse, s)));
// Reciprocal Rank Fusion (k = 60): no score calibration needed between the two rankings.
const fused = corpus.map((_, i) => 1 / (60 + byDense.indexOf(i) + 1) + 1 / (60 + bySparse.indexOf(i) + 1));
const candidates = ranking(fused).slice(0, 4);
console.log("dense  ranking:", byDense.join(" "));
console.log("sparse ranking:", bySparse.join(" "));
console.log("fused  top 4:  ", candidates.join(" "));

const compressor = await RerankCompressor.fromModel(model("Xenova/ms-marco-MiniLM-L-6-v2", "demo-cross-encoder"), { topN: 2 });
const reranked = await compressor.compressDocuments(
  candidates.map((i) => new Document({ pageContent: corpus[i]!, metadata: { source: `doc-${i}` } })),
  query,
);
for (const doc of reranked) console.log(`${(doc.metadata["relevanceScore"] as number).toFixed(3)}  ${doc.metadata["source"]}  ${doc.pageContent}`);
await Promise.all([splade.close(), biEncoder.close(), compressor.close()]);
