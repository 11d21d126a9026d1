import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import autocannon from "autocannon";
import { describe, expect, it } from "vitest";
import { FakeScorer, overlapScore } from "./fakes.js";
import { start } from "./helpers.js";

// Two request kinds with disjoint documents, one with raw logits: a response that carries the
// other kind's results, or scores merged across options, fails verifyBody.
const A = { query: "topic 3", documents: Array.from({ length: 20 }, (_, i) => `document number ${i} about topic ${i % 5}`), top_n: 5 };
const B = { query: "alpha beta", documents: Array.from({ length: 20 }, (_, i) => `alpha ${i} ${i % 3 ? "beta" : "gamma"} word${i}`), top_n: 5, use_activation: false };

/** The expected top 5, from the fake's test-owned formula: score descending, ties by index. */
function expectedTop(body: { query: string; documents: string[]; use_activation?: boolean }): Array<[number, number]> {
  return body.documents
    .map((d, index) => {
      const raw = overlapScore(body.query, d);
      return [index, body.use_activation === false ? raw : 1 / (1 + Math.exp(-raw))] as [number, number];
    })
    .sort((x, y) => y[1] - x[1] || x[0] - y[0])
    .slice(0, 5);
}
const EXPECTED = { A: expectedTop(A), B: expectedTop(B) };

function verifyBody(raw: string | Buffer | undefined): boolean {
  try {
    const body = JSON.parse(String(raw)) as { results: Array<{ index: number; relevance_score: number; document: { text: string } }> };
    const kind = body.results[0]?.document.text.startsWith("alpha") ? "B" : "A";
    const docs = kind === "A" ? A.documents : B.documents;
    const expected = EXPECTED[kind];
    return (
      body.results.length === 5 &&
      body.results.every((r, i) => r.index === expected[i]![0] && Math.abs(r.relevance_score - expected[i]![1]) < 1e-12 && r.document.text === docs[r.index])
    );
  } catch {
    return false;
  }
}

async function round(url: string, amount: number, timeoutSeconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/rerank`,
    method: "POST",
    connections: 32,
    amount,
    timeout: timeoutSeconds,
    headers: { "content-type": "application/json" },
    requests: [{ body: JSON.stringify(A) }, { body: JSON.stringify(B) }],
    verifyBody,
  });
}

/** A real full GC, so heap growth measures what is retained, not garbage not yet collected. */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

describe("load", () => {
  it("answers every request correctly, without errors, and retains no memory per request", async () => {
    const gc = collector();
    const scorer = new FakeScorer({ delayMs: 1, maxLength: 64 });
    const { url } = await start({ scorer });
    // The warm-up (JIT, pools, caches, and whatever else this machine is running now) sets the
    // pace: a request of the measured rounds may take 20 times the warm-up's slowest before it
    // counts as lost, so machine load does not fail the test, while a request that never gets an
    // answer still does. Its own limit is a generous fixed one.
    const warm = await round(url, 200, 60);
    expect(warm.mismatches).toBe(0);
    expect(warm["2xx"]).toBe(200);
    const timeoutSeconds = Math.max(10, Math.ceil((20 * warm.latency.max) / 1000));
    // Two equal rounds after a warm-up: one-off costs (JIT, pools, caches) land in the first,
    // so the second one's heap growth after GC is what each request leaves behind.
    const heap: number[] = [];
    const results: autocannon.Result[] = [];
    for (const _ of [0, 1, 2]) {
      gc();
      heap.push(process.memoryUsage().heapUsed);
      if (results.length < 2) results.push(await round(url, 1000, timeoutSeconds));
    }
    for (const result of results) {
      expect(result.errors).toBe(0);
      expect(result.timeouts).toBe(0);
      expect(result.non2xx).toBe(0);
      expect(result["2xx"]).toBe(1000);
      // Every response body holds its own request's top 5 with the right scores.
      expect(result.mismatches).toBe(0);
    }
    // Every pair reached the scorer exactly once: nothing lost, nothing duplicated.
    const pairs = scorer.calls.reduce((n, c) => n + c.pairs, 0);
    expect(pairs).toBe(2200 * 20);
    // Requests were coalesced (fewer scorer calls than requests).
    expect(scorer.calls.length).toBeLessThan(2200);
    const [h0, h1, h2] = heap as [number, number, number];
    console.log(`[load] warm-up slowest ${warm.latency.max} ms, so a request counts as lost after ${timeoutSeconds} s`);
    console.log(`[load] heap after GC: +${((h1 - h0) / 1024).toFixed(0)} KiB, then +${((h2 - h1) / 1024).toFixed(0)} KiB per 1000 requests`);
    // About 0.6 MiB here; keeping each request's parsed body alive adds several MiB per round.
    expect(h2 - h1).toBeLessThan(1.5 * 1024 * 1024);
    // No wall-clock budget for the whole test: the work is bounded (2200 requests, each with the
    // timeout above), and how long it takes depends on what else shares the machine.
  }, 900_000);
});
