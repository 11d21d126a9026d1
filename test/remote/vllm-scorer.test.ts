import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AbortError, InvalidInputError, RerankKitError } from "../../src/errors/index.js";
import {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  RemoteScorer,
  ScoringNotSupportedError,
  type RemoteScorerOptions,
} from "../../src/remote/index.js";
import { startServer, type TestServer } from "./fakes/http-server.js";
import { refLogit, refScore, refTokens, sortStable } from "./fakes/reference.js";
import { vllmRoutes } from "./fakes/vllm-server.js";

const MODEL = "BAAI/bge-reranker-v2-m3";
const Q = "what is the capital of france";
const DOCS = [
  "Berlin is the capital of Germany.",
  "Paris is the capital of France.",
  "The capital of France is Paris, a city on the Seine.",
  "Bananas are yellow.",
];

let server: TestServer;
let noScore: TestServer;
let keyed: TestServer;
let old: TestServer;
const make = (o: Partial<RemoteScorerOptions> = {}) =>
  new RemoteScorer({ baseURL: server.url, model: MODEL, sleep: async () => undefined, ...o });

beforeAll(async () => {
  server = await startServer(vllmRoutes({ model: MODEL }));
  noScore = await startServer(vllmRoutes({ model: "Qwen/Qwen3-0.6B", scoring: false }));
  keyed = await startServer(vllmRoutes({ model: MODEL, apiKey: "sk-test" }));
  old = await startServer(vllmRoutes({ model: MODEL, flatErrors: true }));
});
afterAll(async () => {
  await Promise.all([server, noScore, keyed, old].map((s) => s.close()));
});
beforeEach(() => server.reset());

describe("RemoteScorer (vLLM) score", () => {
  it("scores 1:1, 1:N and N:N in pair order with the server's scores", async () => {
    const scorer = make();
    expect(await scorer.score(Q, DOCS[1] as string)).toEqual([refScore(Q, DOCS[1])]);
    expect(await scorer.score(Q, DOCS)).toEqual(DOCS.map((d) => refScore(Q, d)));
    const qs = ["capital of germany", "capital of france"];
    expect(await scorer.score(qs, DOCS.slice(0, 2))).toEqual([refScore(qs[0], DOCS[0]), refScore(qs[1], DOCS[1])]);
  });

  it("sends text_1/text_2 by default, to /score at the root even when the base URL ends in /v1", async () => {
    await make({ baseURL: `${server.url}/v1/` }).score(Q, DOCS);
    const req = server.requests[0];
    expect(req?.path).toBe("/score");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.body).toEqual({ model: MODEL, text_1: Q, text_2: DOCS });
  });

  it("uses configured score field names", async () => {
    await make({ scoreFieldNames: ["queries", "documents"] }).score(["a", "b"], ["c", "d"]);
    expect(server.requests[0]?.body).toEqual({ model: MODEL, queries: ["a", "b"], documents: ["c", "d"] });
  });

  it("maps per-call options to vLLM fields and the request id to X-Request-Id", async () => {
    const { scores } = await make().scoreWithUsage(Q, DOCS, {
      activation: false,
      maxTokensPerDoc: 10,
      maxTokensPerQuery: 5,
      truncatePromptTokens: 100,
      truncationSide: "left",
      instruction: "find it",
      priority: -1,
      cacheSalt: "salt",
      chatTemplateKwargs: { foo: 1 },
      requestId: "abc",
    });
    const req = server.requests[0];
    expect(req?.body).toMatchObject({
      use_activation: false,
      max_tokens_per_doc: 10,
      max_tokens_per_query: 5,
      truncate_prompt_tokens: 100,
      truncation_side: "left",
      instruction: "find it",
      priority: -1,
      cache_salt: "salt",
      chat_template_kwargs: { foo: 1 },
    });
    expect(req?.headers["x-request-id"]).toBe("abc");
    expect(scores).toEqual(DOCS.map((d) => refLogit(Q, d)));
  });

  it("sends nothing beyond the pair and model when no option is set", async () => {
    await make({ model: undefined }).score(Q, DOCS);
    expect(server.requests[0]?.body).toEqual({ text_1: Q, text_2: DOCS });
  });

  it("passes multimodal documents through unchanged", async () => {
    const image = { content: [{ type: "image_url" as const, image_url: { url: "data:image/png;base64,AAAA" } }, { type: "text" as const, text: "paris capital" }] };
    const scores = await make().score(Q, ["Paris", image]);
    expect(server.requests[0]?.body).toMatchObject({ text_2: ["Paris", image] });
    expect(scores[1]).toBeCloseTo(refScore(Q, "paris capital"), 12);
  });

  it("reports usage as the server counts it", async () => {
    const { usage } = await make().scoreWithUsage(Q, DOCS);
    const tokens = DOCS.reduce((s, d) => s + refTokens(Q, d), 0);
    expect(usage).toEqual({ promptTokens: tokens, totalTokens: tokens });
  });
});

describe("RemoteScorer (vLLM) rerank", () => {
  const expected = sortStable(DOCS.map((d, index) => ({ index, score: refScore(Q, d), document: d })));

  it("ranks by score with index into the caller's list (endpoint score, the default)", async () => {
    const results = await make().rerank(Q, DOCS);
    expect(results).toEqual(expected);
    expect(server.requests.map((r) => r.path)).toEqual(["/score"]);
  });

  it("uses /rerank with top_n when endpoint is rerank", async () => {
    const results = await make({ endpoint: "rerank" }).rerank(Q, DOCS, { topN: 2 });
    expect(results).toEqual(expected.slice(0, 2));
    expect(server.requests[0]?.path).toBe("/rerank");
    expect(server.requests[0]?.body).toEqual({ model: MODEL, query: Q, documents: DOCS, top_n: 2 });
  });

  it("keeps input order on ties (stable) and honours scoreThreshold", async () => {
    const same = ["x y", "x y", "capital france", "x y"];
    for (const endpoint of ["score", "rerank"] as const) {
      const r = await make({ endpoint }).rerank("capital france", same);
      expect(r.map((x) => x.index)).toEqual([2, 0, 1, 3]);
      const cut = await make({ endpoint }).rerank("capital france", same, { scoreThreshold: 0.6 });
      expect(cut.map((x) => x.index)).toEqual([2]);
    }
  });

  it("returns all documents when topN exceeds the list", async () => {
    expect(await make({ endpoint: "rerank" }).rerank(Q, DOCS, { topN: 10 })).toHaveLength(4);
    expect(server.requests.at(-1)?.body).not.toHaveProperty("top_n");
  });

  it("returns the caller's documents, not the server's echo", async () => {
    const docs = [{ content: [{ type: "text" as const, text: "Paris capital France" }] }, "Bananas"];
    const r = await make({ endpoint: "rerank" }).rerank(Q, docs);
    expect(r[0]?.document).toBe(docs[0]);
  });
});

describe("RemoteScorer (vLLM) bad input fails before any request", () => {
  it.each([
    ["empty documents", () => make().score(Q, []), /At least one text_pair element must be given/],
    ["empty queries", () => make().score([], DOCS), /At least one text element must be given/],
    ["N:1", () => make().score(["a", "b"], ["c"]), /1:1, 1:N or N:N/],
    ["N:M", () => make().score(["a", "b"], ["c", "d", "e"]), /1:1, 1:N or N:N/],
    ["non-string document", () => make().score(Q, ["a", 3 as unknown as string]), /documents\[1\]/],
    ["null query", () => make().score(null as unknown as string, ["a"]), /queries\[0\]/],
    ["rerank with an array query", () => make().rerank(["a"] as unknown as string, ["b"]), /single query/],
    ["rerank with no documents", () => make().rerank(Q, []), /At least one text_pair/],
    ["negative topN", () => make().rerank(Q, DOCS, { topN: -1 }), /topN/],
    ["bad timeoutMs per call", () => make().score(Q, DOCS, { timeoutMs: -5 }), /timeoutMs/],
  ])("%s", async (_name, call, message) => {
    await expect(call()).rejects.toThrow(InvalidInputError);
    await expect(call()).rejects.toThrow(message);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects invalid constructor options", () => {
    expect(() => new RemoteScorer({ baseURL: "not a url" })).toThrow(InvalidInputError);
    expect(() => new RemoteScorer({ baseURL: "ftp://host" })).toThrow(/http or https/);
    expect(() => new RemoteScorer({ baseURL: [] })).toThrow(/at least one/);
    expect(() => make({ dialect: "nope" as "vllm" })).toThrow(/Unknown dialect/);
    expect(() => make({ endpoint: "score", dialect: "tei" })).toThrow(/endpoint/);
    expect(() => make({ maxDocumentsPerRequest: 0 })).toThrow(/maxDocumentsPerRequest/);
    expect(() => make({ maxConcurrency: 1.5 })).toThrow(/maxConcurrency/);
    expect(() => make({ maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => make({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => make({ scoreFieldNames: ["a"] as unknown as [string, string] })).toThrow(/scoreFieldNames/);
    expect(() => make({ promptTemplate: "nope" as "qwen3-reranker" })).toThrow(/promptTemplate/);
  });

  it("does not mutate the caller's arrays or options", async () => {
    const docs = [...DOCS];
    const options = Object.freeze({ topN: 2, instruction: "x", requestId: "r" });
    const headers = { "x-extra": "1" };
    const scorer = make({ headers, endpoint: "rerank" });
    await scorer.rerank(Q, docs, options);
    expect(docs).toEqual(DOCS);
    expect(headers).toEqual({ "x-extra": "1" });
    expect(server.requests[0]?.headers["x-extra"]).toBe("1");
  });
});

describe("RemoteScorer (vLLM) server errors", () => {
  it("turns vLLM's route-missing 404 into ScoringNotSupportedError", async () => {
    const scorer = new RemoteScorer({ baseURL: noScore.url });
    const error = await scorer.score(Q, DOCS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScoringNotSupportedError);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as ScoringNotSupportedError).status).toBe(404);
    expect(String((error as Error).message)).toMatch(/cannot score/);
    expect(noScore.requests).toHaveLength(1); // 404 is not retried
  });

  it("reports an unknown model as NotFoundError with the server's message and type", async () => {
    const error = (await make({ model: "nope" }).score(Q, DOCS).catch((e: unknown) => e)) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).not.toBeInstanceOf(ScoringNotSupportedError);
    expect(error.type).toBe("NotFoundError");
    expect(error.serverMessage).toBe("The model `nope` does not exist.");
    expect(error.message).toContain(`POST ${server.url}/score failed with 404`);
  });

  it("parses the nested envelope (>= 0.10.1) with type and param", async () => {
    const error = (await make({ endpoint: "rerank" })
      .rerank(Q, DOCS, { truncatePromptTokens: 10_000 })
      .catch((e: unknown) => e)) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toBeInstanceOf(RerankKitError);
    expect(error.status).toBe(400);
    expect(error.type).toBe("BadRequestError");
    expect(error.serverMessage).toMatch(/Please request a smaller truncation size/);
    expect(server.requests).toHaveLength(1); // 400 is not retried
  });

  it("parses the flat envelope of vLLM < 0.10.1", async () => {
    const scorer = new RemoteScorer({ baseURL: old.url });
    // A value the client accepts (it cannot know max_model_len) and the server refuses.
    const error = (await scorer.score(Q, DOCS, { truncatePromptTokens: 100_000 }).catch((e: unknown) => e)) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.serverMessage).toBe("truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.");
    expect(error.type).toBe("BadRequestError");
    expect(error.code).toBe(400);
  });

  it("gets 401 {error: 'Unauthorized'} on /v1/rerank without a key, while /rerank is open (as in vLLM)", async () => {
    const v1 = new RemoteScorer({ baseURL: keyed.url, dialect: "jina", model: MODEL });
    const error = (await v1.rerank(Q, DOCS).catch((e: unknown) => e)) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.serverMessage).toBe("Unauthorized");
    const withKey = new RemoteScorer({ baseURL: keyed.url, dialect: "jina", model: MODEL, apiKey: "sk-test" });
    expect(await withKey.rerank(Q, DOCS)).toHaveLength(4);
    expect(keyed.requests.at(-1)?.headers.authorization).toBe("Bearer sk-test");
    expect(await new RemoteScorer({ baseURL: keyed.url, endpoint: "rerank" }).rerank(Q, DOCS)).toHaveLength(4);
  });
});

describe("RemoteScorer (vLLM) prompt templates", () => {
  it("sends the Qwen3-Reranker prompt halves so that query + document is the authors' prompt", async () => {
    await make({ promptTemplate: "qwen3-reranker" }).score("what is x", ["x is y"], { instruction: "Find x" });
    const body = server.requests[0]?.body as { text_1: string; text_2: string[]; instruction?: string };
    expect(body.text_1 + body.text_2[0]).toBe(
      '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n' +
        "<Instruct>: Find x\n<Query>: what is x\n<Document>: x is y<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
    );
    expect(body).not.toHaveProperty("instruction");
  });

  it("rejects multimodal input and non-vLLM dialects with a template", async () => {
    const scorer = make({ promptTemplate: "bge-reranker-v2-gemma" });
    await expect(scorer.score("q", [{ content: [] }])).rejects.toThrow(InvalidInputError);
    expect(() => make({ dialect: "tei", promptTemplate: "qwen3-reranker" })).toThrow(/only supported with the vllm/);
    expect(server.requests).toHaveLength(0);
  });
});

describe("RemoteScorer lifecycle", () => {
  it("exposes scoreType, model and dialect defaults", () => {
    const s = make();
    expect([s.scoreType, s.model, s.dialect, s.endpoint]).toEqual(["cross-encoder", MODEL, "vllm", "score"]);
    expect(make({ dialect: "tei" }).endpoint).toBe("rerank");
  });

  it("withOptions returns a new scorer and leaves the original unchanged", async () => {
    const a = make();
    const b = a.withOptions({ endpoint: "rerank" });
    expect(b).not.toBe(a);
    expect([a.endpoint, b.endpoint]).toEqual(["score", "rerank"]);
  });

  it("refuses calls after close", async () => {
    const s = make();
    await s.close();
    await expect(s.score(Q, DOCS)).rejects.toThrow(/closed/);
  });

  it("rejects with AbortError when the signal is already aborted, sending nothing", async () => {
    await expect(make().score(Q, DOCS, { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    expect(server.requests).toHaveLength(0);
  });

  it("lists models and checks health", async () => {
    const s = make({ baseURL: `${server.url}/v1` });
    const models = await s.listModels();
    expect(models[0]).toMatchObject({ id: MODEL, ownedBy: "vllm", maxModelLen: 512 });
    expect(server.requests[0]?.path).toBe("/v1/models");
    const health = await s.health();
    expect(health).toEqual([{ baseURL: `${server.url}/v1`, ok: true, status: 200 }]);
    expect(server.requests[1]?.path).toBe("/health");
  });
});
