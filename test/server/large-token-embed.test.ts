/**
 * A large `/pooling` token_embed answer (issue 25 item 11): 1000 documents x 32 tokens x 128
 * dims, 4M floats and 80M characters of JSON (a ColBERT model's 512-token documents make 16 times
 * that, past V8's longest string). It answers 200, byte for byte the JSON of the same matrices,
 * and the server's memory grows by about the floats and one chunk of text, not by the whole text.
 */
import { describe, expect, it } from "vitest";
import type { TokenEmbeddings } from "../../src/index.js";
import { FakeTokenEmbedder } from "./fakes.js";
import { start } from "./helpers.js";

const DOCS = 1000;
const ROWS = 32;
const DIM = 128;

/** A value with a long decimal form (as real embeddings have), a pure function of its place. */
const value = (doc: number, row: number, col: number): number => Math.fround(Math.sin(doc * 7919 + row * 131 + col * 0.37) / 3);

class LargeTokenEmbedder extends FakeTokenEmbedder {
  override async embedTokens(texts: string[]): Promise<TokenEmbeddings[]> {
    return texts.map((_, doc) => {
      const data = new Float32Array(ROWS * DIM);
      for (let r = 0; r < ROWS; r++) for (let c = 0; c < DIM; c++) data[r * DIM + c] = value(doc, r, c);
      return { data, tokens: ROWS, dim: DIM };
    });
  }
}

/** The expected `data` array's text, built with JSON.stringify one row at a time. */
function* expectedData(): Generator<string> {
  for (let doc = 0; doc < DOCS; doc++) {
    let text = `${doc === 0 ? "" : ","}{"index":${doc},"object":"pooling","data":[`;
    for (let r = 0; r < ROWS; r++) {
      const row = Array.from({ length: DIM }, (_, c) => value(doc, r, c));
      text += (r === 0 ? "" : ",") + JSON.stringify(row);
    }
    yield `${text}]}`;
  }
}

describe("a large token_embed response", () => {
  it("streams 200 with the exact JSON and bounded memory", async () => {
    const { url } = await start({ scorer: new LargeTokenEmbedder() });
    const input = Array.from({ length: DOCS }, (_, i) => `document ${i}`);
    let peak = 0;
    const base = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - base)), 20);
    const t0 = performance.now();
    try {
      const response = await fetch(`${url}/pooling`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "big" },
        body: JSON.stringify({ input, task: "token_embed" }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/json");
      // Compare the body as it arrives with the expected text, holding neither whole.
      const decoder = new TextDecoder();
      const expected = expectedData();
      let pending = "";
      let head = "";
      let inData = false;
      let received = 0;
      let tail = "";
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        let text = decoder.decode(chunk, { stream: true });
        received += text.length;
        if (!inData) {
          head += text;
          const at = head.indexOf('"data":[');
          if (at < 0) continue;
          text = head.slice(at + 8);
          head = head.slice(0, at + 8);
          inData = true;
        }
        while (text.length > 0) {
          if (pending.length === 0) {
            const next = expected.next();
            if (next.done) {
              tail += text;
              break;
            }
            pending = next.value;
          }
          const n = Math.min(pending.length, text.length);
          if (text.slice(0, n) !== pending.slice(0, n)) {
            throw new Error(`body differs near character ${received - text.length}: ${text.slice(0, 80)} vs ${pending.slice(0, 80)}`);
          }
          pending = pending.slice(n);
          text = text.slice(n);
        }
      }
      expect(pending).toBe("");
      expect(expected.next().done).toBe(true);
      expect(JSON.parse(`${head}]}`)).toMatchObject({ id: "pooling-big", object: "list", model: expect.any(String), data: [] });
      const usage = JSON.parse(`{${tail.slice(tail.indexOf('"usage"'), -1)}}`) as { usage: { prompt_tokens: number } };
      expect(usage.usage.prompt_tokens).toBeGreaterThan(0);
      expect(received).toBeGreaterThan(80e6);
    } finally {
      clearInterval(sampler);
    }
    // The floats are 16 MB and the text 80+ MB; measured peaks: 111 MB streamed, 426 MB as one
    // c.json string (which past 512M characters fails with "Invalid string length").
    expect(peak).toBeLessThan(250 * 2 ** 20);
    expect(performance.now() - t0).toBeLessThan(150_000);
  }, 200_000);
});
