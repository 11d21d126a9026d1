import { afterEach, describe, expect, it, vi } from "vitest";
import { TimeoutError } from "../../src/errors/index.js";
import { RemoteEmbedder, RemoteScorer } from "../../src/remote/index.js";

/** A fetch that answers /score, /rerank and TEI /rerank from the body, and records calls. */
function fakeFetch(options: { hang?: boolean; failHost?: string } = {}) {
  const calls: { url: string; body: Record<string, unknown> }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>;
    calls.push({ url: String(url), body });
    if (options.failHost && String(url).includes(options.failHost)) throw new TypeError("fetch failed");
    if (options.hang) {
      return new Promise<Response>((_resolve, reject) =>
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))),
      );
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    const docs = (body.text_2 ?? body.texts ?? body.input) as unknown[];
    const json = String(url).endsWith("/score")
      ? { data: docs.map((_, index) => ({ index, score: index })) }
      : String(url).includes("embeddings")
        ? { data: docs.map((_, index) => ({ index, embedding: [index, 1] })) }
        : docs.map((_, index) => ({ index, score: index }));
    return new Response(JSON.stringify(json), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  return { fetch, calls, maxInFlight: () => maxInFlight };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("documented defaults", () => {
  it("maxDocumentsPerRequest is 256 for vLLM and 32 for TEI; maxConcurrency is 4", async () => {
    const f = fakeFetch();
    await new RemoteScorer({ baseURL: "http://h", fetch: f.fetch }).score("q", Array.from({ length: 2000 }, (_, i) => `d${i}`));
    expect(f.calls.map((c) => (c.body.text_2 as unknown[]).length)).toEqual([256, 256, 256, 256, 256, 256, 256, 208]);
    expect(f.maxInFlight()).toBe(4);
    const t = fakeFetch();
    await new RemoteScorer({ baseURL: "http://h", dialect: "tei", fetch: t.fetch }).score("q", Array.from({ length: 40 }, (_, i) => `d${i}`));
    expect(t.calls.map((c) => (c.body.texts as unknown[]).length)).toEqual([32, 8]);
  });

  it("maxTextsPerRequest is 128 for embeddings", async () => {
    const f = fakeFetch();
    await new RemoteEmbedder({ baseURL: "http://h/v1", fetch: f.fetch }).embed(Array.from({ length: 130 }, (_, i) => `t${i}`));
    expect(f.calls.map((c) => (c.body.input as unknown[]).length)).toEqual([128, 2]);
  });

  it("timeoutMs is 60 s per attempt", async () => {
    vi.useFakeTimers();
    const f = fakeFetch({ hang: true });
    const scorer = new RemoteScorer({ baseURL: "http://h", fetch: f.fetch, maxRetries: 0 });
    let settled: unknown;
    const pending = scorer.score("q", ["d"]).catch((e: unknown) => (settled = e));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(settled).toBeInstanceOf(TimeoutError);
    expect((settled as TimeoutError).timeoutMs).toBe(60_000);
  });

  it("a failed replica cools down for 10 s", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const f = fakeFetch({ failHost: "down" });
    const scorer = new RemoteScorer({ baseURL: ["http://down", "http://up"], fetch: f.fetch });
    await scorer.score("q", ["d"]);
    vi.setSystemTime(Date.now() + 9_900);
    await scorer.score("q", ["d"]);
    await scorer.score("q", ["d"]);
    expect(f.calls.filter((c) => c.url.includes("down"))).toHaveLength(1);
    vi.setSystemTime(Date.now() + 200);
    await scorer.score("q", ["d"]);
    await scorer.score("q", ["d"]);
    expect(f.calls.filter((c) => c.url.includes("down"))).toHaveLength(2);
  });

  it("per-call headers are sent along with the client's", async () => {
    const seen: Headers[] = [];
    const fetch = (async (_url: string, init?: RequestInit) => {
      seen.push(new Headers(init?.headers));
      return new Response(JSON.stringify({ data: [{ index: 0, score: 1 }] }));
    }) as unknown as typeof globalThis.fetch;
    await new RemoteScorer({ baseURL: "http://h", fetch, headers: { "x-a": "1" } }).score("q", ["d"], { headers: { "x-b": "2" } });
    expect([seen[0]?.get("x-a"), seen[0]?.get("x-b")]).toEqual(["1", "2"]);
  });
});
