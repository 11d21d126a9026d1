/**
 * The Vercel AI SDK with local models, offline: embedMany() + cosine retrieval with a bi-encoder,
 * then rerank() with a cross-encoder, both through createRerankKit (models in a worker thread).
 *
 * Run: npx tsx examples/ai-sdk-local.ts [folder of test models]
 *
 * Without an argument it loads the Hub models named below. With the folder `npm run fixtures`
 * writes (test/.models), it runs offline on tiny SEEDED RANDOM TEST MODELS, not trained ones:
 * their scores mean nothing about relevance.
 */
import { cosineSimilarity, embed, embedMany, rerank } from "ai";
import { join } from "node:path";
import { createRerankKit } from "rerank-kit/ai-sdk";

// Any Hugging Face id or model folder works here. `npm run demo` and the tests pass a folder of
// generated test models as the first argument, so the example also runs offline.
const testModels = process.argv[2];
const model = (hubId: string, testModel: string): string => (testModels ? join(testModels, testModel) : hubId);

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
const rerankKit = createRerankKit(); // local models, each in a worker thread (worker: false for scripts)
const embeddingModel = rerankKit.embeddingModel(model("Xenova/bge-small-en-v1.5", "bi-encoder-mean"));

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
  model: rerankKit.rerankingModel(model("Xenova/ms-marco-MiniLM-L-6-v2", "cross-encoder")),
  query,
  documents: candidates.map((c) => c.text),
  topN: 2,
  providerOptions: { rerankKit: { maxTokensPerDoc: 256 } },
});
console.log(`\nquery: ${query}  (rerank usage: ${JSON.stringify(providerMetadata?.rerankKit?.usage)})`);
for (const r of ranking) console.log(`  ${r.score.toFixed(3)}  [candidate ${r.originalIndex}] ${r.document}`);

await rerankKit.close();
