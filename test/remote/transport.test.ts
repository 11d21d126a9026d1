/**
 * The remote client's HTTP call path, unit by unit: the transport (headers, per-attempt timeout,
 * abort reasons, typed errors, retries and fail-over), the replica pool (round-robin, cool-down),
 * the chunk runner (order, first failure stops the rest, listeners removed) and the abortable
 * backoff wait. `fetch` is a test double answering `Response`s, so no socket is opened; the
 * end-to-end versions against a real server are in faults.test.ts and chunking.test.ts.
 */
import { getEventListeners } from "node:events";
import pLimit from "p-limit";
import type { RequestSpec } from "../../src/remote/transport.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortError } from "../../src/errors/abort-error.js";
import { TimeoutError } from "../../src/errors/timeout-error.js";
import { sleep } from "../../src/remote/delay.js";
import { BadRequestError, ConnectionError, InternalServerError, MalformedResponseError, RateLimitError } from "../../src/remote/errors/index.js";
import { apiErrorFromResponse } from "../../src/remote/errors/create-api-error.js";
import { ReplicaPool } from "../../src/remote/replica-pool.js";
import { MAX_RETRY_AFTER_MS, retryAfterMs, shouldRetry } from "../../src/remote/retry.js";
import { runChunks } from "../../src/remote/run-chunks.js";
import { Transport, type TransportConfig } from "../../src/remote/transport.js";

/** Abort listeners currently registered on `signal` (what a leak check must look at: the event name too). */
const abortListeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
}

/** A fetch double: each call takes the next answer (a function of the request) from `answers`. */
function fakeFetch(answers: Array<(sent: Sent) => Response | Promise<Response>>) {
  const sent: Sent[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const s: Sent = {
      url: String(input),
      method: init?.method ?? "GET",
      headers: { ...(init?.headers as Record<string, string>) },
      body: init?.body as string | undefined,
      signal: init?.signal as AbortSignal,
    };
    sent.push(s);
    const next = answers.shift();
    if (!next) throw new Error("unexpected request");
    return next(s);
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
/** Never answers until the request's signal aborts, then rejects as fetch does. */
const hang = () => (s: Sent) =>
  new Promise<Response>((_, reject) => {
    s.signal.addEventListener("abort", () => reject(new DOMException("This operation was aborted", "AbortError")));
  });
const refused = () => () => Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") }));

function transport(fetch: typeof globalThis.fetch, o: Partial<TransportConfig> = {}) {
  const waits: number[] = [];
  const t = new Transport({
    baseURLs: ["http://a.test/v1"],
    timeoutMs: 1000,
    maxRetries: 2,
    replicaCooldownMs: 10_000,
    fetch,
    sleep: async (ms, signal) => {
      waits.push(ms);
      if (signal?.aborted) throw new AbortError("aborted", { cause: signal.reason });
    },
    ...o,
  });
  return { t, waits };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Transport: requests", () => {
  it("sends JSON with the key, extra headers and request id, at the root for vLLM's routes", async () => {
    const { fetch, sent } = fakeFetch([json(200, { ok: 1 })]);
    const { t } = transport(fetch, { apiKey: "sk-1", headers: { "x-team": "search" } });
    const r = await t.request({ method: "POST", path: "/score", body: { a: [1] }, requestId: "rid-7", headers: { "x-call": "1" } });
    expect(r).toMatchObject({ data: { ok: 1 }, status: 200, url: "http://a.test/score" });
    expect(sent[0]!.url).toBe("http://a.test/score");
    expect(sent[0]!.method).toBe("POST");
    expect(JSON.parse(sent[0]!.body!)).toEqual({ a: [1] });
    expect(sent[0]!.headers).toEqual({
      accept: "application/json",
      authorization: "Bearer sk-1",
      "x-team": "search",
      "x-call": "1",
      "x-request-id": "rid-7",
      "content-type": "application/json",
    });
  });

  it("keeps /v1 when asked, sends no body, content-type or key when there are none", async () => {
    const { fetch, sent } = fakeFetch([json(200, { data: [] })]);
    const { t } = transport(fetch);
    await t.request({ method: "GET", path: "/v1/models", fromRoot: false });
    expect(sent[0]!.url).toBe("http://a.test/v1/v1/models");
    expect(sent[0]!.body).toBeUndefined();
    expect(sent[0]!.headers).toEqual({ accept: "application/json" });
  });

  it("returns the raw text when JSON is not wanted (the empty body of /health)", async () => {
    const { fetch } = fakeFetch([() => new Response("", { status: 200 })]);
    const { t } = transport(fetch);
    expect((await t.request({ method: "GET", path: "/health", json: false })).data).toBe("");
  });

  it("rejects a 2xx body that is not JSON with MalformedResponseError naming the URL and the text", async () => {
    const { fetch } = fakeFetch([json(200, "<html>gateway</html>")]);
    const error = (await transport(fetch).t.request({ method: "POST", path: "/score", body: {} }).catch((e: unknown) => e)) as MalformedResponseError;
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.message).toBe("Malformed response from http://a.test/score: the body is not valid JSON: <html>gateway</html>");
    expect(error.body).toBe("<html>gateway</html>");
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("says why a Python NaN / Infinity body is not JSON, and quotes at most 200 characters", async () => {
    const nan = '{"data":[{"score":NaN}]}';
    const inf = `{"data":[{"score":Infinity}],"pad":"${"p".repeat(300)}"}`;
    const { fetch } = fakeFetch([json(200, nan), json(200, inf), json(200, "")]);
    const { t } = transport(fetch);
    const a = (await t.request({ method: "POST", path: "/score" }).catch((e: unknown) => e)) as Error;
    expect(a.message).toBe(`Malformed response from http://a.test/score: the body is not valid JSON (it contains NaN or Infinity, which JSON cannot carry): ${nan}`);
    const b = (await t.request({ method: "POST", path: "/score" }).catch((e: unknown) => e)) as Error;
    expect(b.message).toBe(`Malformed response from http://a.test/score: the body is not valid JSON (it contains NaN or Infinity, which JSON cannot carry): ${inf.slice(0, 200)}`);
    const c = (await t.request({ method: "POST", path: "/score" }).catch((e: unknown) => e)) as MalformedResponseError;
    expect(c.message).toBe("Malformed response from http://a.test/score: the body is not valid JSON: ");
    expect((c.cause as Error).message).toBe("empty body");
  });

  it("turns a non-2xx answer into its typed error with the server's message, parsed or raw", async () => {
    const { fetch } = fakeFetch([
      json(400, { error: { message: "top_n must be >= 0", type: "BadRequestError", param: "top_n", code: 400 } }),
      json(500, "upstream exploded"),
    ]);
    const { t } = transport(fetch, { maxRetries: 0 });
    const bad = (await t.request({ method: "POST", path: "/rerank", requestId: "r1" }).catch((e: unknown) => e)) as BadRequestError;
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.serverMessage).toBe("top_n must be >= 0");
    expect(bad.requestId).toBe("r1");
    const boom = (await t.request({ method: "GET", path: "/x" }).catch((e: unknown) => e)) as InternalServerError;
    expect(boom).toBeInstanceOf(InternalServerError);
    expect(boom.message).toContain("upstream exploded");
  });

  it("treats fromRoot: null like an absent fromRoot (strip /v1), as an untyped JS caller may pass it", async () => {
    const { fetch, sent } = fakeFetch([json(200, {})]);
    await transport(fetch).t.request({ method: "POST", path: "/score", fromRoot: null as unknown as boolean });
    expect(sent[0]!.url).toBe("http://a.test/score");
  });

  it("names a method-less request GET in its errors, the method fetch sends by default", async () => {
    // RequestInit.method is optional, so #init's copy may be undefined for an untyped caller; the
    // errors must then name what actually went over the wire, not an empty method.
    const noMethod = { path: "/x" } as unknown as RequestSpec;
    const { fetch, sent } = fakeFetch([refused(), json(500, "upstream exploded")]);
    const { t } = transport(fetch, { maxRetries: 0 });
    const down = (await t.request(noMethod).catch((e: unknown) => e)) as ConnectionError;
    expect(down).toBeInstanceOf(ConnectionError);
    expect(down.method).toBe("GET");
    expect(down.message).toBe("GET http://a.test/x failed to connect or was cut off: fetch failed");
    const boom = (await t.request(noMethod).catch((e: unknown) => e)) as InternalServerError;
    expect(boom).toBeInstanceOf(InternalServerError);
    expect(boom.method).toBe("GET");
    expect(boom.message.startsWith("GET http://a.test/x failed with 500")).toBe(true);
    expect(sent.map((x) => x.method)).toEqual(["GET", "GET"]);
  });
});

describe("Transport: timeouts and aborts", () => {
  it("times out an attempt after timeoutMs with TimeoutError naming the request and the limit", async () => {
    vi.useFakeTimers();
    const { fetch } = fakeFetch([hang()]);
    const { t } = transport(fetch, { timeoutMs: 250, maxRetries: 0 });
    const pending = t.request({ method: "POST", path: "/score" }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(249);
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = (await pending) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(250);
    expect(error.message).toBe("POST http://a.test/score timed out after 250 ms");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears the attempt's timer once the answer is read", async () => {
    vi.useFakeTimers();
    const { fetch } = fakeFetch([json(200, { ok: 1 })]);
    await transport(fetch, { timeoutMs: 60_000 }).t.request({ method: "GET", path: "/x" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a per-request timeout and retry count override the configured ones", async () => {
    vi.useFakeTimers();
    const { fetch, sent } = fakeFetch([hang(), hang()]);
    const { t } = transport(fetch, { timeoutMs: 60_000, maxRetries: 5 });
    const pending = t.request({ method: "GET", path: "/health", timeoutMs: 50, maxRetries: 1 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(200);
    expect(await pending).toBeInstanceOf(TimeoutError);
    expect(sent).toHaveLength(2);
  });

  it("the timer applies to reading the body too (a server that stalls mid-body)", async () => {
    vi.useFakeTimers();
    const stalled = (s: Sent) =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"data":'));
            s.signal.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
          },
        }),
        { status: 200 },
      );
    const { fetch } = fakeFetch([stalled]);
    const pending = transport(fetch, { timeoutMs: 100, maxRetries: 0 }).t.request({ method: "POST", path: "/score" }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(await pending).toBeInstanceOf(TimeoutError);
  });

  it("an abort rejects with AbortError carrying the caller's reason, and is not retried", async () => {
    const controller = new AbortController();
    const { fetch, sent } = fakeFetch([
      (s) => {
        queueMicrotask(() => controller.abort(new Error("user navigated away")));
        return hang()(s);
      },
    ]);
    const { t, waits } = transport(fetch);
    const error = (await t.request({ method: "POST", path: "/score", signal: controller.signal }).catch((e: unknown) => e)) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    // The same message as every other abort path (throwIfAborted, sleep).
    expect(error.message).toBe("The operation was aborted.");
    expect((error.cause as Error).message).toBe("user navigated away");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.signal.reason).toEqual(new Error("user navigated away"));
    expect(waits).toEqual([]);
  });

  it("an already aborted signal sends nothing", async () => {
    const { fetch, sent } = fakeFetch([json(200, {})]);
    const reason = new Error("too late");
    const error = (await transport(fetch).t.request({ method: "GET", path: "/x", signal: AbortSignal.abort(reason) }).catch((e: unknown) => e)) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe(reason);
    expect(sent).toHaveLength(0);
  });

  it("removes its abort listener from the caller's signal after each attempt", async () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, "addEventListener");
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    const { fetch } = fakeFetch([json(503, {}), json(200, { ok: true }), json(200, { ok: true })]);
    const { t } = transport(fetch);
    await t.request({ method: "GET", path: "/a", signal: controller.signal });
    await t.request({ method: "GET", path: "/b", signal: controller.signal });
    expect(add).toHaveBeenCalledTimes(3);
    expect(remove).toHaveBeenCalledTimes(3);
    expect(remove.mock.calls.map((c) => c[1])).toEqual(add.mock.calls.map((c) => c[1]));
    // Counting calls is not enough: a removal under another event name leaves the listener on.
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it("drops its listener from the caller's signal the moment it fires, even while fetch has not settled", async () => {
    // A long-lived signal (one per page or per job) must not keep an aborted call reachable, e.g.
    // behind a custom fetch that is slow to honour the abort.
    const controller = new AbortController();
    let onCallerSignal = -1;
    const { fetch } = fakeFetch([
      (s) =>
        new Promise<Response>((_, reject) => {
          s.signal.addEventListener("abort", () => {
            onCallerSignal = abortListeners(controller.signal);
            setTimeout(() => reject(new DOMException("This operation was aborted", "AbortError")), 5);
          });
        }),
    ]);
    const pending = transport(fetch).t.request({ method: "GET", path: "/x", signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 1));
    expect(abortListeners(controller.signal)).toBe(1);
    controller.abort(new Error("bye"));
    expect(onCallerSignal).toBe(0);
    expect(await pending).toBeInstanceOf(AbortError);
  });

  it("a connection failure is a ConnectionError with the method, URL and cause", async () => {
    const { fetch } = fakeFetch([refused()]);
    const error = (await transport(fetch, { maxRetries: 0 }).t.request({ method: "POST", path: "/rerank" }).catch((e: unknown) => e)) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.method).toBe("POST");
    expect(error.url).toBe("http://a.test/rerank");
    expect(error.message).toBe("POST http://a.test/rerank failed to connect or was cut off: fetch failed");
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

describe("Transport: retries", () => {
  it("retries a retryable answer maxRetries times with growing backoff, then throws the last error", async () => {
    const { fetch, sent } = fakeFetch([json(503, {}), json(503, {}), json(502, { detail: "last" })]);
    const { t, waits } = transport(fetch, { maxRetries: 2 });
    const error = await t.request({ method: "POST", path: "/score" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(502);
    expect(sent).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThan(375 - 1e-9);
    expect(waits[0]).toBeLessThanOrEqual(500);
    expect(waits[1]).toBeGreaterThan(750 - 1e-9);
    expect(waits[1]).toBeLessThanOrEqual(1000);
  });

  it("waits the server's Retry-After on a 429", async () => {
    const { fetch } = fakeFetch([json(429, {}, { "retry-after": "3" }), json(200, { ok: 1 })]);
    const { t, waits } = transport(fetch);
    expect((await t.request({ method: "POST", path: "/score" })).data).toEqual({ ok: 1 });
    expect(waits).toEqual([3000]);
  });

  it("does not retry a 400 or a malformed body", async () => {
    const { fetch, sent } = fakeFetch([json(400, {}), json(200, "nope")]);
    const { t, waits } = transport(fetch);
    await expect(t.request({ method: "POST", path: "/score" })).rejects.toBeInstanceOf(BadRequestError);
    await expect(t.request({ method: "POST", path: "/score" })).rejects.toBeInstanceOf(MalformedResponseError);
    expect(sent).toHaveLength(2);
    expect(waits).toEqual([]);
  });

  it("with maxRetries 0 makes exactly one attempt", async () => {
    const { fetch, sent } = fakeFetch([json(429, {})]);
    await expect(transport(fetch, { maxRetries: 0 }).t.request({ method: "GET", path: "/x" })).rejects.toBeInstanceOf(RateLimitError);
    expect(sent).toHaveLength(1);
  });

  it("an abort during the backoff wait stops the retries", async () => {
    const controller = new AbortController();
    const { fetch, sent } = fakeFetch([json(503, {}), json(200, {})]);
    const t = new Transport({
      baseURLs: ["http://a.test"],
      timeoutMs: 1000,
      maxRetries: 3,
      replicaCooldownMs: 0,
      fetch,
      sleep: (ms, signal) => {
        controller.abort(new Error("stop"));
        return sleep(ms, signal);
      },
    });
    const error = (await t.request({ method: "GET", path: "/x", signal: controller.signal }).catch((e: unknown) => e)) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect((error.cause as Error).message).toBe("stop");
    expect(sent).toHaveLength(1);
  });

  it("fails over to the next healthy replica at once, and backs off when it retries a cooling one", async () => {
    const { fetch, sent } = fakeFetch([refused(), json(503, {}), json(200, { from: "a" })]);
    const { t, waits } = transport(fetch, { baseURLs: ["http://a.test", "http://b.test"], maxRetries: 3 });
    expect((await t.request({ method: "POST", path: "/score" })).data).toEqual({ from: "a" });
    expect(sent.map((s) => s.url)).toEqual(["http://a.test/score", "http://b.test/score", "http://a.test/score"]);
    // a -> b is immediate; b -> a (a still cooling down) waits for backoff.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(700);
    expect(waits[0]).toBeLessThanOrEqual(1000);
  });

  it("a pinned replica (health checks) retries the same URL with backoff", async () => {
    const { fetch, sent } = fakeFetch([json(503, {}), json(200, "", {})]);
    const { t, waits } = transport(fetch, { baseURLs: ["http://a.test", "http://b.test"] });
    await t.request({ method: "GET", path: "/health", json: false }, "http://b.test");
    expect(sent.map((s) => s.url)).toEqual(["http://b.test/health", "http://b.test/health"]);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
  });

  it("a replica that answers again is healthy at once (no cool-down left)", async () => {
    const { fetch, sent } = fakeFetch([json(503, {}), json(200, {}), json(200, {}), json(200, {})]);
    const { t } = transport(fetch, { baseURLs: ["http://a.test", "http://b.test"], maxRetries: 1 });
    await t.request({ method: "GET", path: "/x" }); // a fails -> b
    expect(t.replicas.isCoolingDown("http://a.test")).toBe(true);
    await t.request({ method: "GET", path: "/x" }, "http://a.test");
    expect(t.replicas.isCoolingDown("http://a.test")).toBe(false);
    await t.request({ method: "GET", path: "/x" });
    expect(sent.map((s) => new URL(s.url).host)).toEqual(["a.test", "b.test", "a.test", "a.test"]);
  });
});

describe("ReplicaPool", () => {
  const A = "http://a";
  const B = "http://b";
  const C = "http://c";

  it("goes round-robin over healthy replicas", () => {
    const pool = new ReplicaPool([A, B, C], 1000, () => 0);
    expect([pool.pick(), pool.pick(), pool.pick(), pool.pick()]).toEqual([A, B, C, A]);
    expect(pool.urls).toEqual([A, B, C]);
  });

  it("skips a failed replica until its cool-down ends, then uses it again", () => {
    let now = 0;
    const pool = new ReplicaPool([A, B], 1000, () => now);
    pool.markFailed(A);
    expect(pool.isCoolingDown(A)).toBe(true);
    expect(pool.isCoolingDown(B)).toBe(false);
    expect([pool.pick(), pool.pick(), pool.pick()]).toEqual([B, B, B]);
    now = 999;
    expect(pool.pick()).toBe(B);
    now = 1000;
    expect(pool.isCoolingDown(A)).toBe(false);
    expect(new Set([pool.pick(), pool.pick()])).toEqual(new Set([A, B]));
  });

  it("prefers another replica than the one to avoid, but falls back to it when nothing else is healthy", () => {
    const pool = new ReplicaPool([A, B, C], 1000, () => 0);
    expect(pool.pick(A)).toBe(B);
    expect(pool.pick(C)).toBe(A);
    pool.markFailed(B);
    pool.markFailed(C);
    expect(pool.pick(A)).toBe(A);
  });

  it("uses the replica that recovers first when all are cooling down", () => {
    let now = 0;
    const pool = new ReplicaPool([A, B, C], 1000, () => now);
    pool.markFailed(B);
    now = 10;
    pool.markFailed(A);
    now = 20;
    pool.markFailed(C);
    expect(pool.pick()).toBe(B);
    expect(pool.pick(B)).toBe(B);
    pool.markHealthy(B);
    now = 30;
    pool.markFailed(B);
    expect(pool.pick()).toBe(A);
  });

  it("never cools down a lone replica, and markHealthy ends a cool-down", () => {
    const one = new ReplicaPool([A], 1000, () => 0);
    one.markFailed(A);
    expect(one.isCoolingDown(A)).toBe(false);
    expect(one.pick(A)).toBe(A);
    const two = new ReplicaPool([A, B], 1000, () => 0);
    two.markFailed(A);
    two.markHealthy(A);
    expect(two.isCoolingDown(A)).toBe(false);
  });

  it("reads the real clock by default", () => {
    const pool = new ReplicaPool([A, B], 60_000);
    pool.markFailed(A);
    expect(pool.isCoolingDown(A)).toBe(true);
  });

  it("after skipping the replica to avoid, continues round-robin after the one it returned", () => {
    const pool = new ReplicaPool([A, B, C], 1000, () => 0);
    expect(pool.pick(A)).toBe(B);
    expect([pool.pick(), pool.pick()]).toEqual([C, A]);
  });

  it("picks a lone replica without reading the clock (the common one-URL configuration)", () => {
    const now = vi.fn(() => 0);
    const pool = new ReplicaPool([A], 1000, now);
    expect([pool.pick(), pool.pick(A)]).toEqual([A, A]);
    expect(now).not.toHaveBeenCalled();
  });

  it("breaks a tie between replicas that recover at the same time by configuration order", () => {
    const pool = new ReplicaPool([A, B], 1000, () => 5);
    pool.markFailed(B);
    pool.markFailed(A);
    expect(pool.pick()).toBe(A);
  });
});

describe("runChunks", () => {
  const ok = async (chunk: number) => chunk * 10;

  it("resolves with every result in chunk order, whatever order they finish in", async () => {
    const results = await runChunks([3, 1, 2], pLimit(3), [], (c) => new Promise<number>((r) => setTimeout(() => r(c * 10), c * 5)));
    expect(results).toEqual([30, 10, 20]);
    expect(await runChunks([7], pLimit(1), [undefined, undefined], ok)).toEqual([70]);
  });

  it("hands a lone chunk the caller's own signal, or none, without a linked controller", async () => {
    const controller = new AbortController();
    const seen: Array<AbortSignal | undefined> = [];
    const task = async (c: number, _i: number, signal: AbortSignal | undefined) => {
      seen.push(signal);
      return c;
    };
    expect(await runChunks([1], pLimit(1), [controller.signal], task)).toEqual([1]);
    expect(await runChunks([2], pLimit(1), [undefined, controller.signal], task)).toEqual([2]);
    expect(await runChunks([3], pLimit(1), [undefined, undefined], task)).toEqual([3]);
    expect(seen[0]).toBe(controller.signal);
    expect(seen[1]).toBe(controller.signal);
    expect(seen[2]).toBeUndefined();
  });

  it("drops its listener from the caller's signal as soon as it fires, while the chunks still run", async () => {
    const controller = new AbortController();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The chunks ignore the abort, so the call is still in flight when the listener count is read.
    const done = runChunks([1, 2], pLimit(2), [controller.signal], async (c) => {
      await gate;
      return c;
    });
    await Promise.resolve();
    expect(abortListeners(controller.signal)).toBe(1);
    controller.abort(new Error("bye"));
    expect(abortListeners(controller.signal)).toBe(0);
    release();
    expect(await done).toEqual([1, 2]);
  });

  it("passes each chunk its index and a signal that fires when the caller aborts", async () => {
    const controller = new AbortController();
    const seen: Array<[number, boolean]> = [];
    const done = runChunks([0, 1], pLimit(2), [controller.signal, undefined], (c, i, signal) => {
      seen.push([i, signal instanceof AbortSignal]);
      return new Promise<number>((_, reject) => signal!.addEventListener("abort", () => reject(new AbortError("stopped", { cause: signal!.reason }))));
    });
    await Promise.resolve();
    controller.abort(new Error("bye"));
    const error = (await done.catch((e: unknown) => e)) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect((error.cause as Error).message).toBe("bye");
    expect(seen).toEqual([
      [0, true],
      [1, true],
    ]);
  });

  it("the first failure aborts the chunks in flight and skips the queued ones", async () => {
    const started: number[] = [];
    const aborted: unknown[] = [];
    const failure = new Error("chunk 1 failed");
    const error = await runChunks([0, 1, 2, 3], pLimit(2), [], (c, _i, signal) => {
      started.push(c);
      if (c === 1) return Promise.reject(failure);
      return new Promise<number>((_, reject) =>
        signal!.addEventListener("abort", () => {
          aborted.push(signal!.reason);
          reject(new AbortError());
        }),
      );
    }).catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(aborted).toEqual([failure]);
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual([0, 1]);
  });

  it("a signal already aborted runs nothing, with one chunk or many", async () => {
    const task = vi.fn(ok);
    const reason = new Error("early");
    const one = (await runChunks([1], pLimit(1), [AbortSignal.abort(reason)], task).catch((e: unknown) => e)) as AbortError;
    expect(one).toBeInstanceOf(AbortError);
    expect(one.cause).toBe(reason);
    const many = (await runChunks([1, 2], pLimit(1), [undefined, AbortSignal.abort(reason)], task).catch((e: unknown) => e)) as AbortError;
    expect(many).toBeInstanceOf(AbortError);
    expect(many.cause).toBe(reason);
    expect(task).not.toHaveBeenCalled();
  });

  it("a single chunk with two signals listens to both", async () => {
    const a = new AbortController();
    const b = new AbortController();
    const done = runChunks([1], pLimit(1), [a.signal, b.signal], (_c, _i, signal) => new Promise<number>((_, reject) => signal!.addEventListener("abort", () => reject(signal!.reason))));
    await Promise.resolve();
    b.abort(new Error("closed"));
    await expect(done).rejects.toThrow("closed");
  });

  it("removes its listeners from the caller's signals when it settles", async () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, "addEventListener");
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    expect(await runChunks([1, 2], pLimit(2), [controller.signal], ok)).toEqual([10, 20]);
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledTimes(1);
    expect(remove.mock.calls[0]![1]).toBe(add.mock.calls[0]![1]);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it("lets many chunks listen on the shared signal without a MaxListenersExceeded warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const chunks = Array.from({ length: 30 }, (_, i) => i);
      await runChunks(chunks, pLimit(30), [new AbortController().signal], async (c, _i, signal) => {
        signal!.addEventListener("abort", () => undefined);
        await new Promise((r) => setTimeout(r, 1));
        return c;
      });
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("sleep", () => {
  it("resolves after the wait and leaves no listener or timer behind", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    let done = false;
    const p = sleep(500, controller.signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
    expect(remove).toHaveBeenCalledTimes(1);
    // The removal must name the "abort" event, or the listener stays on the caller's signal.
    expect(abortListeners(controller.signal)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects at once on abort with the reason as cause, and clears its timer", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const p = sleep(10_000, controller.signal).catch((e: unknown) => e);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error("cancelled"));
    const error = (await p) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toBe("The operation was aborted.");
    expect((error.cause as Error).message).toBe("cancelled");
    // Nothing removes the listener after an abort but `once`, so it must be registered with it.
    expect(abortListeners(controller.signal)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects before waiting when the signal has already fired", async () => {
    vi.useFakeTimers();
    const reason = new Error("gone");
    const error = (await sleep(100, AbortSignal.abort(reason)).catch((e: unknown) => e)) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toBe("The operation was aborted.");
    expect(error.cause).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("Retry-After edge cases", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const h = (o: Record<string, string>) => new Headers(o);

  it("falls back to Retry-After when retry-after-ms is blank or not a number", () => {
    expect(retryAfterMs(h({ "retry-after-ms": "", "retry-after": "3" }), now)).toBe(3000);
    expect(retryAfterMs(h({ "retry-after-ms": "  ", "retry-after": "3" }), now)).toBe(3000);
    expect(retryAfterMs(h({ "retry-after-ms": "soon", "retry-after": "2" }), now)).toBe(2000);
    expect(retryAfterMs(h({ "retry-after": " " }), now)).toBeUndefined();
    // Headers strips spaces and tabs itself; a no-break space (0xA0) survives it, and Number() would
    // read it as 0 ms, so a value blank after trim() must count as absent.
    expect(h({ "retry-after-ms": "\u00a0" }).get("retry-after-ms")).toBe("\u00a0");
    expect(retryAfterMs(h({ "retry-after-ms": "\u00a0", "retry-after": "3" }), now)).toBe(3000);
    expect(retryAfterMs(h({ "retry-after": "\u00a0" }), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it("honours waits up to exactly 60 s, and an HTTP date relative to now", () => {
    expect(MAX_RETRY_AFTER_MS).toBe(60_000);
    expect(retryAfterMs(h({ "retry-after": "60" }), now)).toBe(60_000);
    expect(retryAfterMs(h({ "retry-after-ms": "60000" }), now)).toBe(60_000);
    expect(retryAfterMs(h({ "retry-after-ms": "60001" }), now)).toBeUndefined();
    expect(retryAfterMs(h({ "retry-after-ms": "0" }), now)).toBe(0);
    expect(retryAfterMs(h({ "retry-after": "Thu, 01 Jan 2026 00:01:00 GMT" }), now)).toBe(60_000);
    expect(retryAfterMs(h({ "retry-after": "Thu, 01 Jan 2026 00:00:00 GMT" }), now)).toBe(0);
  });

  it("an x-should-retry value other than true/false leaves the decision to the status", () => {
    const e = (status: number, v: string) => apiErrorFromResponse(status, h({ "x-should-retry": v }), {}, { method: "GET", url: "http://h/x" });
    expect(shouldRetry(e(503, "maybe"))).toBe(true);
    expect(shouldRetry(e(400, "yes"))).toBe(false);
    expect(shouldRetry(e(499, ""))).toBe(false);
    expect(shouldRetry(e(500, "TRUE"))).toBe(true);
  });
});
