import { describe, expect, it } from "vitest";
import { FakeBiEncoder, FakeScorer, FakeTokenEmbedder, fakeEmbedding, fakeTokenize } from "./fakes.js";
import { post, start } from "./helpers.js";

describe("POST /v1/embeddings", () => {
  it("returns float vectors in input order with usage", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder() });
    const texts = ["hello world", "an apple a day"];
    const r = await post(`${url}/v1/embeddings`, { input: texts }, { "x-request-id": "e1" });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe("embd-e1");
    expect(r.body.object).toBe("list");
    texts.forEach((t, i) => {
      expect(r.body.data[i].index).toBe(i);
      expect(r.body.data[i].object).toBe("embedding");
      expect(r.body.data[i].embedding).toEqual(Array.from(fakeEmbedding(t)));
    });
    const tokens = texts.reduce((n, t) => n + fakeTokenize(t).ids.length, 0);
    expect(r.body.usage).toMatchObject({ prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 });
  });

  it("encodes base64 as little-endian float32 and honours dimensions and use_activation", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), matryoshka: true });
    const r = await post(`${url}/v1/embeddings`, { input: "hello world", encoding_format: "base64" });
    const bytes = Buffer.from(r.body.data[0].embedding, "base64");
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(Array.from(fakeEmbedding("hello world")));
    const dims = await post(`${url}/v1/embeddings`, { input: "hello world", dimensions: 2 });
    expect(dims.body.data[0].embedding).toHaveLength(2);
    const raw = await post(`${url}/v1/embeddings`, { input: "hello world", use_activation: false });
    expect(raw.body.data[0].embedding).toEqual(Array.from(fakeEmbedding("hello world", false)));
  });

  it("rejects empty input, normalize, bad encodings and too-long text", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder({ maxLength: 8 }) });
    const empty = await post(`${url}/v1/embeddings`, { input: [] });
    expect(empty.body.error.message).toContain("You must pass at least one prompt");
    const normalize = await post(`${url}/v1/embeddings`, { input: "a", normalize: true });
    expect(normalize.status).toBe(400);
    expect(normalize.body.error.message).toContain("use_activation");
    const format = await post(`${url}/v1/embeddings`, { input: "a", encoding_format: "bf16" });
    expect(format.status).toBe(400);
    expect(format.body.error.type).toBe("Bad Request");
    const long = await post(`${url}/v1/embeddings`, { input: "a b c d e f g h i j" });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toContain("Please reduce the length of the input prompt");
    const tooFar = await post(`${url}/v1/embeddings`, { input: "a", truncate_prompt_tokens: 9 });
    expect(tooFar.body.error.message).toContain("Please request a smaller truncation size.");
  });

  it("is not served (404 detail) when the model cannot embed", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/v1/embeddings`, { input: "a" });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ detail: "Not Found" });
  });
});

describe("POST /pooling", () => {
  it("embeds with task embed (the bi-encoder default)", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder() });
    const r = await post(`${url}/pooling`, { input: ["hello world"] }, { "x-request-id": "p" });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe("pooling-p");
    expect(r.body.data[0]).toEqual({ index: 0, object: "pooling", data: Array.from(fakeEmbedding("hello world")) });
    const bad = await post(`${url}/pooling`, { input: "x", task: "token_embed" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe("BadRequestError");
    expect(bad.body.error.message.startsWith("Unsupported task: 'token_embed'")).toBe(true);
  });

  it("returns [tokens][dim] for token_embed and refuses embed on a ColBERT model", async () => {
    const { url } = await start({ scorer: new FakeTokenEmbedder() });
    const r = await post(`${url}/pooling`, { input: "ab cde", task: "token_embed" });
    expect(r.status).toBe(200);
    expect(r.body.data[0].data).toEqual([
      [2, 0],
      [3, 1],
    ]);
    expect(r.body.usage.prompt_tokens).toBe(fakeTokenize("ab cde").ids.length);
    const embed = await post(`${url}/pooling`, { input: "x", task: "embed" });
    expect(embed.body.error.message.startsWith("Unsupported task: 'embed'")).toBe(true);
    const removed = await post(`${url}/pooling`, { input: "x", task: "encode" });
    expect(removed.body.error.message).toContain("was removed");
  });

  it("answers 'Unsupported task' for a cross-encoder", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/pooling`, { input: "x" });
    expect(r.status).toBe(400);
    expect(r.body.error.message.startsWith("Unsupported task: 'embed'")).toBe(true);
  });
});

describe("POST /tokenize", () => {
  it("tokenizes with the scorer's tokenizer", async () => {
    const { url } = await start({ scorer: new FakeScorer({ maxLength: 20 }) });
    const r = await post(`${url}/tokenize`, { prompt: "hello big world", return_token_strs: true });
    const expected = fakeTokenize("hello big world");
    expect(r.body).toEqual({ count: expected.ids.length, max_model_len: 20, tokens: expected.ids, token_strs: expected.tokens });
    const plain = await post(`${url}/tokenize`, { prompt: "hello", add_special_tokens: false });
    expect(plain.body.tokens).toEqual(fakeTokenize("hello", false).ids);
    expect(plain.body.token_strs).toBeNull();
  });
});
