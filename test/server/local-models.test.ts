import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScorer, type LocalScorer } from "../../src/local/index.js";
import { loadWorkerScorer, type WorkerScorer } from "../../src/local/worker-pool/index.js";
import { RemoteScorer } from "../../src/remote/index.js";
import { ensureTestModels } from "../fixtures/index.js";
import { referenceFor } from "../local/reference-scores.js";
import { post, start } from "./helpers.js";

const QUERY = "what is the capital of france";
const DOCS = ["paris is the capital of france", "bananas are yellow", "the capital of brazil is brasilia"];

let models: Record<string, string>;
const loaded: LocalScorer[] = [];

beforeAll(async () => {
  models = await ensureTestModels();
});
afterAll(async () => {
  await Promise.all(loaded.map((s) => s.close()));
});

async function local(name: string): Promise<LocalScorer> {
  const scorer = await loadScorer(models[name] as string, { threads: 1 });
  loaded.push(scorer);
  return scorer;
}

describe.each(["cross-encoder", "bi-encoder-mean", "colbert-pylate"])("serving the tiny %s model", (name) => {
  it("answers /score and /rerank with the reference scores and the scorer's usage", async () => {
    // Expected from the float64 reference on the same weights (computed before the server runs).
    const reference = referenceFor(name)(QUERY, DOCS);
    const scorer = await local(name);
    // The bi-encoder's own score() adds the model's prompts; the server does so only when asked.
    const { url } = await start({ scorer, scorePrompts: true });
    const direct = await scorer.scoreWithUsage(QUERY, DOCS);
    const score = await post(`${url}/score`, { queries: QUERY, documents: DOCS });
    expect(score.status).toBe(200);
    score.body.data.forEach((d: { score: number }, i: number) => expect(Math.abs(d.score - reference[i]!)).toBeLessThanOrEqual(1e-4));
    expect(score.body.usage.prompt_tokens).toBe(direct.usage.promptTokens);
    const rerank = await post(`${url}/rerank`, { query: QUERY, documents: DOCS, top_n: 2 });
    const best = reference.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
    expect(rerank.body.results.map((r: { index: number }) => r.index)).toEqual(best.slice(0, 2).map(([, i]) => i));
    const tok = await post(`${url}/tokenize`, { prompt: QUERY });
    expect(tok.body.tokens).toEqual(scorer.tokenize(QUERY).ids);
    expect(tok.body.max_model_len).toBe(scorer.maxLength);
  });

  it("rejects a too-long pair with vLLM's message unless truncate_prompt_tokens is set", async () => {
    const scorer = await local(name);
    const { url } = await start({ scorer });
    const long = Array.from({ length: scorer.maxLength * 2 }, () => "capital").join(" ");
    // A long document: ColBERT truncates queries to its query length by design.
    const r = await post(`${url}/score`, { queries: "paris", documents: long });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("Please reduce the length of the input prompt");
    const over = await post(`${url}/score`, { queries: "q", documents: "d", truncate_prompt_tokens: scorer.maxLength + 1 });
    expect(over.body.error.message).toContain("Please request a smaller truncation size.");
    const ok = await post(`${url}/score`, { queries: "paris", documents: long, truncate_prompt_tokens: -1 });
    expect(ok.status).toBe(200);
  });
});

describe("real models through the worker pool and rerank-kit's remote client", () => {
  let worker: WorkerScorer;
  beforeAll(async () => {
    worker = await loadWorkerScorer(models["cross-encoder"] as string, { threads: 1 });
  });
  afterAll(async () => {
    await worker.close();
  });

  it("serves the reference scores from a worker thread", async () => {
    const expected = referenceFor("cross-encoder")(QUERY, DOCS);
    const inProcess = await local("cross-encoder");
    const { url } = await start({ scorer: worker });
    const r = await post(`${url}/score`, { queries: QUERY, documents: DOCS });
    r.body.data.forEach((d: { score: number }, i: number) => expect(Math.abs(d.score - expected[i]!)).toBeLessThanOrEqual(1e-4));
    expect((await post(`${url}/tokenize`, { prompt: QUERY })).body.tokens).toEqual(inProcess.tokenize(QUERY).ids);
  });

  it("works with RemoteScorer (score and rerank) and its API key", async () => {
    const expected = referenceFor("cross-encoder")(QUERY, DOCS);
    const { url } = await start({ scorer: worker, apiKey: "k", servedModelName: "tiny" });
    const remote = new RemoteScorer({ baseURL: url, model: "tiny", apiKey: "k" });
    try {
      const scores = await remote.score(QUERY, DOCS);
      scores.forEach((s, i) => expect(Math.abs(s - expected[i]!)).toBeLessThanOrEqual(1e-4));
      const ranked = await remote.rerank(QUERY, DOCS, { topN: 1 });
      const best = expected.indexOf(Math.max(...expected));
      expect(ranked.map((r) => r.index)).toEqual([best]);
    } finally {
      await remote.close();
    }
  });
});

describe("pooling routes over the tiny models", () => {
  it("/v1/embeddings matches the bi-encoder's embed()", async () => {
    const scorer = await local("bi-encoder-mean");
    if (!("embed" in scorer)) throw new Error("expected a bi-encoder");
    const { url } = await start({ scorer });
    const r = await post(`${url}/v1/embeddings`, { input: DOCS });
    const expected = await scorer.embed(DOCS, { prompt: false }); // as given, like vLLM
    r.body.data.forEach((d: { embedding: number[] }, i: number) => {
      expect(d.embedding).toHaveLength(expected[i]!.length);
      d.embedding.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6));
    });
  });

  it("/pooling token_embed matches the ColBERT model's embedTokens()", async () => {
    const scorer = await local("colbert-pylate");
    if (!("embedTokens" in scorer)) throw new Error("expected a late-interaction scorer");
    const { url } = await start({ scorer });
    const r = await post(`${url}/pooling`, { input: DOCS[0], task: "token_embed" });
    expect(r.status).toBe(200);
    const [m] = await scorer.embedTokens([DOCS[0]!]);
    expect(r.body.data[0].data).toHaveLength(m!.tokens);
    expect(r.body.data[0].data[0]).toHaveLength(m!.dim);
    expect(r.body.data[0].data[0][0]).toBeCloseTo(m!.data[0]!, 6);
    const bad = await post(`${url}/pooling`, { input: "x", task: "embed" });
    expect(bad.body.error.message.startsWith("Unsupported task: 'embed'")).toBe(true);
  });
});
