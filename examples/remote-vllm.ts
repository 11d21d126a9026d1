/**
 * Score, rerank and embed against a vLLM (or any compatible) server.
 *
 * Start a scoring server first, for example:
 *
 *   vllm serve BAAI/bge-reranker-v2-m3               # cross-encoder: /score, /rerank
 *   vllm serve intfloat/e5-small-v2 --port 8001      # embeddings: /v1/embeddings (optional)
 *
 * then run:
 *
 *   VLLM_URL=http://127.0.0.1:8000 npx tsx examples/remote-vllm.ts
 *
 * Environment: VLLM_URL (default http://127.0.0.1:8000), VLLM_MODEL (default: the first model the
 * server lists), VLLM_EMBED_URL (default: VLLM_URL; embeddings are skipped if that server cannot
 * embed), VLLM_API_KEY (optional).
 */
import { APIError, RemoteEmbedder, RemoteScorer } from "rerank-kit/remote";

const baseURL = process.env.VLLM_URL ?? "http://127.0.0.1:8000";
const apiKey = process.env.VLLM_API_KEY;

const query = "What is the capital of France?";
const documents = [
  "The capital of Brazil is Brasilia.",
  "Paris is the capital and largest city of France.",
  "France is famous for its cheese.",
  "Berlin is the capital of Germany.",
];

async function main(): Promise<void> {
  const probe = new RemoteScorer({ baseURL, ...(apiKey ? { apiKey } : {}) });
  const [health] = await probe.health();
  if (!health?.ok) throw new Error(`No server at ${baseURL}: ${health?.error?.message ?? `status ${health?.status}`}`);
  const model = process.env.VLLM_MODEL ?? (await probe.listModels())[0]?.id ?? "";
  console.log(`server ${baseURL}, model ${model}`);

  const scorer = probe.withOptions({ model });
  const scores = await scorer.score(query, documents);
  console.log("\nscore() in document order:");
  documents.forEach((d, i) => console.log(`  ${scores[i]?.toFixed(4)}  ${d}`));

  const { results, usage } = await scorer.rerankWithUsage(query, documents, { topN: 2 });
  console.log(`\nrerank() top 2 (${usage.promptTokens} prompt tokens):`);
  for (const r of results) console.log(`  #${r.index}  ${r.score.toFixed(4)}  ${String(r.document)}`);

  const embedURL = process.env.VLLM_EMBED_URL ?? baseURL;
  // /v1/embeddings has no query field: the model's query prompt goes in queryPrefix ("query: " for E5).
  const queryPrefix = process.env.VLLM_QUERY_PREFIX ?? "";
  const embedder = new RemoteEmbedder({ baseURL: embedURL, queryPrefix, ...(apiKey ? { apiKey } : {}) });
  const embedModel = (await embedder.listModels())[0]?.id;
  try {
    const [vector] = await embedder.withOptions({ ...(embedModel ? { model: embedModel } : {}) }).embed([query], { kind: "query" });
    console.log(`\nembed(): ${vector?.length} dimensions from ${embedURL}, first values ${Array.from(vector?.slice(0, 4) ?? []).map((v) => v.toFixed(4)).join(", ")}`);
  } catch (error) {
    // A reranker served by vLLM has no /v1/embeddings route; say so instead of failing the demo.
    if (error instanceof APIError) console.log(`\nembed(): ${embedURL} cannot embed (${error.status}); set VLLM_EMBED_URL`);
    else throw error;
  }
  await Promise.all([scorer.close(), embedder.close()]);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
