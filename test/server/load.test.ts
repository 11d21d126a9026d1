import autocannon from "autocannon";
import { describe, expect, it } from "vitest";
import { FakeScorer } from "./fakes.js";
import { start } from "./helpers.js";

const DOCS = Array.from({ length: 20 }, (_, i) => `document number ${i} about topic ${i % 5}`);

async function round(url: string, amount: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/rerank`,
    method: "POST",
    connections: 32,
    amount,
    timeout: 10,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "topic 3", documents: DOCS, top_n: 5 }),
  });
}

describe("load", () => {
  it("answers every request without errors and with stable memory", async () => {
    const scorer = new FakeScorer({ delayMs: 1, maxLength: 64 });
    const { url } = await start({ scorer });
    await round(url, 200);
    const before = process.memoryUsage().heapUsed;
    const result = await round(url, 1500);
    const after = process.memoryUsage().heapUsed;
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result["2xx"]).toBe(1500);
    // Every pair reached the scorer exactly once: nothing lost, nothing duplicated.
    const pairs = scorer.calls.reduce((n, c) => n + c.pairs, 0);
    expect(pairs).toBe(1700 * DOCS.length);
    // Requests were coalesced (fewer scorer calls than requests).
    expect(scorer.calls.length).toBeLessThan(1700);
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);
});
