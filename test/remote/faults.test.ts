import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AbortError, TimeoutError } from "../../src/errors/index.js";
import {
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  MalformedResponseError,
  RateLimitError,
  RemoteScorer,
  type RemoteScorerOptions,
  type Sleep,
} from "../../src/remote/index.js";
import { delay, failWith, malformed, resetMidBody, sendJSON, startServer, type TestServer } from "./fakes/http-server.js";
import { refScore } from "./fakes/reference.js";
import { vllmError, vllmRoutes } from "./fakes/vllm-server.js";

const Q = "capital of france";
const DOCS = ["Paris is the capital of France.", "Berlin is in Germany."];
const routes = vllmRoutes();
let server: TestServer;
let second: TestServer;
let downURL: string;
let slept: number[];
const fastSleep: Sleep = async (ms, signal) => {
  slept.push(ms);
  if (signal?.aborted) throw new AbortError();
};
const make = (o: Partial<RemoteScorerOptions> = {}) =>
  new RemoteScorer({ baseURL: server.url, sleep: fastSleep, timeoutMs: 2000, ...o });

beforeAll(async () => {
  server = await startServer(routes);
  second = await startServer(routes);
  const gone = await startServer(routes);
  downURL = gone.url;
  await gone.close();
});
afterAll(async () => {
  await Promise.all([server.close(), second.close()]);
});
beforeEach(() => {
  server.reset();
  second.reset();
  slept = [];
});

const expected = DOCS.map((d) => refScore(Q, d));

describe("retries", () => {
  it("retries a 503 and then succeeds, after a 0.5 s backoff with at most 25 % jitter", async () => {
    server.faults.push(failWith(503, { error: { message: "busy", type: "ServiceUnavailableError", param: null, code: 503 } }));
    expect(await make().score(Q, DOCS)).toEqual(expected);
    expect(server.requests).toHaveLength(2);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThanOrEqual(375);
    expect(slept[0]).toBeLessThanOrEqual(500);
  });

  it("gives up after maxRetries with the typed error, backing off 0.5 s then 1 s", async () => {
    for (let i = 0; i < 3; i++) server.faults.push(failWith(500, { error: { message: "boom", type: "InternalServerError", param: null, code: 500 } }));
    const error = await make().score(Q, DOCS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).serverMessage).toBe("boom");
    expect(server.requests).toHaveLength(3);
    expect(slept[0]).toBeLessThanOrEqual(500);
    expect(slept[1]).toBeGreaterThanOrEqual(750);
    expect(slept[1]).toBeLessThanOrEqual(1000);
  });

  it("retries a 429 after Retry-After seconds", async () => {
    server.faults.push(failWith(429, { error: { message: "slow down", type: "RateLimitError", param: null, code: 429 } }, { "retry-after": "2" }));
    expect(await make().score(Q, DOCS)).toEqual(expected);
    expect(slept).toEqual([2000]);
  });

  it("prefers retry-after-ms over Retry-After", async () => {
    server.faults.push(failWith(429, {}, { "retry-after-ms": "150", "retry-after": "9" }));
    await make().score(Q, DOCS);
    expect(slept).toEqual([150]);
  });

  it("retries 408 and 409 but not 400, 404 or 422", async () => {
    server.faults.push(failWith(408, {}), failWith(409, { detail: "conflict" }));
    expect(await make().score(Q, DOCS)).toEqual(expected);
    expect(server.requests).toHaveLength(3);
    for (const status of [400, 404, 422]) {
      server.reset();
      server.faults.push(failWith(status, { detail: "no" }));
      await expect(make().score(Q, DOCS)).rejects.toMatchObject({ status });
      expect(server.requests).toHaveLength(1);
    }
  });

  it("obeys x-should-retry: false", async () => {
    server.faults.push(failWith(409, { detail: "conflict" }, { "x-should-retry": "false" }));
    await expect(make().score(Q, DOCS)).rejects.toBeInstanceOf(ConflictError);
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry when maxRetries is 0 (per call)", async () => {
    server.faults.push(failWith(429, {}));
    await expect(make().score(Q, DOCS, { maxRetries: 0 })).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests).toHaveLength(1);
  });
});

describe("timeouts, resets and aborts", () => {
  it("times out each attempt and rejects with TimeoutError after retries", async () => {
    server.faults.push(delay(3000, routes), delay(3000, routes));
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const started = Date.now();
    const error = await make({ timeoutMs: 100, maxRetries: 1, fetch: counting }).score(Q, DOCS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(100);
    expect((error as Error).message).toMatch(/timed out after 100 ms/);
    expect(attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("succeeds when only the first attempt is slow", async () => {
    server.faults.push(delay(3000, routes));
    expect(await make({ timeoutMs: 400 }).score(Q, DOCS)).toEqual(expected);
  });

  it("retries a connection reset mid-body", async () => {
    server.faults.push(resetMidBody);
    expect(await make().score(Q, DOCS)).toEqual(expected);
    expect(server.requests).toHaveLength(2);
  });

  it("rejects with ConnectionError (cause kept) when resets persist", async () => {
    server.faults.push(resetMidBody, resetMidBody, resetMidBody);
    const error = await make().score(Q, DOCS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).cause).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`POST ${server.url}/score`);
  });

  it("rejects with ConnectionError for a refused connection", async () => {
    await expect(make({ baseURL: downURL, maxRetries: 1 }).score(Q, DOCS)).rejects.toBeInstanceOf(ConnectionError);
  });

  it("an abort during a slow request rejects at once with AbortError", async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    // The server holds the request; the caller aborts once it has arrived.
    server.faults.push(() => {
      abortedAt = Date.now();
      controller.abort(new Error("user cancelled"));
    });
    const error = await make().score(Q, DOCS, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(((error as AbortError).cause as Error).message).toBe("user cancelled");
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it("an abort during the backoff wait rejects at once (real sleep)", async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    server.faults.push((_req, res) => {
      sendJSON(res, 503, {}, { "retry-after": "30" });
      setTimeout(() => {
        abortedAt = Date.now();
        controller.abort();
      }, 50);
    });
    const scorer = new RemoteScorer({ baseURL: server.url });
    await expect(scorer.score(Q, DOCS, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });
});

describe("malformed answers are rejected, not retried", () => {
  const cases: [string, string, RegExp][] = [
    ["not JSON", "<html>oops</html>", /not valid JSON/],
    ["NaN (Python's json.dumps)", '{"data":[{"index":0,"score":NaN},{"index":1,"score":0.1}]}', /NaN/],
    ["empty body", "", /not valid JSON/],
    ["missing data", '{"results":[]}', /array `data`/],
    ["too few results", '{"data":[{"index":0,"score":0.1}]}', /expected 2 data, got 1/],
    ["an index out of range", '{"data":[{"index":0,"score":0.1},{"index":2,"score":0.2}]}', /data\[1\]\.index is 2, outside \[0, 2\)/],
    ["a repeated index", '{"data":[{"index":0,"score":0.1},{"index":0,"score":0.2}]}', /index 0 is repeated/],
    ["a null score", '{"data":[{"index":0,"score":null},{"index":1,"score":0.2}]}', /score is null/],
    ["a string score", '{"data":[{"index":0,"score":"0.5"},{"index":1,"score":0.2}]}', /not a finite number/],
  ];
  it.each(cases)("%s", async (_name, body, message) => {
    server.faults.push(malformed(body));
    const error = await make().score(Q, DOCS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toMatch(message);
    expect(server.requests).toHaveLength(1);
  });

  it("rejects a /rerank answer with more results than top_n asked for", async () => {
    server.faults.push((_req, res) =>
      sendJSON(res, 200, { results: [0, 1].map((index) => ({ index, relevance_score: 0.5, document: { text: "", multi_modal: null } })) }),
    );
    await expect(make({ endpoint: "rerank" }).rerank(Q, DOCS, { topN: 1 })).rejects.toThrow(/expected 1 results, got 2/);
  });
});

describe("replicas", () => {
  it("skips a replica that is down and goes to the next, then avoids it during the cool-down", async () => {
    const scorer = make({ baseURL: [downURL, server.url], replicaCooldownMs: 60_000 });
    expect(await scorer.score(Q, DOCS)).toEqual(expected);
    expect(slept).toEqual([]); // a healthy replica is tried at once, without backoff
    for (let i = 0; i < 3; i++) expect(await scorer.score(Q, DOCS)).toEqual(expected);
    expect(server.requests).toHaveLength(4);
  });

  it("tries a failed replica again once its cool-down is over", async () => {
    const flaky = await startServer(routes);
    try {
      flaky.faults.push(failWith(503, {}));
      vi.useFakeTimers({ toFake: ["Date"] });
      const scorer = make({ baseURL: [flaky.url, server.url], replicaCooldownMs: 1000 });
      await scorer.score(Q, DOCS); // flaky fails -> server
      await scorer.score(Q, DOCS); // flaky cooling down -> server
      expect([flaky.requests.length, server.requests.length]).toEqual([1, 2]);
      vi.setSystemTime(Date.now() + 1100);
      await scorer.score(Q, DOCS);
      await scorer.score(Q, DOCS);
      expect(flaky.requests.length).toBe(2);
    } finally {
      vi.useRealTimers();
      await flaky.close();
    }
  });

  it("spreads requests round-robin over healthy replicas", async () => {
    const scorer = make({ baseURL: [server.url, second.url] });
    for (let i = 0; i < 4; i++) await scorer.score(Q, DOCS);
    expect([server.requests.length, second.requests.length]).toEqual([2, 2]);
  });

  it("fails with the last error when every replica is down", async () => {
    const scorer = make({ baseURL: [downURL, `${downURL}/v1`], maxRetries: 2 });
    await expect(scorer.score(Q, DOCS)).rejects.toBeInstanceOf(ConnectionError);
  });
});

describe("typed errors keep the request id", () => {
  it("carries X-Request-Id on an APIError", async () => {
    server.faults.push((_req, res) => vllmError(res, 400, "BadRequestError", "bad"));
    const error = (await make().score(Q, DOCS, { requestId: "rid-1" }).catch((e: unknown) => e)) as BadRequestError;
    expect(error.requestId).toBe("rid-1");
    expect(error.headers.get("content-type")).toBe("application/json");
  });
});
