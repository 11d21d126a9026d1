/**
 * The AI SDK provider on real (tiny, generated) ONNX models: in a worker thread by default, in
 * process on request, and through `rerank-kit serve`'s createServer with the remote client.
 * Expected values come from the same weights scored directly by the in-process scorers.
 */
import * as ai7 from "ai";
import * as ai6 from "ai-v6";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, CrossEncoderScorer, InvalidInputError, WorkerScorer } from "../../src/index.js";
import { createServer } from "../../src/server/index.js";
import { createRerankKit } from "../../adapters/ai-sdk/index.js";
import { loadLocalScorer } from "../../adapters/shared/local-model.js";
import { ensureTestModels } from "../fixtures/index.js";

const QUERY = "how do solar panels work";
const DOCS = ["Bread needs yeast to rise.", "Solar panels turn light into power.", "Panels of judges vote.", "How solar cells work in panels."];

let models: Record<string, string>;
let reference: CrossEncoderScorer;
let referenceEmbedder: BiEncoderScorer;
beforeAll(async () => {
  models = await ensureTestModels();
  reference = await CrossEncoderScorer.fromPretrained(models["cross-encoder"] as string);
  referenceEmbedder = await BiEncoderScorer.fromPretrained(models["bi-encoder-mean"] as string);
});
afterAll(async () => {
  await Promise.all([reference?.close(), referenceEmbedder?.close()]);
});

async function expectMatchesReference(ranking: Array<{ originalIndex: number; score: number }>): Promise<void> {
  const scores = await reference.score(QUERY, DOCS);
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i).map((e) => e.i);
  expect(ranking.map((r) => r.originalIndex)).toEqual(order);
  ranking.forEach((r) => expect(r.score).toBeCloseTo(scores[r.originalIndex] as number, 5));
}

describe("local models by folder", () => {
  it("loads a model id or folder in a worker thread by default, in process with worker: false", async () => {
    const inWorker = await loadLocalScorer(models["cross-encoder"] as string);
    const inProcess = await loadLocalScorer(models["cross-encoder"] as string, { worker: false, loadOptions: { workers: 2 } });
    try {
      expect(inWorker).toBeInstanceOf(WorkerScorer);
      expect(inProcess).toBeInstanceOf(CrossEncoderScorer);
    } finally {
      await Promise.all([inWorker.close(), inProcess.close()]);
    }
  });

  for (const [name, ai] of [["ai 6", ai6 as unknown as typeof ai7], ["ai 7", ai7]] as const) {
    it(`${name}: rerank() matches the cross-encoder's own scores and reports its token usage`, async () => {
      const rerankKit = createRerankKit();
      try {
        const result = await ai.rerank({ model: rerankKit.rerankingModel(models["cross-encoder"] as string), query: QUERY, documents: DOCS });
        await expectMatchesReference(result.ranking);
        const { usage } = await reference.rerankWithUsage(QUERY, DOCS);
        expect(usage.promptTokens).toBeGreaterThan(0);
        expect(result.providerMetadata?.rerankKit).toMatchObject({ usage: { promptTokens: usage.promptTokens } });
      } finally {
        await rerankKit.close();
      }
    });

    it(`${name}: embed() and embedMany() match the bi-encoder with its query and document prompts`, async () => {
      const rerankKit = createRerankKit({ worker: false });
      try {
        const model = rerankKit.embeddingModel(models["bi-encoder-mean"] as string);
        const { embeddings, usage } = await ai.embedMany({ model, values: DOCS });
        const expected = await referenceEmbedder.embedWithUsage(DOCS, { kind: "document" });
        expect(usage.tokens).toBe(expected.usage.promptTokens);
        embeddings.forEach((v, i) => v.forEach((x, j) => expect(x).toBeCloseTo(expected.embeddings[i]?.[j] as number, 5)));
        const { embedding } = await ai.embed({ model, value: QUERY, providerOptions: { rerankKit: { kind: "query" } } });
        const [q] = await referenceEmbedder.embed([QUERY], { kind: "query" });
        embedding.forEach((x, j) => expect(x).toBeCloseTo(q?.[j] as number, 5));
        const [d] = await referenceEmbedder.embed([QUERY], { kind: "document" });
        expect(Math.max(...embedding.map((x, j) => Math.abs(x - (d?.[j] as number))))).toBeGreaterThan(1e-3);
      } finally {
        await rerankKit.close();
      }
    });
  }

  it("gives each model of one provider its own scoreOptions (activation on and off)", async () => {
    const rerankKit = createRerankKit({ worker: false });
    try {
      const a = rerankKit.rerankingModel(models["cross-encoder"] as string);
      const b = rerankKit.rerankingModel(models["cross-encoder"] as string, { scoreOptions: { activation: false } });
      const [ra, rb] = await Promise.all([
        a.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY }),
        b.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY }),
      ]);
      const logits = await reference.score(QUERY, DOCS, { activation: false });
      rb.ranking.forEach((r) => expect(r.relevanceScore).toBeCloseTo(logits[r.index] as number, 5));
      ra.ranking.forEach((r) => expect(r.relevanceScore).toBeCloseTo(1 / (1 + Math.exp(-(logits[r.index] as number))), 5));
    } finally {
      await rerankKit.close();
    }
  });

  it("refuses to embed with a model that is not a bi-encoder", async () => {
    const rerankKit = createRerankKit({ worker: false });
    try {
      const error = await ai7.embed({ model: rerankKit.embeddingModel(models["cross-encoder"] as string), value: "x", maxRetries: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(String((error as Error).message)).toMatch(/not a bi-encoder/);
    } finally {
      await rerankKit.close();
    }
  });
});

describe("remote: rerank-kit serve's createServer through the remote client", () => {
  let url: string;
  let server: ReturnType<typeof createServer>;
  beforeAll(async () => {
    server = createServer({ scorer: reference, embedder: referenceEmbedder, servedModelName: ["tiny-reranker", "tiny-embedder"] });
    url = (await server.listen({ host: "127.0.0.1", port: 0 })).url;
  });
  afterAll(() => server?.close());

  for (const [name, ai] of [["ai 6", ai6 as unknown as typeof ai7], ["ai 7", ai7]] as const) {
    it(`${name}: rerank() and embedMany() against the server give the local answers`, async () => {
      const rerankKit = createRerankKit({ baseURL: `${url}/v1`, remoteScorer: { maxRetries: 0 }, remoteEmbedder: { maxRetries: 0 } });
      try {
        const { ranking } = await ai.rerank({ model: rerankKit.rerankingModel("tiny-reranker"), query: QUERY, documents: DOCS });
        await expectMatchesReference(ranking);
        const model = rerankKit.embeddingModel("tiny-embedder");
        expect(model.supportsParallelCalls).toBe(true);
        const { embeddings } = await ai.embedMany({ model, values: DOCS, providerOptions: { rerankKit: { prompt: false } } });
        const expected = await referenceEmbedder.embed(DOCS, { prompt: false });
        embeddings.forEach((v, i) => v.forEach((x, j) => expect(x).toBeCloseTo(expected[i]?.[j] as number, 5)));
      } finally {
        await rerankKit.close();
      }
    });
  }

  it("forwards the call's headers to the server (a remote model makes HTTP requests)", async () => {
    const seen: Array<Record<string, string>> = [];
    const capture: typeof fetch = (input, init) => {
      seen.push(Object.fromEntries(new Headers(init?.headers).entries()));
      return fetch(input, init);
    };
    const rerankKit = createRerankKit({ baseURL: url, remoteScorer: { maxRetries: 0, fetch: capture }, remoteEmbedder: { maxRetries: 0, fetch: capture } });
    try {
      await ai7.rerank({ model: rerankKit.rerankingModel("tiny-reranker"), query: QUERY, documents: DOCS, headers: { "x-trace-id": "abc" } });
      await ai7.embed({ model: rerankKit.embeddingModel("tiny-embedder"), value: QUERY, headers: { "x-trace-id": "def" } });
      expect(seen.map((h) => h["x-trace-id"])).toEqual(["abc", "def"]);
    } finally {
      await rerankKit.close();
    }
  });

  it("surfaces the server's 404 for an unknown model name", async () => {
    const rerankKit = createRerankKit({ baseURL: url, remoteScorer: { maxRetries: 0 } });
    try {
      const error = await ai7.rerank({ model: rerankKit.rerankingModel("no-such-model"), query: QUERY, documents: DOCS, maxRetries: 0 }).catch((e: unknown) => e);
      expect((error as Error).name).toBe("NotFoundError");
    } finally {
      await rerankKit.close();
    }
  });
});
