/**
 * Slow clients cannot hold connections: headers, body and idle keep-alive each have a time limit
 * (issue 12 item 8). Loopback only, bounded to a few seconds.
 */
import { describe, expect, it } from "vitest";
import { FakeScorer } from "../server/fakes.js";
import { start } from "../server/helpers.js";
import { open, postHead, slowUpload } from "./raw-client.js";

const LIMITS = { headerTimeoutMs: 400, bodyTimeoutMs: 800, idleTimeoutMs: 300 };

describe("slow-loris clients", () => {
  it("cuts a client that never finishes its headers after headerTimeoutMs", async () => {
    const { url } = await start({ scorer: new FakeScorer(), ...LIMITS });
    const r = await slowUpload(url, "POST /rerank HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", { maxMs: 5000 });
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.headerTimeoutMs - 50);
    expect(r.closedAfterMs).toBeLessThan(LIMITS.headerTimeoutMs + 3000);
  });

  it("answers 408 and closes a body sent at 10 bytes/s after bodyTimeoutMs, for 50 clients at once", async () => {
    const { url } = await start({ scorer: new FakeScorer(), ...LIMITS });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => slowUpload(url, postHead("/rerank", 1000), { bodyBytes: 1000, intervalMs: 100, maxMs: 5000 })),
    );
    for (const r of results) {
      expect(r.response).toMatch(/^HTTP\/1\.1 408/);
      expect(r.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.bodyTimeoutMs - 50);
      // The upload itself would take 100 s; the margin only absorbs a loaded machine.
      expect(r.closedAfterMs).toBeLessThan(10_000);
    }
  });

  it("closes an idle keep-alive connection after idleTimeoutMs", async () => {
    const { url } = await start({ scorer: new FakeScorer(), ...LIMITS });
    const socket = await open(url);
    const t0 = performance.now();
    socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    socket.on("data", () => undefined);
    const closed = await new Promise<number>((resolve) => socket.once("close", () => resolve(performance.now() - t0)));
    expect(closed).toBeGreaterThanOrEqual(LIMITS.idleTimeoutMs - 50);
    expect(closed).toBeLessThan(LIMITS.idleTimeoutMs + 3000);
  });

  it("uses defaults that bound a slow upload (10 s headers, 30 s request, 5 s idle)", async () => {
    const { resolveOptions } = await import("../../src/server/options.js");
    const o = resolveOptions({ scorer: new FakeScorer() });
    expect([o.headerTimeoutMs, o.bodyTimeoutMs, o.idleTimeoutMs, o.maxInFlightBodyBytes]).toEqual([10_000, 30_000, 5_000, 40 * 1024 * 1024]);
  });
});
