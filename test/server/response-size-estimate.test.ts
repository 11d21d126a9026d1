/**
 * The estimate behind the token_embed answer-size check (413 `ContentTooLargeError`), read at its
 * boundary: a limit equal to the estimate answers, one byte less refuses. The estimates follow
 * from the encodings: float JSON at 20 bytes a float, raw bytes at the dtype's width, base64 at 4
 * characters per 3 bytes. Also when the row width is learned, and its message.
 */
import { describe, expect, it } from "vitest";
import type { EmbedOptions, TokenEmbeddings } from "../../src/types.js";
import { FakeTokenEmbedder, fakeTokenize } from "./fakes.js";
import { start } from "./helpers.js";

/**
 * `dim`-wide rows, one per token of the fake tokenizer (capped at its 32). With `skipShort`, one
 * row per word of two letters or more (as a skiplist drops tokens), and a text left with no rows
 * answers an empty 0 x 0 matrix. Logs each call's texts.
 */
class WidthTokenEmbedder extends FakeTokenEmbedder {
  readonly embedCalls: string[][] = [];
  constructor(
    readonly dim: number,
    readonly skipShort = false,
  ) {
    super();
  }
  override async embedTokens(texts: string[], _options?: EmbedOptions): Promise<TokenEmbeddings[]> {
    this.embedCalls.push(texts);
    return texts.map((t) => {
      const kept = this.skipShort ? fakeTokenize(t, false).tokens.filter((w) => w.length > 1).length : fakeTokenize(t).ids.length;
      const tokens = Math.min(kept, this.maxLength);
      const dim = tokens === 0 ? 0 : this.dim;
      return { data: new Float32Array(tokens * dim).fill(0.5), tokens, dim };
    });
  }
  probes(): number {
    return this.embedCalls.filter((c) => c.length === 1 && c[0] === "a").length;
  }
}

/** Status and parsed error of a /pooling request (bytes answers are not JSON). */
async function ask(url: string, body: Record<string, unknown>): Promise<{ status: number; message?: string; error?: Record<string, unknown> }> {
  const res = await fetch(`${url}/pooling`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ task: "token_embed", ...body }),
  });
  if (res.status === 200) {
    await res.arrayBuffer();
    return { status: 200 };
  }
  const error = ((await res.json()) as { error: Record<string, unknown> }).error;
  return { status: res.status, message: error["message"] as string, error };
}

/** Status at limits of exactly `bytes` and one less. */
async function atBoundary(bytes: number, body: Record<string, unknown>): Promise<[number, number]> {
  const at = await start({ scorer: new WidthTokenEmbedder(3), maxResponseBytes: bytes });
  const below = await start({ scorer: new WidthTokenEmbedder(3), maxResponseBytes: bytes - 1 });
  return [(await ask(at.url, body)).status, (await ask(below.url, body)).status];
}

// "ab": [CLS] ab [SEP], 3 rows of 3 = 9 floats.
const input = "ab";

describe("the token_embed answer-size estimate", () => {
  it("is 20 bytes a float as float JSON", async () => {
    expect(await atBoundary(9 * 20, { input })).toEqual([200, 413]);
  });

  it("is the dtype's bytes as bytes output", async () => {
    expect(await atBoundary(9 * 4, { input, encoding_format: "bytes" })).toEqual([200, 413]);
    expect(await atBoundary(9 * 2, { input, encoding_format: "bytes", embed_dtype: "float16" })).toEqual([200, 413]);
  });

  it("is 4 characters per 3 bytes as base64", async () => {
    // 36 bytes of float32 are 48 base64 characters; 18 of float16 are 24.
    expect(await atBoundary(48, { input, encoding_format: "base64" })).toEqual([200, 413]);
    expect(await atBoundary(24, { input, encoding_format: "base64", embed_dtype: "float16" })).toEqual([200, 413]);
  });
});

describe("the 413 answer", () => {
  it("names the floats, the estimate, the limit and, for float JSON, the cheaper encodings", async () => {
    const scorer = new WidthTokenEmbedder(3);
    const { url } = await start({ scorer, maxResponseBytes: 179 });
    const r = await ask(url, { input });
    expect(r.status).toBe(413);
    // Refused on the tokenizer's count, before the model saw the text: only the width probe ran.
    expect(scorer.embedCalls).toEqual([["a"]]);
    expect(r.error).toMatchObject({ type: "ContentTooLargeError", param: "input", code: 413 });
    // 180 bytes are 0.00 MiB at two decimals.
    expect(r.message).toContain("The response would hold at least 9 floats (about 0.00 MiB as encoding_format float), ");
    expect(r.message).toContain("over this server's limit of 179 bytes (maxResponseBytes, serve --max-response-bytes). ");
    expect(r.message).toMatch(/Send fewer inputs per request or ask for encoding_format base64 or bytes \(4 bytes per float instead of about 20\)\.$/);
  });

  it("does not suggest another encoding for base64, and gives whole MiB from 1 MiB on", async () => {
    // 32 rows (the fake tokenizer's cap) of 8192: 262144 floats, exactly 1 MiB as float32 bytes.
    const { url } = await start({ scorer: new WidthTokenEmbedder(8192), maxResponseBytes: 1_000_000 });
    const bytes = await ask(url, { input: Array.from({ length: 40 }, (_, i) => `w${i}`).join(" "), encoding_format: "bytes" });
    expect(bytes.status).toBe(413);
    expect(bytes.message).toContain("at least 262144 floats (about 1 MiB as encoding_format bytes)");
    expect(bytes.message).toMatch(/Send fewer inputs per request\.$/);
    const b64 = await ask(url, { input: Array.from({ length: 40 }, (_, i) => `w${i}`).join(" "), encoding_format: "base64" });
    expect(b64.status).toBe(413);
    // 1048576 bytes are 1398104 base64 characters: 1.33 MiB, shown whole.
    expect(b64.message).toContain("(about 1 MiB as encoding_format base64)");
    expect(b64.message).toMatch(/Send fewer inputs per request\.$/);
  });
});

describe("the row width", () => {
  it("is learned from the probe even when the request is then refused", async () => {
    const scorer = new WidthTokenEmbedder(3);
    const { url } = await start({ scorer, maxResponseBytes: 100 });
    expect((await ask(url, { input })).status).toBe(413);
    expect((await ask(url, { input })).status).toBe(413);
    expect(scorer.probes()).toBe(1);
  });

  it("is learned from a real answer when the probe had no rows", async () => {
    const scorer = new WidthTokenEmbedder(3, true);
    const { url } = await start({ scorer });
    expect((await ask(url, { input: "hello world" })).status).toBe(200);
    expect((await ask(url, { input: "hello world" })).status).toBe(200);
    expect(scorer.probes()).toBe(1);
  });

  it("is not learned as 0 from answers without rows: the next request probes again", async () => {
    const scorer = new WidthTokenEmbedder(3, true);
    const { url } = await start({ scorer });
    // The probe "a" and the texts "b" have no rows: no width was seen, so none is kept.
    expect((await ask(url, { input: "b" })).status).toBe(200);
    expect((await ask(url, { input: "b" })).status).toBe(200);
    expect(scorer.probes()).toBe(2);
  });
});
