/**
 * `npm run demo`: rerank-kit's main job, offline. A query and candidate passages are scored in
 * process by the three score types (bi-encoder cosine, ColBERT MaxSim, cross-encoder), then the
 * same models run inside a LangChain retrieval chain, and a remote client talks to rerank-kit's
 * own vLLM-compatible server.
 *
 * The models are SEEDED RANDOM TEST MODELS generated on this machine (no download is possible
 * here): real rankings need real weights, e.g. loadScorer("Xenova/ms-marco-MiniLM-L-6-v2").
 */
import { join } from "node:path";
import { loadScorer, type LocalScorer } from "rerank-kit";

// `npm run demo` generates the test models and passes their folder.
const testModels = process.argv[2];
if (testModels === undefined) {
  console.error("usage: tsx examples/demo.ts <folder of test models> (npm run demo generates them and passes it)");
  process.exit(2);
}

const query = "how do solar panels make electricity";
const candidates = [
  "The stock market closed higher on Tuesday after a quiet session.",
  "Solar panels make electricity from sunlight using silicon cells.",
  "Hummingbirds beat their wings up to 80 times per second.",
  "How do panels on a roof make electricity? Photons free electrons in the cells.",
  "Electric cars store energy in lithium batteries instead of petrol tanks.",
  "Wind turbines turn the energy of moving air into electricity.",
  "A good sourdough needs flour, water, salt and patience.",
  "Solar power is cheap in sunny places.",
];

console.log(`rerank-kit demo (offline)

These models are TEST MODELS with SEEDED RANDOM WEIGHTS, generated on this machine in the exact
Hugging Face layout (test/fixtures). They exercise the real loading and scoring code, but they
were never trained:
  - the bi-encoder and ColBERT test models are built so that token identity dominates, so their
    scores follow WORD OVERLAP with the query (watch the passages that share its words rise);
  - the cross-encoder's ranking is NOISE: a random classifier head knows nothing about relevance.
With a real model, pass a Hugging Face id or a folder instead of a test path, e.g.
  await loadScorer("Xenova/ms-marco-MiniLM-L-6-v2")        // cross-encoder
  await loadScorer("Xenova/all-MiniLM-L6-v2", { scoreType: "bi-encoder" })
  await loadScorer("answerdotai/answerai-colbert-small-v1") // ColBERT, if it ships ONNX weights
`);

const show = async (title: string, scorer: LocalScorer, note: string) => {
  const t0 = performance.now();
  const ranked = await scorer.rerank(query, candidates, { topN: 4 });
  const ms = performance.now() - t0;
  console.log(`${title} (${scorer.scoreType}, ${ms.toFixed(0)} ms) - ${note}`);
  for (const r of ranked) console.log(`  ${r.score.toFixed(4).padStart(8)}  #${r.index}  ${String(r.document)}`);
  console.log();
  await scorer.close();
};

console.log(`query: "${query}"\n`);
await show("Bi-encoder, cosine", await loadScorer(join(testModels, "demo-bi-encoder-mean")), "follows word overlap");
await show("ColBERT, MaxSim", await loadScorer(join(testModels, "demo-colbert-pylate")), "follows word overlap");
await show("Cross-encoder, sigmoid(logit)", await loadScorer(join(testModels, "demo-cross-encoder")), "random weights: this order is noise");

console.log("--- LangChain: ContextualCompressionRetriever with local models (examples/rag-local.ts) ---\n");
await import("./rag-local.js");
console.log("\n--- Remote: RemoteScorer against rerank-kit's own vLLM-compatible server (examples/rag-remote.ts) ---\n");
await import("./rag-remote.js");
