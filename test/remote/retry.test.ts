import { describe, expect, it } from "vitest";
import { AbortError, TimeoutError } from "../../src/errors/index.js";
import { ConnectionError, MalformedResponseError } from "../../src/remote/index.js";
import { apiErrorFromResponse } from "../../src/remote/errors/index.js";
import { backoffMs, retryAfterMs, retryDelayMs, shouldRetry } from "../../src/remote/retry.js";
import { sleep } from "../../src/remote/delay.js";

const err = (status: number, headers: Record<string, string> = {}) =>
  apiErrorFromResponse(status, new Headers(headers), {}, { method: "POST", url: "http://h/score" });

describe("shouldRetry", () => {
  it("retries 408, 409, 429 and 5xx, connection errors and timeouts", () => {
    for (const s of [408, 409, 429, 500, 502, 503, 504]) expect(shouldRetry(err(s))).toBe(true);
    expect(shouldRetry(new ConnectionError("POST", "http://h"))).toBe(true);
    expect(shouldRetry(new TimeoutError("t", { timeoutMs: 1 }))).toBe(true);
  });

  it("does not retry other 4xx, malformed bodies, aborts or plain errors", () => {
    for (const s of [400, 401, 403, 404, 413, 422]) expect(shouldRetry(err(s))).toBe(false);
    expect(shouldRetry(new MalformedResponseError("u", "x"))).toBe(false);
    expect(shouldRetry(new AbortError())).toBe(false);
    expect(shouldRetry(new Error("x"))).toBe(false);
  });

  it("obeys an explicit x-should-retry header", () => {
    expect(shouldRetry(err(400, { "x-should-retry": "true" }))).toBe(true);
    expect(shouldRetry(err(503, { "x-should-retry": "false" }))).toBe(false);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads retry-after-ms first, then Retry-After seconds or an HTTP date", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "3" }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "3" }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after": "0" }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5000);
  });

  it("ignores values that are negative, over 60 s or unparsable", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "61" }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "-1" }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });
});

describe("backoff", () => {
  it("starts at 0.5 s and doubles to a cap of 8 s, with at most 25 % jitter", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => backoffMs(n, 0))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffMs(0, 0.999999)).toBeCloseTo(375, 3);
    for (let i = 0; i < 50; i++) {
      const v = backoffMs(2);
      expect(v).toBeGreaterThan(1500);
      expect(v).toBeLessThanOrEqual(2000);
    }
  });

  it("uses Retry-After when valid, else backoff", () => {
    expect(retryDelayMs(err(429, { "retry-after": "2" }), 3)).toBe(2000);
    expect(retryDelayMs(err(429, { "retry-after": "120" }), 0)).toBeLessThanOrEqual(500);
    expect(retryDelayMs(new ConnectionError("GET", "u"), 1)).toBeGreaterThan(700);
  });
});

describe("sleep", () => {
  it("waits, and rejects with AbortError as soon as the signal fires", async () => {
    const t0 = Date.now();
    await sleep(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    const c = new AbortController();
    setTimeout(() => c.abort(), 10);
    const t1 = Date.now();
    await expect(sleep(10_000, c.signal)).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - t1).toBeLessThan(1000);
    await expect(sleep(10, AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
  });
});
