/**
 * Retrieve-then-rerank with local models, offline: a MemoryVectorStore embedded by a bi-encoder,
 * reranked by a ColBERT model, through LangChain's ContextualCompressionRetriever.
 *
 * Run: npx tsx examples/rag-local.ts [folder of test models]
 *
 * Without an argument it loads the Hub models named below (a cross-encoder such as
 * "Xenova/ms-marco-MiniLM-L-6-v2" works in RerankCompressor.fromModel too). With the folder
 * `npm run fixtures` writes (test/.models), it runs offline on SEEDED RANDOM TEST MODELS, not
 * trained ones: their scores only follow word overlap. Both models run in a worker thread, so a
 * chain in a server never blocks its event loop while it scores.
 */
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { Document } from "@langchain/core/documents";
import { join } from "node:path";
import { BiEncoderScorer } from "rerank-kit";
import { RERANK_EVENT, RerankCompressor, RerankKitEmbeddings, type RerankEvent } from "rerank-kit/langchain";

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
  "The stock market closed higher on Tuesday after a quiet session.",
  "Hummingbirds beat their wings up to 80 times per second.",
];
const query = "why do cats purr";

console.log("Note: demo-* are seeded random test models (generated offline), so scores follow word overlap only.\n");
// Both models run in worker threads: the event loop stays free while they embed and score.
const embedder = await BiEncoderScorer.fromPretrained(model("Xenova/bge-small-en-v1.5", "demo-bi-encoder-mean"), { worker: true }); // an Embedder
const compressor = await RerankCompressor.fromModel(model("lightonai/GTE-ModernColBERT-v1", "demo-colbert-pylate"), { topN: 3 }); // detects ColBERT from the files

const store = await MemoryVectorStore.fromDocuments(
  corpus.map((pageContent, i) => new Document({ pageContent, metadata: { source: `doc-${i}` } })),
  new RerankKitEmbeddings({ embedder }),
);
const retriever = new ContextualCompressionRetriever({
  baseRetriever: store.asRetriever({ k: 6 }), // first stage: 6 candidates
  baseCompressor: compressor, // second stage: best 3
});

const docs = await retriever.invoke(query, {
  callbacks: [
    {
      handleCustomEvent(name: string, event: RerankEvent) {
        if (name === RERANK_EVENT) console.log(`reranked ${event.documents} -> ${event.kept} in ${event.durationMs.toFixed(1)} ms (${event.model})`);
      },
      awaitHandlers: true,
    },
  ],
});
console.log(`\nquery: ${query}`);
for (const doc of docs) console.log(`  ${Number(doc.metadata.relevanceScore).toFixed(3)}  [${doc.metadata.source}] ${doc.pageContent}`);

await Promise.all([embedder.close(), compressor.close()]);
