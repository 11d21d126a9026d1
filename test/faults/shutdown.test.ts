/**
 * Graceful shutdown has a deadline: stalled uploads cannot keep a closing server (or the serve
 * process on SIGTERM) alive past `shutdownTimeoutMs` (issue 12 item 8).
 */
import { describe, expect, it } from "vitest";
import { createServer } from "../../src/server/index.js";
import { runCliUntil } from "./serve-process.js";
import { FakeScorer } from "../server/fakes.js";
import { open, postHead } from "./raw-client.js";

describe("shutdown with stalled clients", () => {
  it("close() resolves by the deadline and cuts stalled uploads", async () => {
    const server = createServer({ scorer: new FakeScorer(), shutdownTimeoutMs: 400, bodyTimeoutMs: 60_000, headerTimeoutMs: 60_000 });
    const { url } = await server.listen({ port: 0 });
    const stalled = [];
    for (let i = 0; i < 20; i++) stalled.push(await open(url));
    const closed = stalled.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.on("error", () => undefined);
          s.once("close", () => resolve());
          s.write(postHead("/rerank", 1000) + "{");
        }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await server.close();
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(1500);
    await Promise.all(closed);
  });

  it("rerank-kit serve exits 0 by --shutdown-timeout-ms after SIGTERM with stalled uploads", async () => {
    const { exitCode, tookMs, stderr } = await runCliUntil(["--shutdown-timeout-ms", "500", "--body-timeout-ms", "60000"], async (url) => {
      const sockets = await Promise.all(Array.from({ length: 5 }, () => open(url)));
      for (const s of sockets) {
        s.on("error", () => undefined);
        s.write(postHead("/rerank", 1000));
      }
      return sockets;
    });
    expect(stderr).toContain("SIGTERM: finishing in-flight requests (at most 500 ms)");
    expect(exitCode).toBe(0);
    expect(tookMs).toBeLessThan(4000);
  });
});
