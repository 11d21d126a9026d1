import { CohereClient, CohereClientV2 } from "cohere-ai";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { FakeBiEncoder, FakeScorer, fakeEmbedding, overlapScore } from "./fakes.js";
import { start } from "./helpers.js";

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const Q = "capital of france";
const DOCS = ["the capital of brazil is brasilia", "paris is the capital of france", "bananas are yellow"];
const expectedOrder = DOCS.map((d, i) => [sigmoid(overlapScore(Q, d)), i] as const)
  .sort((a, b) => b[0] - a[0])
  .map(([, i]) => i);

describe("official SDKs against the server", () => {
  it("Cohere v1 rerank", async () => {
    const { url } = await start({ scorer: new FakeScorer(), apiKey: "cohere-key", servedModelName: "rk" });
    const cohere = new CohereClient({ environment: url, token: "cohere-key" });
    const r = await cohere.rerank({ model: "rk", query: Q, documents: DOCS, topN: 2 });
    expect(r.results.map((x) => x.index)).toEqual(expectedOrder.slice(0, 2));
    expect(r.results[0]!.relevanceScore).toBeCloseTo(sigmoid(overlapScore(Q, DOCS[expectedOrder[0]!]!)), 12);
  });

  it("Cohere v2 rerank", async () => {
    const { url } = await start({ scorer: new FakeScorer(), apiKey: "cohere-key", servedModelName: "rk" });
    const cohere = new CohereClientV2({ environment: url, token: "cohere-key" });
    const r = await cohere.rerank({ model: "rk", query: Q, documents: DOCS });
    expect(r.results.map((x) => x.index)).toEqual(expectedOrder);
  });

  it("Cohere SDK surfaces a bad key as 401", async () => {
    const { url } = await start({ scorer: new FakeScorer(), apiKey: "right" });
    const cohere = new CohereClientV2({ environment: url, token: "wrong" });
    await expect(cohere.rerank({ model: "x", query: Q, documents: DOCS })).rejects.toMatchObject({ statusCode: 401 });
  });

  it("OpenAI embeddings, float and base64", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), apiKey: "oa", servedModelName: "emb" });
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "oa" });
    const texts = ["hello world", "an apple a day"];
    const float = await openai.embeddings.create({ model: "emb", input: texts, encoding_format: "float" });
    expect(float.data.map((d) => d.embedding)).toEqual(texts.map((t) => Array.from(fakeEmbedding(t))));
    // The SDK asks for base64 by default and decodes it itself.
    const b64 = await openai.embeddings.create({ model: "emb", input: texts });
    b64.data.forEach((d, i) => {
      (d.embedding as number[]).forEach((v, j) => expect(v).toBeCloseTo(fakeEmbedding(texts[i]!)[j]!, 6));
    });
    expect(float.usage.prompt_tokens).toBeGreaterThan(0);
    const models = await openai.models.list();
    expect(models.data[0]!.id).toBe("emb");
  });

  it("OpenAI SDK reports an unknown model as NotFoundError", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder() });
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "x", maxRetries: 0 });
    await expect(openai.embeddings.create({ model: "nope", input: "a" })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
