/**
 * The Vercel AI SDK with local models, offline: embedMany() + cosine retrieval with a bi-encoder,
 * then rerank() with a cross-encoder, both through createRerankKit (models in a worker thread).
 *
 * Run: npx tsx examples/ai-sdk-local.ts
 *
 * The models here are tiny SEEDED RANDOM TEST MODELS generated on this machine (test/fixtures),
 * not trained ones: their scores mean nothing about relevance. In your app pass Hub ids instead, e.g.
 * rerankingModel("Xenova/ms-marco-MiniLM-L-6-v2") and embeddingModel("Xenova/bge-small-en-v1.5"),
 * and import from "rerank-kit/ai-sdk".
 */
import { cosineSimilarity, embed, embedMany, rerank } from "ai";
import { createRerankKit } from "../adapters/ai-sdk/index.js";
import { ensureTestModels } from "../test/fixtures/index.js";

const corpus = [
  "Cats purr when they are content, and sometimes when they are stressed.",
  "Dogs bark to warn their owners about strangers at the door.",
  "Solar panels convert sunlight into electricity with silicon cells.",
  "A purring cat vibrates its larynx between 25 and 150 hertz.",
  "Electric cars store energy in lithium batteries instead of petrol tanks.",
  "Why do cats purr? Scientists think purring also helps cats heal.",
];
const query = "why do cats purr";

console.log("Note: these are tiny seeded random test models (generated offline): the output shows the plumbing, not relevance.\n");
const models = await ensureTestModels();
const rerankKit = createRerankKit(); // local models, each in a worker thread (worker: false for scripts)
const embeddingModel = rerankKit.embeddingModel(models["bi-encoder-mean"] as string);

// first stage: embed the corpus once, the query with the model's query prompt, keep the 4 nearest
const { embeddings, usage } = await embedMany({ model: embeddingModel, values: corpus });
const { embedding: q } = await embed({ model: embeddingModel, value: query, providerOptions: { rerankKit: { kind: "query" } } });
const candidates = embeddings
  .map((e, i) => ({ text: corpus[i] as string, similarity: cosineSimilarity(q, e) }))
  .sort((a, b) => b.similarity - a.similarity)
  .slice(0, 4);
console.log(`embedded ${corpus.length} documents (${usage.tokens} tokens)`);

// second stage: rerank the candidates with a cross-encoder, keep the best 2
const { ranking, providerMetadata } = await rerank({
  model: rerankKit.rerankingModel(models["cross-encoder"] as string),
  query,
  documents: candidates.map((c) => c.text),
  topN: 2,
  providerOptions: { rerankKit: { maxTokensPerDoc: 256 } },
});
console.log(`\nquery: ${query}  (rerank usage: ${JSON.stringify(providerMetadata?.rerankKit?.usage)})`);
for (const r of ranking) console.log(`  ${r.score.toFixed(3)}  [candidate ${r.originalIndex}] ${r.document}`);

await rerankKit.close();
