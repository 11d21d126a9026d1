/**
 * The API key guards every route the app registers except `/health`, `/ping` and the `/docs` page (static, holds no data; issue 12 item 17). The route list
 * comes from the app itself, so a route added later is covered without editing this test.
 */
import { describe, expect, it } from "vitest";
import { FakeBiEncoder } from "./fakes.js";
import { start } from "./helpers.js";

const KEY = "s3cret";
const OPEN = new Set(["/health", "/ping", "/docs"]);

/** A minimal request for a route: a JSON body on POST, whatever it may contain. */
async function call(url: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const body = method === "GET" || method === "HEAD" ? undefined : JSON.stringify({ query: "q", documents: ["d"], input: ["d"], prompt: "d" });
  return fetch(`${url}${path}`, { method, headers: { "content-type": "application/json", ...headers }, body });
}

describe("API key on every registered route", () => {
  it("answers 401 without the key (and with a wrong key) on each route but /health, /ping and /docs", async () => {
    // A bi-encoder with a tokenizer registers the most routes: score, rerank, embeddings, pooling, tokenize.
    const { url, server } = await start({ scorer: new FakeBiEncoder(), apiKey: KEY });
    const routes = server.app.routes
      .filter((r) => r.path !== "/*" && !r.path.includes("*") && r.method !== "ALL")
      .map((r) => ({ method: r.method, path: r.path }));
    const guarded = routes.filter((r) => !OPEN.has(r.path));
    const paths = new Set(guarded.map((r) => r.path));
    // Enough to know the route list is the real one, not an empty or partial list.
    for (const p of ["/score", "/v1/score", "/rerank", "/v1/rerank", "/v2/rerank", "/v1/embeddings", "/pooling", "/tokenize", "/metrics", "/v1/models", "/invocations"]) {
      expect(paths, p).toContain(p);
    }
    for (const { method, path } of guarded) {
      const none = await call(url, method, path);
      expect(none.status, `${method} ${path} without a key`).toBe(401);
      expect(await none.json(), `${method} ${path}`).toEqual({ error: "Unauthorized" });
      const wrong = await call(url, method, path, { authorization: `Bearer ${KEY}x` });
      expect(wrong.status, `${method} ${path} with a wrong key`).toBe(401);
      await wrong.body?.cancel();
      const right = await call(url, method, path, { authorization: `Bearer ${KEY}` });
      expect(right.status, `${method} ${path} with the key`).not.toBe(401);
      await right.body?.cancel();
    }
    for (const r of routes.filter((x) => OPEN.has(x.path))) {
      const open = await call(url, r.method, r.path);
      expect(open.status, `${r.method} ${r.path} stays open`).toBe(200);
      await open.body?.cancel();
    }
  });
});
