/**
 * Mastra's rerankWithScorer with a local cross-encoder, offline: the scorer's per-document
 * getRelevanceScore calls are coalesced into one batched model call.
 *
 * Run: npx tsx examples/mastra-local.ts
 *
 * The model here is a tiny SEEDED RANDOM TEST MODEL generated on this machine (test/fixtures),
 * not a trained one: its scores mean nothing about relevance. In your app pass a Hub id instead, e.g.
 * new RerankKitRelevanceScorer({ scorer: "Xenova/ms-marco-MiniLM-L-6-v2" }), import from
 * "rerank-kit/mastra", and pass the results of your vector store's query().
 */
import { rerankWithScorer } from "@mastra/rag";
import { CrossEncoderScorer } from "../src/index.js";
import type { ScoreInput, ScoreOptions } from "../src/index.js";
import { RerankKitRelevanceScorer } from "../adapters/mastra/index.js";
import { ensureTestModels } from "../test/fixtures/index.js";

const query = "why do cats purr";
// what a Mastra vector store query returns: id, vector score, metadata.text
const results = [
  "Cats purr when they are content, and sometimes when they are stressed.",
  "Dogs bark to warn their owners about strangers at the door.",
  "A purring cat vibrates its larynx between 25 and 150 hertz.",
  "Why do cats purr? Scientists think purring also helps cats heal.",
  "Electric cars store energy in lithium batteries instead of petrol tanks.",
].map((text, i) => ({ id: `doc-${i}`, score: 0.8 - i * 0.05, metadata: { text } }));

console.log("Note: these are tiny seeded random test models (generated offline): the output shows the plumbing, not relevance.\n");
const models = await ensureTestModels();
// in process here so the example can count model calls; pass a Hub id or folder to load it in a worker
const model = await CrossEncoderScorer.fromPretrained(models["cross-encoder"] as string);
let modelCalls = 0;
const counted = Object.assign(Object.create(model) as CrossEncoderScorer, {
  score: (q: ScoreInput, d: ScoreInput[], o?: ScoreOptions) => (modelCalls++, model.score(q, d, o)),
});

const reranked = await rerankWithScorer({
  results,
  query,
  scorer: new RerankKitRelevanceScorer({ scorer: counted }),
  options: { topK: 3, weights: { semantic: 0.7, vector: 0.2, position: 0.1 } },
});
console.log(`query: ${query}  (${results.length} documents, ${modelCalls} model call)`);
for (const r of reranked) console.log(`  ${r.score.toFixed(3)} (semantic ${r.details.semantic.toFixed(3)})  ${r.result.metadata?.text}`);

await model.close();
