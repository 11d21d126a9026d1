/**
 * The `/pooling` token_embed answer's size is checked before the model runs (issue 25 item 11: a
 * 1000-document ColBERT request ran for minutes and answered 500). Over `maxResponseBytes` the
 * answer is vLLM's 413 `ContentTooLargeError`; under it a large answer streams to the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScorer, type LocalScorer } from "../../src/local/index.js";
import type { EmbedOptions, TokenEmbeddings } from "../../src/types.js";
import { ensureTestModels } from "../fixtures/index.js";
import { FakeTokenEmbedder } from "./fakes.js";
import { post, start } from "./helpers.js";

/** 128-wide rows, one per word (the fake tokenizer's tokens are words), and a log of each call's texts. */
class WideTokenEmbedder extends FakeTokenEmbedder {
  readonly embedCalls: string[][] = [];
  override async embedTokens(texts: string[], _options?: EmbedOptions): Promise<TokenEmbeddings[]> {
    this.embedCalls.push(texts);
    return texts.map((t) => {
      const tokens = t.split(/\s+/).filter(Boolean).length + 2;
      return { data: new Float32Array(tokens * 128).fill(0.25), tokens, dim: 128 };
    });
  }
}

// 10 texts of 50 words: the fake tokenizer counts 52 tokens each, capped at its maxLength of 32:
// 320 rows x 128 = 40960 floats, about 819 KB as float JSON (20 bytes each), 218 KB as base64 of
// float32 and 109 KB of float16.
const input = Array.from({ length: 10 }, (_, i) => Array.from({ length: 50 }, (_, w) => `w${i}x${w}`).join(" "));

describe("the token_embed answer size check", () => {
  it("answers 413 ContentTooLargeError naming the limit, before the model sees the texts", async () => {
    const scorer = new WideTokenEmbedder();
    const { url } = await start({ scorer, maxResponseBytes: 500_000 });
    const r = await post(`${url}/pooling`, { input, task: "token_embed" });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ type: "ContentTooLargeError", code: 413, param: "input" });
    // Counting stops at the text that crosses the limit: 7 texts x 32 rows x 128 x 20 > 500000.
    expect(r.body.error.message).toContain("would hold at least 28672 floats");
    expect(r.body.error.message).toContain("limit of 500000 bytes (maxResponseBytes, serve --max-response-bytes)");
    expect(r.body.error.message).toContain("encoding_format base64 or bytes");
    // Only the one-text probe that learns the row width ran.
    expect(scorer.embedCalls).toEqual([["a"]]);
  });

  it("estimates base64 and bytes answers at their encoded size", async () => {
    const scorer = new WideTokenEmbedder();
    const { url } = await start({ scorer, maxResponseBytes: 500_000 });
    const b64 = await post(`${url}/pooling`, { input, task: "token_embed", encoding_format: "base64" });
    expect(b64.status).toBe(200);
    expect(b64.body.data).toHaveLength(10);
    // float16 halves the bytes; a limit between the two sizes separates them.
    const { url: tight } = await start({ scorer: new WideTokenEmbedder(), maxResponseBytes: 200_000 });
    expect((await post(`${tight}/pooling`, { input, task: "token_embed", encoding_format: "base64" })).status).toBe(413);
    expect((await post(`${tight}/pooling`, { input, task: "token_embed", encoding_format: "base64", embed_dtype: "float16" })).status).toBe(200);
  });

  it("learns the row width once per server", async () => {
    const scorer = new WideTokenEmbedder();
    const { url } = await start({ scorer });
    for (let i = 0; i < 2; i++) expect((await post(`${url}/pooling`, { input: input.slice(0, 2), task: "token_embed" })).status).toBe(200);
    expect(scorer.embedCalls.map((c) => c.length)).toEqual([1, 2, 2]);
  });
});

describe("a tiny ColBERT model's 1000-document token_embed request", () => {
  let scorer: LocalScorer;
  beforeAll(async () => {
    const models = await ensureTestModels();
    scorer = await loadScorer(models["colbert-pylate"] as string, { threads: 1 });
  });
  afterAll(async () => scorer.close());

  // 1000 documents of 20 words, within the model's 64 tokens (as the were
  // within every limit).
  const docs = Array.from({ length: 1000 }, (_, i) => Array.from({ length: 20 }, (_, w) => `word${(i * 7 + w) % 97}`).join(" "));

  it("is refused with 413 before inference when the estimate exceeds the limit", async () => {
    const { url } = await start({ scorer, maxResponseBytes: 1_000_000 });
    const t0 = performance.now();
    const r = await post(`${url}/pooling`, { input: docs, task: "token_embed" });
    expect(r.status).toBe(413);
    expect(r.body.error.type).toBe("ContentTooLargeError");
    expect(r.body.error.message).toContain("limit of 1000000 bytes");
    expect(performance.now() - t0).toBeLessThan(30_000);
  }, 60_000);

  it("completes and streams when allowed, in bounded time", async () => {
    const { url } = await start({ scorer });
    const t0 = performance.now();
    const response = await fetch(`${url}/pooling`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: docs, task: "token_embed" }),
    });
    expect(response.status).toBe(200);
    // Streamed: no Content-Length, the body arrives in several chunks.
    expect(response.headers.get("content-length")).toBeNull();
    let chunks = 0;
    let text = "";
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      chunks++;
      text += Buffer.from(chunk).toString("utf8");
    }
    expect(chunks).toBeGreaterThan(1);
    const body = JSON.parse(text) as { data: { data: number[][] }[]; usage: { prompt_tokens: number } };
    expect(body.data).toHaveLength(1000);
    expect(body.data[999]!.data[0]).toHaveLength(16);
    expect(body.usage.prompt_tokens).toBeGreaterThan(1000);
    expect(performance.now() - t0).toBeLessThan(90_000);
  }, 120_000);
});
