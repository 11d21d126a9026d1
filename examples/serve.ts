/**
 * `rerank-kit serve`, programmatically and offline: a model runs in a worker thread behind the
 * vLLM score protocol, and the official Cohere SDK reranks through it.
 *
 * Run: npx tsx examples/serve.ts
 * From the shell the same server is:
 *   npx rerank-kit serve --model Xenova/ms-marco-MiniLM-L-6-v2 --port 8000
 *   curl -s localhost:8000/rerank -H 'content-type: application/json' \
 *     -d '{"query":"how do solar panels work","documents":["Solar cells turn light into current.","Bread needs yeast."]}'
 *
 * The model here is a SEEDED RANDOM TEST MODEL (test/fixtures): its ranking is noise. Pass a
 * Hugging Face id or a folder of a real cross-encoder in your app, and import from
 * "rerank-kit/server".
 */
import { CohereClientV2 } from "cohere-ai";
import { loadWorkerScorer } from "../src/local/worker-pool/index.js";
import { createServer } from "../src/server/index.js";
import { ensureTestModels } from "../test/fixtures/index.js";

const models = await ensureTestModels();
const scorer = await loadWorkerScorer(models["cross-encoder"] as string);
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
