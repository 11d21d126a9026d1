/**
 * Retrieve-then-rerank against a scoring server, offline: RemoteScorer and RemoteEmbedder (the
 * same clients you point at vLLM, TEI, Infinity or Cohere) talk to an in-process rerank-kit
 * server on 127.0.0.1, which serves the vLLM score protocol over local demo models.
 *
 * Run: npx tsx examples/rag-remote.ts [folder of test models]
 *
 * In your app, drop the server and point the clients at yours, e.g.
 *   new RemoteScorer({ baseURL: "http://gpu-box:8000", model: "BAAI/bge-reranker-v2-m3" })
 *   new RemoteEmbedder({ baseURL: "http://gpu-box:8000/v1", model: "BAAI/bge-m3" })
 * The stand-in server loads the Hub models named below, or, given the folder `npm run fixtures`
 * writes (test/.models), SEEDED RANDOM TEST MODELS whose scores only follow word overlap.
 */
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { join } from "node:path";
import { BiEncoderScorer, loadScorer } from "rerank-kit";
import { RemoteEmbedder, RemoteScorer } from "rerank-kit/remote";
import { createServer } from "rerank-kit/server";
import { RerankCompressor, RerankKitEmbeddings } from "rerank-kit/langchain";

// Any Hugging Face id or model folder works here. `npm run demo` and the tests pass a folder of
// generated test models as the first argument, so the example also runs offline.
const testModels = process.argv[2];
const model = (hubId: string, testModel: string): string => (testModels ? join(testModels, testModel) : hubId);

const corpus = [
  "Rotate API keys every 90 days and revoke unused ones.",
  "Our office is closed on public holidays.",
  "To rotate an API key, create a new key, deploy it, then revoke the old key.",
  "The cafeteria serves lunch from noon to two.",
  "API keys must never be committed to the repository.",
  "Quarterly reports are due on the fifth business day.",
];
const query = "how do I rotate an API key";

// --- stand-in for your GPU server: rerank-kit's own vLLM-protocol server over demo models ---
console.log("Note: the server runs seeded random demo models (generated offline); scores follow word overlap only.\n");
const server = createServer({
  scorer: await loadScorer(model("lightonai/GTE-ModernColBERT-v1", "demo-colbert-pylate")),
  embedder: await BiEncoderScorer.fromPretrained(model("Xenova/bge-small-en-v1.5", "demo-bi-encoder-mean")),
  closeScorer: true,
});
const { url } = await server.listen({ host: "127.0.0.1", port: 0 });
console.log(`scoring server listening on ${url}`);

// --- your app: only these lines change when you move from local to remote models ---
// queryPrefix: the server embeds text as given, so the query prompt is the client's (none for this model).
const embeddings = new RerankKitEmbeddings({ embedder: new RemoteEmbedder({ baseURL: `${url}/v1`, queryPrefix: "" }) });
const compressor = new RerankCompressor({ scorer: new RemoteScorer({ baseURL: url }), topN: 2 });

const store = await MemoryVectorStore.fromTexts(corpus, corpus.map((_, i) => ({ source: `doc-${i}` })), embeddings);
const retriever = new ContextualCompressionRetriever({ baseRetriever: store.asRetriever({ k: 4 }), baseCompressor: compressor });
const docs = await retriever.invoke(query);

console.log(`\nquery: ${query}`);
for (const doc of docs) console.log(`  ${Number(doc.metadata.relevanceScore).toFixed(3)}  [${doc.metadata.source}] ${doc.pageContent}`);

// rerank() for callers without Documents: { index, relevanceScore } best first.
console.log("\nrerank():", await compressor.rerank(corpus, query, { topN: 3 }));
await server.close();
