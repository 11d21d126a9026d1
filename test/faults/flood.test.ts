/**
 * Admission before the body (issue 12 item 9): past the request count or the in-flight body
 * bytes, answers are immediate 503s with Retry-After, sent before the client has sent its body.
 */
import { describe, expect, it } from "vitest";
import { FakeScorer } from "../server/fakes.js";
import { post, start } from "../server/helpers.js";
import { open, postHead, slowUpload } from "./raw-client.js";

describe("a flood past the limits", { timeout: 30_000 }, () => {
  it("refuses requests past maxInFlight at once with 503 and Retry-After, without reading their bodies", async () => {
    const { url } = await start({ scorer: new FakeScorer(), maxInFlight: 4, bodyTimeoutMs: 5000 });
    // Four uploads that declare 1 MB and never send it hold the four places.
    const holders = await Promise.all(Array.from({ length: 4 }, () => open(url)));
    holders.forEach((s) => {
      s.on("error", () => undefined);
      s.write(postHead("/rerank", 1_000_000));
    });
    await new Promise((r) => setTimeout(r, 100));
    // 50 more: each declares 5 MB and sends nothing; the answer must come anyway.
    const refused = await Promise.all(
      Array.from({ length: 50 }, () => slowUpload(url, postHead("/rerank", 5_000_000), { maxMs: 1500 })),
    );
    for (const r of refused) {
      expect(r.response).toMatch(/^HTTP\/1\.1 503/);
      expect(r.response.toLowerCase()).toContain("retry-after: 1");
      expect(r.response).toContain("ServiceUnavailableError");
      // Bodies are never sent, so any answer at all proves the body was not awaited.
      expect(r.firstByteMs).toBeLessThan(1500);
    }
    holders.forEach((s) => s.destroy());
    // Probes stay answerable during the flood, and the server recovers once the holders leave.
    expect((await fetch(`${url}/health`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect((await post(`${url}/rerank`, { query: "a", documents: ["a b"] })).status).toBe(200);
  });

  it("bounds the declared body bytes in flight: a body that would pass the budget is refused before it is sent", async () => {
    const { url } = await start({ scorer: new FakeScorer(), maxInFlightBodyBytes: 1_000_000, bodyTimeoutMs: 5000 });
    const holder = await open(url);
    holder.on("error", () => undefined);
    holder.write(postHead("/rerank", 800_000));
    await new Promise((r) => setTimeout(r, 100));
    const over = await slowUpload(url, postHead("/rerank", 300_000), { maxMs: 1500 });
    expect(over.response).toMatch(/^HTTP\/1\.1 503/);
    expect(over.response).toContain("request body bytes in flight");
    const under = await post(`${url}/rerank`, { query: "a", documents: ["a b"] });
    expect(under.status).toBe(200);
    holder.destroy();
  });

  it("counts chunked bodies as they stream and cuts one that passes the budget", async () => {
    const { url } = await start({ scorer: new FakeScorer(), maxInFlightBodyBytes: 100_000, bodyTimeoutMs: 5000 });
    const holder = await open(url);
    holder.on("error", () => undefined);
    holder.write(postHead("/rerank", 60_000));
    await new Promise((r) => setTimeout(r, 100));
    const socket = await open(url);
    socket.on("error", () => undefined);
    let response = "";
    socket.on("data", (d: Buffer) => (response += d.toString()));
    socket.write("POST /rerank HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    const chunk = "x".repeat(10_000);
    for (let i = 0; i < 8 && socket.writable; i++) {
      socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      await new Promise((r) => setTimeout(r, 30));
    }
    await new Promise<void>((resolve) => {
      if (socket.destroyed) resolve();
      socket.once("close", () => resolve());
      setTimeout(resolve, 2000);
    });
    expect(response).toMatch(/^HTTP\/1\.1 503/);
    holder.destroy();
    socket.destroy();
  });

  it("keeps memory bounded: 100 declared 5 MB uploads grow the heap by far less than their size", async () => {
    const { url } = await start({ scorer: new FakeScorer(), maxInFlight: 8, maxInFlightBodyBytes: 8_000_000 });
    global.gc?.();
    const before = process.memoryUsage().rss;
    const flood = await Promise.all(
      Array.from({ length: 100 }, () => slowUpload(url, postHead("/rerank", 5_000_000), { bodyBytes: 0, maxMs: 5000 })),
    );
    const refused = flood.filter((r) => r.response.startsWith("HTTP/1.1 503"));
    // At most one 5 MB body fits the 8 MB budget; every other request is refused without its body.
    expect(refused.length).toBeGreaterThanOrEqual(99);
    // 500 MB was offered; the server held none of it.
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });
});
