import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors/index.js";
import {
  AuthenticationError,
  BadRequestError,
  PayloadTooLargeError,
  RemoteScorer,
  UnprocessableEntityError,
} from "../../src/remote/index.js";
import { startServer, type TestServer } from "./fakes/http-server.js";
import { cohereRoutes, infinityRoutes, jinaRoutes, teiRoutes } from "./fakes/other-servers.js";
import { refLogit, refScore, refTokens, sortStable } from "./fakes/reference.js";

const Q = "capital of france";
const DOCS = ["Berlin is in Germany.", "Paris is the capital of France.", "capital city", "France"];
const expected = sortStable(DOCS.map((d, index) => ({ index, score: refScore(Q, d), document: d })));
const noSleep = async () => undefined;

let tei: TestServer;
let infinity: TestServer;
let cohere: TestServer;
let jina: TestServer;
beforeAll(async () => {
  [tei, infinity, cohere, jina] = await Promise.all([
    startServer(teiRoutes({ maxBatch: 3 })),
    startServer(infinityRoutes("/v1")),
    startServer(cohereRoutes()),
    startServer(jinaRoutes()),
  ]);
});
afterAll(() => Promise.all([tei, infinity, cohere, jina].map((s) => s.close())));
beforeEach(() => [tei, infinity, cohere, jina].forEach((s) => s.reset()));

describe("TEI", () => {
  const make = (o = {}) => new RemoteScorer({ baseURL: tei.url, dialect: "tei", sleep: noSleep, ...o });

  it("reranks with texts, applies topN on the client and keeps TEI's default batch size within limits", async () => {
    expect(await make({ maxDocumentsPerRequest: 3 }).rerank(Q, DOCS, { topN: 2 })).toEqual(expected.slice(0, 2));
    expect(tei.requests[0]?.path).toBe("/rerank");
    expect(tei.requests[0]?.body).toEqual({ query: Q, texts: DOCS.slice(0, 3) });
    expect(tei.requests.every((r) => !("top_n" in (r.body as object)))).toBe(true);
  });

  it("scores in pair order from the sorted bare array", async () => {
    expect(await make({ maxDocumentsPerRequest: 3 }).score(Q, DOCS)).toEqual(DOCS.map((d) => refScore(Q, d)));
  });

  it("maps activation: false to raw_scores and truncation options", async () => {
    const scores = await make({ maxDocumentsPerRequest: 3 }).score(Q, DOCS.slice(0, 2), {
      activation: false,
      truncate: true,
      truncationSide: "left",
    });
    expect(scores).toEqual(DOCS.slice(0, 2).map((d) => refLogit(Q, d)));
    expect(tei.requests[0]?.body).toMatchObject({ raw_scores: true, truncate: true, truncation_direction: "left" });
  });

  it("parses {error, error_type} into PayloadTooLargeError (batch larger than max_client_batch_size)", async () => {
    const error = (await make().rerank(Q, DOCS).catch((e: unknown) => e)) as PayloadTooLargeError;
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.type).toBe("Validation");
    expect(error.serverMessage).toBe("batch size 4 > maximum allowed batch size 3");
  });

  it("rejects options TEI cannot honour, and multimodal documents, before any request", async () => {
    await expect(make().rerank(Q, DOCS, { instruction: "x" })).rejects.toThrow(/`instruction` is not supported by the tei dialect/);
    await expect(make().rerank(Q, DOCS, { maxTokensPerDoc: 5 })).rejects.toThrow(InvalidInputError);
    await expect(make().rerank(Q, [{ content: [] }])).rejects.toThrow(/documents\[0\] must be a string/);
    expect(tei.requests).toHaveLength(0);
    // Defaults are not "options set": activation true and maxTokensPerDoc 0 pass.
    await make({ maxDocumentsPerRequest: 3 }).rerank(Q, DOCS, { activation: true, maxTokensPerDoc: 0 });
  });
});

describe("TEI discovery", () => {
  it("lists its one model from GET /info", async () => {
    const models = await new RemoteScorer({ baseURL: tei.url, dialect: "tei" }).listModels();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ id: "BAAI/bge-reranker-base", maxModelLen: 512 });
    expect(tei.requests[0]?.path).toBe("/info");
  });
});

describe("Infinity", () => {
  const make = (o = {}) => new RemoteScorer({ baseURL: `${infinity.url}/v1`, dialect: "infinity", sleep: noSleep, ...o });

  it("reranks under its url_prefix with top_n and relevance_score", async () => {
    const { results, usage } = await make().rerankWithUsage(Q, DOCS, { topN: 3 });
    expect(results).toEqual(expected.slice(0, 3));
    expect(infinity.requests[0]?.path).toBe("/v1/rerank");
    expect(infinity.requests[0]?.body).toEqual({ query: Q, documents: DOCS, top_n: 3, return_documents: false });
    expect(usage.promptTokens).toBe(DOCS.reduce((s, d) => s + refTokens(Q, d), 0));
  });

  it("parses the OpenAI-style envelope (400 Invalid model) and FastAPI 422 detail lists", async () => {
    const e1 = (await make({ model: "nope" }).rerank(Q, DOCS).catch((e: unknown) => e)) as BadRequestError;
    expect(e1).toBeInstanceOf(BadRequestError);
    expect(e1.serverMessage).toBe("Invalid model: nope");
    expect(e1.type).toBeUndefined();
    const e2 = (await make().rerank(5 as unknown as string, DOCS).catch((e: unknown) => e)) as Error;
    expect(e2).toBeInstanceOf(InvalidInputError); // caught on the client first
  });

  it("lists models under the prefix", async () => {
    const models = await make().listModels();
    expect(models.map((m) => m.id)).toEqual(["mixedbread-ai/mxbai-rerank-xsmall-v1"]);
    expect(infinity.requests[0]?.path).toBe("/v1/models");
  });
});

describe("Cohere", () => {
  it("speaks v1 /v1/rerank with return_documents false and the bearer key", async () => {
    const s = new RemoteScorer({ baseURL: `${cohere.url}/v1`, dialect: "cohere", apiKey: "co-key", model: "rerank-english-v3.0" });
    expect(await s.rerank(Q, DOCS, { topN: 2 })).toEqual(expected.slice(0, 2));
    expect(cohere.requests[0]?.path).toBe("/v1/rerank");
    expect(cohere.requests[0]?.body).toEqual({ model: "rerank-english-v3.0", query: Q, documents: DOCS, top_n: 2, return_documents: false });
  });

  it("speaks v2 /v2/rerank with max_tokens_per_doc and priority", async () => {
    const s = new RemoteScorer({ baseURL: cohere.url, dialect: "cohere-v2", apiKey: "co-key", model: "rerank-v3.5" });
    expect(await s.score(Q, DOCS, { maxTokensPerDoc: 512, priority: 1 })).toEqual(DOCS.map((d) => refScore(Q, d)));
    expect(cohere.requests[0]?.body).toMatchObject({ max_tokens_per_doc: 512, priority: 1 });
  });

  it("parses Cohere's flat {message} errors", async () => {
    const s = new RemoteScorer({ baseURL: cohere.url, dialect: "cohere-v2", apiKey: "wrong", model: "m" });
    const e = (await s.rerank(Q, DOCS).catch((x: unknown) => x)) as AuthenticationError;
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e.serverMessage).toBe("invalid api token");
  });

  it("rejects activation: false (Cohere has no raw scores)", async () => {
    const s = new RemoteScorer({ baseURL: cohere.url, dialect: "cohere", apiKey: "co-key" });
    await expect(s.rerank(Q, DOCS, { activation: false })).rejects.toThrow(/`activation` is not supported by the cohere dialect/);
  });
});

describe("Jina", () => {
  it("reranks and reads usage.total_tokens", async () => {
    const s = new RemoteScorer({ baseURL: jina.url, dialect: "jina", model: "jina-reranker-v2-base-multilingual" });
    const { results, usage } = await s.rerankWithUsage(Q, DOCS);
    expect(results).toEqual(expected);
    expect(usage.totalTokens).toBe(DOCS.reduce((s2, d) => s2 + refTokens(Q, d), 0));
    expect(jina.requests[0]?.body).toMatchObject({ return_documents: false });
  });

  it("parses a FastAPI validation list into UnprocessableEntityError with param", async () => {
    const s = new RemoteScorer({ baseURL: jina.url, dialect: "jina" });
    const e = (await s.rerank(Q, DOCS).catch((x: unknown) => x)) as UnprocessableEntityError;
    expect(e).toBeInstanceOf(UnprocessableEntityError);
    expect(e.param).toBe("body.model");
    expect(e.serverMessage).toBe("body.model: field required");
  });
});
