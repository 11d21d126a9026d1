/**
 * Mastra's rerankWithScorer with a local cross-encoder, offline: the scorer's per-document
 * getRelevanceScore calls are coalesced into one batched model call.
 *
 * Run: npx tsx examples/mastra-local.ts [folder of test models]
 *
 * Without an argument it loads the Hub model named below. With the folder `npm run fixtures`
 * writes (test/.models), it runs offline on a tiny SEEDED RANDOM TEST MODEL, not a trained one:
 * its scores mean nothing about relevance. In your app, pass the results of your vector store's
 * query(), and new RerankKitRelevanceScorer({ scorer: "<hub id>" }) loads the model in a worker.
 */
import { rerankWithScorer } from "@mastra/rag";
import { join } from "node:path";
import { CrossEncoderScorer } from "rerank-kit";
import type { ScoreInput, ScoreOptions } from "rerank-kit";
import { RerankKitRelevanceScorer } from "rerank-kit/mastra";

// Any Hugging Face id or model folder works here. `npm run demo` and the tests pass a folder of
// generated test models as the first argument, so the example also runs offline.
const testModels = process.argv[2];
const modelId = (hubId: string, testModel: string): string => (testModels ? join(testModels, testModel) : hubId);

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
// in process here so the example can count model calls; pass a Hub id or folder to load it in a worker
const model = await CrossEncoderScorer.fromPretrained(modelId("Xenova/ms-marco-MiniLM-L-6-v2", "cross-encoder"));
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
