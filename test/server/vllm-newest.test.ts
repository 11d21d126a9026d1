/**
 * vLLM's newest protocol details: the rerank id prefix, Cohere v1 request shapes, and the
 * messages vLLM's newest code gives for removed and out-of-range fields.
 */
import { describe, expect, it } from "vitest";
import { FakeBiEncoder, FakeScorer, overlapScore } from "./fakes.js";
import { post, start } from "./helpers.js";

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const Q = "capital of france";
const DOCS = ["the capital of brazil is brasilia", "paris is the capital of france", "bananas are yellow"];

describe("rerank answers as vLLM and Cohere v1 clients expect", () => {
  it("prefixes the response id with rerank- (vLLM), on every rerank path", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    for (const path of ["/rerank", "/v1/rerank", "/v2/rerank"]) {
      const r = await post(`${url}${path}`, { query: Q, documents: DOCS }, { "x-request-id": "abc" });
      expect(r.body.id, path).toBe("rerank-abc");
      const random = await post(`${url}${path}`, { query: Q, documents: DOCS });
      expect(random.body.id, path).toMatch(/^rerank-[0-9a-f]{32}$/);
    }
  });

  it("ranks Cohere v1 {text} document objects by their text", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const plain = await post(`${url}/v1/rerank`, { query: Q, documents: DOCS });
    const objects = await post(`${url}/v1/rerank`, { query: Q, documents: DOCS.map((text) => ({ text, id: text.length })) });
    expect(objects.status).toBe(200);
    expect(objects.body.results).toEqual(plain.body.results);
    expect(objects.body.results[0].document.text).toBe(DOCS[1]);
    expect(objects.body.results[0].relevance_score).toBeCloseTo(sigmoid(overlapScore(Q, DOCS[1]!)), 12);
  });

  it("leaves document out of the results with return_documents: false, and keeps it otherwise", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const without = await post(`${url}/v1/rerank`, { query: Q, documents: DOCS, return_documents: false });
    expect(without.status).toBe(200);
    expect(without.body.results.map((r: object) => Object.keys(r).sort())).toEqual(DOCS.map(() => ["index", "relevance_score"]));
    const withDocs = await post(`${url}/v1/rerank`, { query: Q, documents: DOCS, return_documents: true });
    expect(withDocs.body.results[0].document).toEqual({ text: DOCS[1], multi_modal: null });
    const vllm = await post(`${url}/rerank`, { query: Q, documents: DOCS });
    expect(vllm.body.results[0].document).toEqual({ text: DOCS[1], multi_modal: null });
  });
});

describe("messages of vLLM's newest code", () => {
  it("max_tokens_per_doc: the value and the limit, without the old (parameter=...) suffix", async () => {
    const { url } = await start({ scorer: new FakeScorer({ maxLength: 16 }) });
    const big = await post(`${url}/rerank`, { query: Q, documents: DOCS, max_tokens_per_doc: 16 });
    expect(big.status).toBe(400);
    expect(big.body.error.message).toBe("max_tokens_per_doc (16) must be less than max_model_len (16).");
    const perQuery = await post(`${url}/score`, { queries: Q, documents: DOCS, max_tokens_per_query: 20 });
    expect(perQuery.body.error.message).toBe("max_tokens_per_query (20) must be less than max_model_len (16).");
    const negative = await post(`${url}/rerank`, { query: Q, documents: DOCS, max_tokens_per_doc: -5 });
    expect(negative.body.error.message).toBe("max_tokens_per_doc must be a non-negative integer");
  });

  it("normalize is refused whenever the field is present, null included, with vLLM's text", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder() });
    for (const normalize of [true, false, null]) {
      const r = await post(`${url}/v1/embeddings`, { input: "a b", normalize });
      expect(r.status, String(normalize)).toBe(400);
      expect(r.body.error.message).toBe("Parameter `normalize` was removed; use `use_activation` instead.");
      expect(r.body.error.param).toBe("normalize");
    }
  });

  it("accepts padding and cache_salt as vLLM does, and refuses an empty cache_salt", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder() });
    const plain = await post(`${url}/v1/embeddings`, { input: "a b" });
    for (const route of ["/v1/embeddings", "/pooling"]) {
      const r = await post(`${url}${route}`, { input: "a b", padding: "max_length", cache_salt: "tenant-a" });
      expect(r.status, route).toBe(200);
      expect(r.body.data[0].embedding ?? r.body.data[0].data).toEqual(plain.body.data[0].embedding);
    }
    const rerank = await post(`${url}/rerank`, { query: Q, documents: DOCS, padding: "do_not_pad", cache_salt: "tenant-a" });
    expect(rerank.status).toBe(200);
    const empty = await post(`${url}/v1/embeddings`, { input: "a b", cache_salt: "" });
    expect(empty.status).toBe(400);
    expect(empty.body.error.param).toBe("body.cache_salt");
    const badPadding = await post(`${url}/v1/embeddings`, { input: "a b", padding: "longest" });
    expect(badPadding.status).toBe(400);
  });
});
