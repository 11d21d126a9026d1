import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AbortError } from "../../src/errors/index.js";
import { BadRequestError, RemoteScorer, type RemoteScorerOptions } from "../../src/remote/index.js";
import { delay, failWith, startServer, type TestServer } from "./fakes/http-server.js";
import { refScore, refTokens, sortStable } from "./fakes/reference.js";
import { vllmRoutes } from "./fakes/vllm-server.js";

const Q = "capital of france paris";
const WORDS = ["paris", "capital", "france", "berlin", "banana", "seine", "city", "of"];
// 23 documents whose scores differ and include ties.
const DOCS = Array.from({ length: 23 }, (_, i) => `${WORDS[i % 8]} ${WORDS[(i * 3) % 8]} doc${i % 5}`);
const routes = vllmRoutes();
let server: TestServer;
const make = (o: Partial<RemoteScorerOptions> = {}) =>
  new RemoteScorer({ baseURL: server.url, maxDocumentsPerRequest: 5, sleep: async () => undefined, ...o });

beforeAll(async () => {
  server = await startServer(routes);
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe("splitting long lists", () => {
  it("splits 1:N into requests of maxDocumentsPerRequest, merges in pair order and sums usage", async () => {
    const { scores, usage } = await make().scoreWithUsage(Q, DOCS);
    expect(scores).toEqual(DOCS.map((d) => refScore(Q, d)));
    expect(server.requests.map((r) => (r.body as { text_2: string[] }).text_2.length)).toEqual([5, 5, 5, 5, 3]);
    expect(server.requests.every((r) => (r.body as { text_1: unknown }).text_1 === Q)).toBe(true);
    const tokens = DOCS.reduce((s, d) => s + refTokens(Q, d), 0);
    expect(usage).toEqual({ promptTokens: tokens, totalTokens: tokens });
  });

  it("splits N:N zipped pairs", async () => {
    const queries = DOCS.map((_, i) => `query ${WORDS[i % 8]}`);
    const scores = await make().score(queries, DOCS);
    expect(scores).toEqual(DOCS.map((d, i) => refScore(queries[i], d)));
    expect(server.requests).toHaveLength(5);
  });

  it("ranks globally across chunks, stable on ties (endpoint score)", async () => {
    const expected = sortStable(DOCS.map((d, index) => ({ index, score: refScore(Q, d), document: d })));
    expect(await make().rerank(Q, DOCS)).toEqual(expected);
    expect(await make().rerank(Q, DOCS, { topN: 7 })).toEqual(expected.slice(0, 7));
  });

  it("ranks globally across chunks with /rerank, asking each chunk for top_n", async () => {
    const expected = sortStable(DOCS.map((d, index) => ({ index, score: refScore(Q, d), document: d })));
    const { results, usage } = await make({ endpoint: "rerank" }).rerankWithUsage(Q, DOCS, { topN: 4 });
    expect(results).toEqual(expected.slice(0, 4));
    expect(server.requests.map((r) => (r.body as { top_n?: number }).top_n)).toEqual([4, 4, 4, 4, undefined]);
    const tokens = DOCS.reduce((s, d) => s + refTokens(Q, d), 0);
    expect(usage.promptTokens).toBe(tokens);
    expect(await make({ endpoint: "rerank" }).rerank(Q, DOCS)).toEqual(expected);
  });

  it("groups N:N pairs by query for rerank-only dialects", async () => {
    const tei = await startServer((await import("./fakes/other-servers.js")).teiRoutes({ maxBatch: 4 }));
    try {
      const queries = DOCS.map((_, i) => (i % 2 ? "capital france" : "banana city"));
      const scores = await new RemoteScorer({ baseURL: tei.url, dialect: "tei", maxDocumentsPerRequest: 4 }).score(queries, DOCS);
      expect(scores).toEqual(DOCS.map((d, i) => refScore(queries[i], d)));
      expect(tei.requests).toHaveLength(3 + 3); // 12 and 11 pairs per query, 4 per request
      expect(new Set(tei.requests.map((r) => (r.body as { query: string }).query))).toEqual(new Set(["capital france", "banana city"]));
    } finally {
      await tei.close();
    }
  });

  it("suffixes the request id per chunk and reports progress", async () => {
    const progress: number[] = [];
    await make().score(Q, DOCS, { requestId: "r", onProgress: (p) => progress.push(p.done / p.total) });
    expect(server.requests.map((r) => r.headers["x-request-id"]).sort()).toEqual(["r-0", "r-1", "r-2", "r-3", "r-4"]);
    expect(progress).toHaveLength(5);
    expect(progress.at(-1)).toBe(1);
  });
});

describe("concurrency", () => {
  it("keeps at most maxConcurrency requests in flight", async () => {
    for (let i = 0; i < 5; i++) server.faults.push(delay(40, routes));
    await make({ maxConcurrency: 2 }).score(Q, DOCS);
    expect(server.maxInFlight()).toBe(2);
  });

  it("sends chunks concurrently up to the limit", async () => {
    for (let i = 0; i < 5; i++) server.faults.push(delay(250, routes));
    await make({ maxConcurrency: 8 }).score(Q, DOCS);
    expect(server.maxInFlight()).toBe(5);
  });
});

describe("all or nothing", () => {
  it("rejects the whole call when one chunk finally fails, and stops the others", async () => {
    server.faults.push(delay(30, routes), failWith(400, { error: { message: "bad chunk", type: "BadRequestError", param: null, code: 400 } }));
    const scorer = make({ maxConcurrency: 2 });
    const error = await scorer.score(Q, DOCS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).serverMessage).toBe("bad chunk");
    // The queued chunks were never sent, even later.
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests).toHaveLength(2);
  });

  it("an abort cancels every chunk in flight", async () => {
    const controller = new AbortController();
    // Hold the first two requests; abort when the third (the concurrency limit) arrives.
    server.faults.push(() => undefined, () => undefined, () => controller.abort());
    let abortedAt = Date.now();
    controller.signal.addEventListener("abort", () => (abortedAt = Date.now()));
    await expect(make({ maxConcurrency: 3 }).score(Q, DOCS, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(server.requests).toHaveLength(3);
    // The held requests' sockets are closed by the client: nothing stays in flight.
    for (let i = 0; i < 100 && server.inFlight() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.inFlight()).toBe(0);
  });

  it("close() aborts calls in flight", async () => {
    server.faults.push(delay(2000, routes));
    const scorer = make();
    const pending = scorer.score(Q, DOCS.slice(0, 3));
    setTimeout(() => void scorer.close(), 30);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });
});
