/**
 * `rerank-kit serve`, programmatically and offline: a model runs in a worker thread behind the
 * vLLM score protocol, and the official Cohere SDK reranks through it.
 *
 * Run: npx tsx examples/serve.ts [folder of test models]
 * From the shell the same server is:
 *   npx rerank-kit serve --model Xenova/ms-marco-MiniLM-L-6-v2 --port 8000
 *   curl -s localhost:8000/rerank -H 'content-type: application/json' \
 *     -d '{"query":"how do solar panels work","documents":["Solar cells turn light into current.","Bread needs yeast."]}'
 *
 * Without an argument it serves the Hub model named below. With the folder `npm run fixtures`
 * writes (test/.models), it serves a SEEDED RANDOM TEST MODEL offline: its ranking is noise.
 */
import { CohereClientV2 } from "cohere-ai";
import { join } from "node:path";
import { loadWorkerScorer } from "rerank-kit";
import { createServer } from "rerank-kit/server";

// Any Hugging Face id or model folder works here. `npm run demo` and the tests pass a folder of
// generated test models as the first argument, so the example also runs offline.
const testModels = process.argv[2];
const model = (hubId: string, testModel: string): string => (testModels ? join(testModels, testModel) : hubId);

const scorer = await loadWorkerScorer(model("Xenova/ms-marco-MiniLM-L-6-v2", "cross-encoder"));
const server = createServer({ scorer, servedModelName: "tiny-reranker", apiKey: "demo-key", closeScorer: true });
const { url } = await server.listen({ port: 0 }); // 127.0.0.1 unless you pass host
console.log(`serving ${scorer.model} on ${url} (try ${url}/docs)`);

const cohere = new CohereClientV2({ environment: url, token: "demo-key" });
const { results } = await cohere.rerank({
  model: "tiny-reranker",
  query: "how do solar panels make electricity",
  documents: ["Solar cells turn sunlight into current.", "Bread needs yeast.", "Panels on roofs feed the grid."],
  topN: 2,
});
console.log("Cohere SDK -> rerank-kit:", results);

const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: "Bearer demo-key" } })).text();
console.log(metrics.split("\n").filter((l) => l.startsWith("rerank_kit_requests_total")).join("\n"));
await server.close();
