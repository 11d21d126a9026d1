/**
 * LlamaIndex.TS with local models, offline: a VectorStoreIndex embedded by RerankKitEmbedding,
 * retrieved and reranked by RerankKitPostprocessor in a RetrieverQueryEngine.
 *
 * Run: npx tsx examples/llamaindex-local.ts [folder of test models]
 *
 * Without an argument it loads the Hub models named below. With the folder `npm run fixtures`
 * writes (test/.models), it runs offline on tiny SEEDED RANDOM TEST MODELS, not trained ones:
 * their scores mean nothing about relevance. In your app, use engine.query() with your LLM set
 * in Settings.llm.
 */
import { Document, MetadataMode, Settings, VectorStoreIndex } from "llamaindex";
import { join } from "node:path";
import { RerankKitEmbedding, RerankKitPostprocessor } from "rerank-kit/llamaindex";

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
// a folder or Hub id is loaded on first use, in a worker thread (worker: false for scripts)
const embedModel = new RerankKitEmbedding({ embedder: model("Xenova/bge-small-en-v1.5", "bi-encoder-mean") });
const reranker = new RerankKitPostprocessor({ scorer: model("Xenova/ms-marco-MiniLM-L-6-v2", "cross-encoder"), topN: 2 });
Settings.embedModel = embedModel;

const index = await VectorStoreIndex.fromDocuments(corpus.map((text, i) => new Document({ text, id_: `doc-${i}` })));
const candidates = await index.asRetriever({ similarityTopK: 4 }).retrieve(query); // first stage: 4 candidates
const best = await reranker.postprocessNodes(candidates, query); // second stage: best 2
// with an LLM configured: index.asQueryEngine({ similarityTopK: 4, nodePostprocessors: [reranker] })

console.log(`query: ${query}`);
for (const n of best) console.log(`  ${n.score?.toFixed(3)}  ${n.node.getContent(MetadataMode.NONE)}`);

await Promise.all([embedModel.close(), reranker.close()]);
