/**
 * The info routes as a client or an orchestrator reads them: `/health` and `/ping` turn 503 when
 * a served model is a worker pool with no worker ready (a load balancer must stop sending work),
 * `/v1/models` says who owns the model, and `/openapi.json` documents every operation well enough
 * for the `/docs` page (a tag to group it under, a summary, a description per response) with the
 * API's own title and description.
 */
import { describe, expect, it } from "vitest";
import { FakeBiEncoder, FakeScorer } from "./fakes.js";
import { start } from "./helpers.js";

/** A fake standing in for a worker pool (readiness reads `liveWorkers`). */
class PooledScorer extends FakeScorer {
  constructor(readonly liveWorkers: number) {
    super();
  }
}

class PooledEmbedder extends FakeBiEncoder {
  constructor(readonly liveWorkers: number) {
    super();
  }
}

const status = async (url: string, method = "GET"): Promise<number> => (await fetch(url, { method })).status;

describe("/health and /ping", () => {
  it("are 503 while the scorer's pool has no worker ready, 200 once one is", async () => {
    const down = await start({ scorer: new PooledScorer(0), idleTimeoutMs: 120_000 });
    expect(await status(`${down.url}/health`)).toBe(503);
    expect(await status(`${down.url}/ping`)).toBe(503);
    expect(await status(`${down.url}/ping`, "POST")).toBe(503);
    const up = await start({ scorer: new PooledScorer(1), idleTimeoutMs: 120_000 });
    expect(await status(`${up.url}/health`)).toBe(200);
  });

  it("are 503 when a separate embedder's pool is down, even with the scorer up", async () => {
    const { url } = await start({ scorer: new PooledScorer(1), embedder: new PooledEmbedder(0), idleTimeoutMs: 120_000 });
    expect(await status(`${url}/health`)).toBe(503);
  });
});

describe("/v1/models", () => {
  it("names an owner for the model (OpenAI's Model object: owned_by is a string)", async () => {
    const { url } = await start({ scorer: new FakeScorer(), idleTimeoutMs: 120_000 });
    const body = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ owned_by: unknown }> };
    expect(body.data[0]?.owned_by).toEqual(expect.any(String));
    expect((body.data[0]?.owned_by as string).length).toBeGreaterThan(0);
  });
});

interface Operation {
  tags?: string[];
  summary?: string;
  responses?: Record<string, { description?: string }>;
}

describe("/openapi.json", () => {
  it("has a title and a description, and every operation a tag, a summary and described responses", async () => {
    // An embedder too, so the pooling routes (/v1/embeddings, /v2/embed) are listed.
    const { url } = await start({ scorer: new FakeBiEncoder(), idleTimeoutMs: 120_000 });
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      info: { title?: string; description?: string };
      paths: Record<string, Record<string, Operation>>;
    };
    expect(doc.info.title).toMatch(/rerank-kit/);
    expect(doc.info.description?.trim()).toBeTruthy();
    const seen: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const where = `${method.toUpperCase()} ${path}`;
        seen.push(where);
        expect(op.tags, where).toBeDefined();
        expect(op.tags?.length, where).toBeGreaterThan(0);
        for (const tag of op.tags ?? []) expect(tag.trim(), where).not.toBe("");
        expect(op.summary?.trim(), where).toBeTruthy();
        expect(op.responses?.["200"], where).toBeDefined();
        for (const [code, response] of Object.entries(op.responses ?? {})) expect(response.description?.trim(), `${where} ${code}`).toBeTruthy();
      }
    }
    // The operations this file's mutation scope registers are among those checked.
    for (const op of ["GET /v1/models", "GET /load", "GET /health", "POST /v1/embeddings"]) expect(seen).toContain(op);
  });
});
