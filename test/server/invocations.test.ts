// POST /invocations (SageMaker's single entry): like vLLM, the body's shape picks the API that
// answers it. Each body is sent both to /invocations and to the route it should reach, and the
// two answers must be the same (up to the `created` clock), over fakes of each model family.
import { describe, expect, it } from "vitest";
import { FakeBiEncoder, FakeScorer, FakeTokenEmbedder } from "./fakes.js";
import { FakeEmbeddingClassifier } from "./fake-capabilities-loader.js";
import { post, start } from "./helpers.js";

const HEADERS = { "x-request-id": "inv" };
/** Keep-alive sockets outlive the pauses of a loaded machine (Node's 5 s default races the next request: ECONNRESET). */
const IDLE = { idleTimeoutMs: 120_000 };
const Q = "what is a fruit";
const DOCS = ["an apple is a fruit", "a car is a vehicle"];

/** An answer without its `created` time, which may tick between two requests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are compared whole
function stable(answer: { status: number; body: any }): { status: number; body: unknown } {
  const { created: _created, ...rest } = answer.body ?? {};
  return { status: answer.status, body: rest };
}

/** Posts `body` to /invocations and to `direct`; expects both answers alike and returns them. */
async function viaInvocations(url: string, direct: string, body: object) {
  const want = stable(await post(`${url}${direct}`, body, HEADERS));
  const got = stable(await post(`${url}/invocations`, body, HEADERS));
  expect(got, `${JSON.stringify(body)} should reach ${direct}`).toEqual(want);
  return got;
}

/** The 400 of a body that has no known shape. */
const UNKNOWN = {
  error: {
    message: "Cannot tell the request type: send a rerank, score, embeddings or pooling body.",
    type: "Bad Request",
    param: null,
    code: 400,
  },
};

describe("POST /invocations routing by body shape", () => {
  it("sends each of the four score field pairs to /score", async () => {
    const { url } = await start({ ...IDLE, scorer: new FakeScorer() });
    const pairs = [
      { queries: Q, documents: DOCS },
      { queries: Q, items: DOCS },
      { data_1: Q, data_2: DOCS },
      { text_1: Q, text_2: DOCS },
    ];
    for (const body of pairs) {
      const got = await viaInvocations(url, "/score", body);
      expect(got.status, JSON.stringify(body)).toBe(200);
      expect((got.body as { data: unknown[] }).data).toHaveLength(2);
    }
  });

  it("sends query + documents to /rerank", async () => {
    const { url } = await start({ ...IDLE, scorer: new FakeScorer() });
    const got = await viaInvocations(url, "/rerank", { query: Q, documents: DOCS });
    expect(got.status).toBe(200);
    expect((got.body as { results: unknown[] }).results).toHaveLength(2);
  });

  it("answers a body of no known shape, or only half of a pair, with a 400 naming the shapes it takes", async () => {
    const { url } = await start({ ...IDLE, scorer: new FakeBiEncoder() });
    for (const body of [{ foo: 1 }, { query: Q }, { documents: DOCS }, { queries: Q }, { data_1: Q }, { text_2: DOCS }, { task: "embed" }]) {
      const r = await post(`${url}/invocations`, body);
      expect({ status: r.status, body: r.body }, JSON.stringify(body)).toEqual({ status: 400, body: UNKNOWN });
    }
  });

  it("sends input and messages to /v1/embeddings on an embedding model, and to /pooling when task is set", async () => {
    const { url } = await start({ ...IDLE, scorer: new FakeBiEncoder() });
    const embedded = await viaInvocations(url, "/v1/embeddings", { input: ["hello world", "an apple"] });
    expect(embedded.status).toBe(200);
    expect((embedded.body as { data: { object: string }[] }).data.map((d) => d.object)).toEqual(["embedding", "embedding"]);
    const chat = await viaInvocations(url, "/v1/embeddings", { messages: [{ role: "user", content: "hello world" }] });
    expect(chat.body).not.toEqual(UNKNOWN);
    const pooled = await viaInvocations(url, "/pooling", { input: "hello world", task: "embed" });
    expect(pooled.status).toBe(200);
    expect((pooled.body as { data: { data: number[] }[] }).data[0]?.data).toHaveLength(3);
  });

  it("sends input to /classify on a classifier without an embedder", async () => {
    const { url } = await start({ ...IDLE, scorer: new FakeScorer(), classifier: new FakeEmbeddingClassifier() });
    const got = await viaInvocations(url, "/classify", { input: ["a b c", "aeiou"] });
    expect(got.status).toBe(200);
    // vLLM's classification data: one entry per input, over the fake's two labels.
    const data = (got.body as { data: { index: number; label: string; num_classes: number }[] }).data;
    expect(data.map((d) => [d.index, d.num_classes])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const d of data) expect(["words", "vowels"]).toContain(d.label);
  });

  it("sends input to /pooling on a model that neither embeds nor classifies", async () => {
    const { url } = await start({ ...IDLE, scorer: new FakeTokenEmbedder() });
    const got = await viaInvocations(url, "/pooling", { input: "two words" });
    expect(got.status).toBe(200);
    // token_embed: one 2-d row per word.
    expect((got.body as { data: { data: number[][] }[] }).data[0]?.data).toHaveLength(2);
  });
});

describe("POST /invocations in /openapi.json", () => {
  it("is documented with the scoring routes, names the routes it dispatches to, and has a named body schema", async () => {
    const { url } = await start({ ...IDLE, scorer: new FakeScorer() });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is checked field by field
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as any;
    const op = doc.paths["/invocations"].post;
    expect(op.tags).toEqual(doc.paths["/rerank"].post.tags);
    expect(op.tags).toHaveLength(1);
    expect(op.tags[0]).not.toBe("");
    for (const route of ["/rerank", "/score", "/v1/embeddings", "/classify", "/pooling"]) expect(op.summary).toContain(route);
    expect(op.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/InvocationRequest" });
    expect(doc.components.schemas).toHaveProperty(["InvocationRequest"]);
    expect(op.responses["200"].description).toMatch(/\w/);
  });
});
