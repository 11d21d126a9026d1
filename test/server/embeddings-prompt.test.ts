import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BiEncoderScorer } from "../../src/index.js";
import { createServer, type RerankServer } from "../../src/server/index.js";
import { modelDir } from "../local/helpers.js";

// vLLM's /v1/embeddings embeds the input as given; a client that adds "query: " itself must not
// get the model's "passage: " prompt prepended on top.
describe("/v1/embeddings embeds texts as given (no model prompt), as vLLM does", () => {
  let model: BiEncoderScorer;
  let server: RerankServer;
  let url: string;

  beforeAll(async () => {
    model = await BiEncoderScorer.fromPretrained(await modelDir("bi-encoder-mean"));
    server = createServer({ scorer: model });
    ({ url } = await server.listen({ host: "127.0.0.1", port: 0 }));
  });
  afterAll(async () => {
    await server.close();
    await model.close();
  });

  it("matches embed(..., { prompt: false }) and not the prompted embedding", async () => {
    const res = await fetch(`${url}/v1/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: ["query: hello world"] }),
    });
    const body = (await res.json()) as { data: { embedding: number[] }[]; usage: { prompt_tokens: number } };
    const [raw] = await model.embed(["query: hello world"], { prompt: false });
    const [prompted] = await model.embed(["query: hello world"]);
    const got = body.data[0]?.embedding ?? [];
    expect(Math.max(...got.map((v, i) => Math.abs(v - (raw?.[i] as number))))).toBeLessThanOrEqual(1e-6);
    expect(Math.max(...got.map((v, i) => Math.abs(v - (prompted?.[i] as number))))).toBeGreaterThan(1e-3);
    expect(body.usage.prompt_tokens).toBe(model.tokenize("query: hello world").ids.length);
  });
});
