import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors/index.js";
import { BadRequestError, MalformedResponseError, RemoteEmbedder, type RemoteEmbedderOptions } from "../../src/remote/index.js";
import { failWith, malformed, sendJSON, startServer, type TestServer } from "./fakes/http-server.js";
import { infinityRoutes, teiRoutes } from "./fakes/other-servers.js";
import { l2normalize, refEmbedding, toBase64 } from "./fakes/reference.js";
import { vllmRoutes } from "./fakes/vllm-server.js";

const TEXTS = ["Paris is the capital of France.", "Bananas are yellow.", "capital"];
const f32 = (v: number[]) => Array.from(Float32Array.from(v));
const expectVectors = (got: Float32Array[], want: number[][]) => {
  expect(got.map((v) => Array.from(v))).toEqual(want.map(f32));
};

let vllm: TestServer;
let tei: TestServer;
let infinity: TestServer;
beforeAll(async () => {
  [vllm, tei, infinity] = await Promise.all([
    startServer(vllmRoutes({ model: "intfloat/e5-small-v2" })),
    startServer(teiRoutes({ maxBatch: 2 })),
    startServer(infinityRoutes()),
  ]);
});
afterAll(() => Promise.all([vllm, tei, infinity].map((s) => s.close())));
beforeEach(() => [vllm, tei, infinity].forEach((s) => s.reset()));
const make = (o: Partial<RemoteEmbedderOptions> = {}) =>
  new RemoteEmbedder({ baseURL: `${vllm.url}/v1`, model: "intfloat/e5-small-v2", sleep: async () => undefined, ...o });

describe("RemoteEmbedder (vLLM / OpenAI /v1/embeddings)", () => {
  it("asks for base64 by default and decodes little-endian float32", async () => {
    const { embeddings, usage } = await make().embedWithUsage(TEXTS);
    expectVectors(embeddings, TEXTS.map((t) => l2normalize(refEmbedding(t))));
    expect(embeddings[0]).toBeInstanceOf(Float32Array);
    expect(vllm.requests[0]?.path).toBe("/v1/embeddings");
    expect(vllm.requests[0]?.body).toEqual({ model: "intfloat/e5-small-v2", input: TEXTS, encoding_format: "base64" });
    expect(usage.promptTokens).toBeGreaterThan(0);
  });

  it("decodes float arrays when asked for float", async () => {
    const got = await make({ encodingFormat: "float" }).embed(TEXTS);
    expectVectors(got, TEXTS.map((t) => l2normalize(refEmbedding(t))));
    expect(vllm.requests[0]?.body).toMatchObject({ encoding_format: "float" });
  });

  it("adds query and document prefixes by kind (document by default)", async () => {
    const e = make({ queryPrefix: "query: ", documentPrefix: "passage: " });
    await e.embed(["a"], { kind: "query" });
    await e.embed(["b"]);
    expect(vllm.requests.map((r) => (r.body as { input: string[] }).input)).toEqual([["query: a"], ["passage: b"]]);
  });

  it("passes dimensions, normalize: false (use_activation) and truncate (truncate_prompt_tokens -1)", async () => {
    const got = await make().embed(TEXTS, { dimensions: 2, normalize: false, truncate: true });
    expectVectors(got, TEXTS.map((t) => refEmbedding(t).slice(0, 2)));
    expect(vllm.requests[0]?.body).toMatchObject({ dimensions: 2, use_activation: false, truncate_prompt_tokens: -1 });
  });

  it("splits long lists, keeps input order and puts the vectors back by index", async () => {
    const texts = Array.from({ length: 7 }, (_, i) => `text ${"x".repeat(i)} paris`);
    const got = await make({ maxTextsPerRequest: 3 }).embed(texts);
    expectVectors(got, texts.map((t) => l2normalize(refEmbedding(t))));
    expect(vllm.requests).toHaveLength(3);
  });

  it("reorders answers by index", async () => {
    vllm.faults.push((_req, res) =>
      sendJSON(res, 200, { data: [{ index: 1, embedding: [0, 1] }, { index: 0, embedding: toBase64([1, 0]) }] }),
    );
    expectVectors(await make().embed(["a", "b"]), [[1, 0], [0, 1]]);
  });

  it.each([
    ["a wrong count", { data: [{ index: 0, embedding: [1] }] }, /expected 2 embeddings, got 1/],
    ["a repeated index", { data: [{ index: 0, embedding: [1] }, { index: 0, embedding: [1] }] }, /repeated/],
    ["mixed dimensions", { data: [{ index: 0, embedding: [1] }, { index: 1, embedding: [1, 2] }] }, /embedding 1 has 2 values/],
    ["a truncated base64 vector", { data: [{ index: 0, embedding: "AAAA" }, { index: 1, embedding: "AAA=" }] }, /not a whole number of float32/],
    ["a null value", { data: [{ index: 0, embedding: [null] }, { index: 1, embedding: [1] }] }, /not a finite number/],
  ])("rejects %s", async (_name, body, message) => {
    vllm.faults.push((_req, res) => sendJSON(res, 200, body));
    const error = await make().embed(["a", "b"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toMatch(message);
  });

  it("rejects a non-JSON body and surfaces vLLM's 400 for an empty input", async () => {
    vllm.faults.push(malformed("oops"));
    await expect(make().embed(["a"])).rejects.toBeInstanceOf(MalformedResponseError);
    vllm.faults.push(failWith(400, { error: { message: "dimensions out of range", type: "BadRequestError", param: null, code: 400 } }));
    await expect(make().embed(["a"])).rejects.toBeInstanceOf(BadRequestError);
  });

  it("returns [] for no texts without a request, and rejects bad input before any request", async () => {
    expect(await make().embed([])).toEqual([]);
    await expect(make().embed([1 as unknown as string])).rejects.toThrow(/texts\[0\] must be a string/);
    await expect(make().embed("a" as unknown as string[])).rejects.toThrow(InvalidInputError);
    await expect(make().embed(["a"], { kind: "x" as "query" })).rejects.toThrow(/kind/);
    await expect(make().embed(["a"], { dimensions: 0 })).rejects.toThrow(/dimensions/);
    await expect(make({ dialect: "openai" }).embed(["a"], { normalize: false })).rejects.toThrow(/normalize/);
    expect(vllm.requests).toHaveLength(0);
  });

  it("sends no vLLM extras with the openai dialect", async () => {
    await make({ dialect: "openai" }).embed(["a"], { truncate: true });
    expect(vllm.requests[0]?.body).toEqual({ model: "intfloat/e5-small-v2", input: ["a"], encoding_format: "base64" });
  });

  it("does not mutate the caller's texts", async () => {
    const texts = ["a", "b"];
    await make({ queryPrefix: "q: " }).embed(texts, { kind: "query" });
    expect(texts).toEqual(["a", "b"]);
  });
});

describe("RemoteEmbedder (TEI /embed)", () => {
  it("posts inputs, reads the bare number[][] and splits at TEI's batch size", async () => {
    const e = new RemoteEmbedder({ baseURL: tei.url, dialect: "tei", maxTextsPerRequest: 2 });
    expectVectors(await e.embed(TEXTS, { normalize: false }), TEXTS.map((t) => refEmbedding(t)));
    expect(tei.requests.map((r) => r.body)).toEqual([
      { inputs: TEXTS.slice(0, 2), normalize: false },
      { inputs: TEXTS.slice(2), normalize: false },
    ]);
  });
});

describe("RemoteEmbedder (Infinity /embeddings)", () => {
  it("posts to {baseURL}/embeddings and decodes base64", async () => {
    const e = new RemoteEmbedder({ baseURL: infinity.url, dialect: "infinity" });
    expectVectors(await e.embed(TEXTS), TEXTS.map((t) => l2normalize(refEmbedding(t))));
    expect(infinity.requests[0]?.path).toBe("/embeddings");
  });

  it("checks health on every replica and reports a down one without throwing", async () => {
    const down = await startServer(() => undefined);
    const downURL = down.url;
    await down.close();
    const e = new RemoteEmbedder({ baseURL: [infinity.url, downURL], dialect: "infinity" });
    const health = await e.health({ timeoutMs: 1000 });
    expect(health[0]).toEqual({ baseURL: infinity.url, ok: true, status: 200 });
    expect(health[1]?.ok).toBe(false);
    expect(health[1]?.error?.name).toBe("ConnectionError");
  });

  it("reports a 503 /health (TEI unhealthy) with its status", async () => {
    tei.faults.push(failWith(503, { error: "unhealthy", error_type: "unhealthy" }));
    const [h] = await new RemoteEmbedder({ baseURL: tei.url, dialect: "tei" }).health();
    expect(h).toMatchObject({ ok: false, status: 503 });
    expect(tei.requests).toHaveLength(1);
  });
});
