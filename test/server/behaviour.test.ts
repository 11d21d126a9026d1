import { describe, expect, it } from "vitest";
import { createServer } from "../../src/server/index.js";
import { FakeScorer, pairTokens } from "./fakes.js";
import { post, start } from "./helpers.js";

describe("server behaviour", () => {
  it("protects every route but /health and /ping with the API key, in vLLM's 401 shape", async () => {
    const { url } = await start({ scorer: new FakeScorer(), apiKey: "s3cret" });
    for (const path of ["/rerank", "/score", "/v1/rerank", "/tokenize"]) {
      const r = await post(`${url}${path}`, { query: "q", documents: ["d"] });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: "Unauthorized" });
    }
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/v1/models`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/ping`, { method: "POST" })).status).toBe(200);
    const ok = await post(`${url}/rerank`, { query: "q", documents: ["d"] }, { authorization: "Bearer s3cret" });
    expect(ok.status).toBe(200);
  });

  it("serves /v1/models, /version, /health, /ping, /load and a 404 detail for unknown paths", async () => {
    const { url } = await start({ scorer: new FakeScorer({ maxLength: 24 }), servedModelName: "served" });
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(models.data[0]).toMatchObject({ id: "served", object: "model", root: "fake/cross-encoder", max_model_len: 24 });
    const version = (await (await fetch(`${url}/version`)).json()) as { version: string };
    expect(version.version).toMatch(/^\d+\.\d+\.\d+/);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("");
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    expect(await (await fetch(`${url}/load`)).json()).toEqual({ server_load: 0 });
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: "Not Found" });
    const wrongMethod = await fetch(`${url}/rerank`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toEqual({ detail: "Method Not Allowed" });
  });

  it("sends no CORS headers unless asked", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const res = await fetch(`${url}/health`, { headers: { origin: "http://example.com" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const { url: corsUrl } = await start({ scorer: new FakeScorer(), cors: "http://example.com" });
    const allowed = await fetch(`${corsUrl}/health`, { headers: { origin: "http://example.com" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://example.com");
  });

  it("describes every route in /openapi.json", async () => {
    const { url, server } = await start({ scorer: new FakeScorer() });
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, object> };
    expect(doc.openapi).toBe("3.1.0");
    const routes = new Set(server.app.routes.map((r) => r.path));
    routes.delete("/openapi.json");
    routes.delete("/docs");
    routes.delete("/*");
    for (const path of routes) expect(Object.keys(doc.paths)).toContain(path);
    for (const p of ["/score", "/v1/score", "/rerank", "/v1/rerank", "/v2/rerank", "/pooling", "/tokenize", "/metrics"]) {
      expect(doc.paths).toHaveProperty([p]);
    }
    expect((await fetch(`${url}/docs`)).headers.get("content-type")).toContain("text/html");
  });

  it("exposes Prometheus metrics by route and status, with batch sizes and queue depth", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    await post(`${url}/rerank`, { query: "q", documents: ["a", "b"] });
    await post(`${url}/rerank`, { query: "q", documents: [] });
    await fetch(`${url}/nope/123`);
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toContain('rerank_kit_requests_total{route="/rerank",status="200"} 1');
    expect(text).toContain('rerank_kit_requests_total{route="/rerank",status="400"} 1');
    expect(text).toContain('rerank_kit_requests_total{route="other",status="404"} 1');
    expect(text).toMatch(/rerank_kit_request_duration_seconds_count\{route="\/rerank"\} 2/);
    expect(text).toContain("rerank_kit_batch_pairs_count 1");
    expect(text).toContain('rerank_kit_batch_pairs_bucket{le="2"} 1');
    expect(text).toContain("rerank_kit_queue_depth 0");
    expect(text).not.toContain("/nope/123");
  });

  it("rejects bodies over the size limit with 413", async () => {
    const { url } = await start({ scorer: new FakeScorer(), maxBodyBytes: 1000 });
    const r = await post(`${url}/rerank`, { query: "q", documents: ["x".repeat(2000)] });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe(413);
  });

  it("answers 503 with Retry-After when the bounded queue is full, and serves the rest", async () => {
    const { url } = await start({ scorer: new FakeScorer({ delayMs: 150 }), maxInFlight: 2 });
    const all = await Promise.all(
      Array.from({ length: 5 }, (_, i) => post(`${url}/score`, { queries: "q", documents: [`d${i}`] })),
    );
    const statuses = all.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503, 503]);
    const busy = all.find((r) => r.status === 503)!;
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(busy.body.error.type).toBe("ServiceUnavailableError");
  });

  it("times out slow requests with 504 and keeps serving", async () => {
    const { url } = await start({ scorer: new FakeScorer({ delayMs: 300 }), requestTimeoutMs: 50 });
    const r = await post(`${url}/score`, { queries: "q", documents: "d" });
    expect(r.status).toBe(504);
    expect(r.body.error.message).toContain("50 ms");
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("finishes in-flight requests on close() and refuses new connections", async () => {
    const scorer = new FakeScorer({ delayMs: 200 });
    const server = createServer({ scorer, closeScorer: true });
    const { url } = await server.listen({ port: 0 });
    const inflight = post(`${url}/score`, { queries: "q", documents: "d" });
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close();
    const r = await inflight;
    expect(r.status).toBe(200);
    await closing;
    expect(scorer.closed).toBe(true);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it("binds 127.0.0.1 by default", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("serves requests in process through app.request()", async () => {
    const server = createServer({ scorer: new FakeScorer() });
    const res = await server.app.request("/score", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ queries: "a b", documents: ["a", "c"] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { usage: { prompt_tokens: number } };
    expect(body.usage.prompt_tokens).toBe(pairTokens("a b", "a") + pairTokens("a b", "c"));
    await server.close();
  });
});

describe("client disconnect", () => {
  it("stops counting a request whose client went away", async () => {
    const { url } = await start({ scorer: new FakeScorer({ delayMs: 400 }) });
    const controller = new AbortController();
    const call = fetch(`${url}/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ queries: "q", documents: "d" }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 60));
    expect(await (await fetch(`${url}/load`)).json()).toEqual({ server_load: 1 });
    controller.abort();
    await call;
    await new Promise((r) => setTimeout(r, 60));
    expect(await (await fetch(`${url}/load`)).json()).toEqual({ server_load: 0 });
  });
});
