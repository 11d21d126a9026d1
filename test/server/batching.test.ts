import { describe, expect, it } from "vitest";
import { FakeScorer, overlapScore, pairTokens } from "./fakes.js";
import { post, start } from "./helpers.js";

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function requests(n: number): Array<{ query: string; documents: string[] }> {
  return Array.from({ length: n }, (_, i) => ({
    query: `topic${i} common`,
    documents: [`topic${i} alpha`, `beta common gamma`, `nothing ${i}`],
  }));
}

describe("dynamic batching", () => {
  it("merges concurrent requests into fewer scorer calls with correct per-request results", async () => {
    const scorer = new FakeScorer({ delayMs: 20 });
    const { url } = await start({ scorer, batching: { maxWaitMs: 5 } });
    const bodies = requests(12);
    const answers = await Promise.all(bodies.map((b) => post(`${url}/rerank`, b)));
    expect(scorer.calls.length).toBeLessThan(bodies.length);
    expect(Math.max(...scorer.calls.map((c) => c.pairs))).toBeGreaterThan(3);
    bodies.forEach((b, i) => {
      const a = answers[i]!;
      expect(a.status).toBe(200);
      const expected = b.documents
        .map((d, index) => ({ index, score: sigmoid(overlapScore(b.query, d)) }))
        .sort((x, y) => y.score - x.score);
      expect(a.body.results.map((r: { index: number; relevance_score: number }) => [r.index, r.relevance_score])).toEqual(
        expected.map((e) => [e.index, e.score]),
      );
      const tokens = b.documents.reduce((n, d) => n + pairTokens(b.query, d), 0);
      expect(a.body.usage.prompt_tokens).toBe(tokens);
    });
  });

  it("never delays a lone client by the batching wait", async () => {
    // The wait is far longer than three small requests take even on a loaded machine, so only a
    // request that waited for batch companions it will never get comes near it.
    const WAIT_MS = 5_000;
    const { url } = await start({ scorer: new FakeScorer(), batching: { maxWaitMs: WAIT_MS } });
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      expect((await post(`${url}/score`, { queries: "a", documents: "b" })).status).toBe(200);
      expect(performance.now() - t0, `request ${i}`).toBeLessThan(WAIT_MS);
    }
  }, 30_000);

  it("calls the scorer once per request with batching off", async () => {
    const scorer = new FakeScorer({ delayMs: 5 });
    const { url } = await start({ scorer, batching: false });
    await Promise.all(requests(6).map((b) => post(`${url}/rerank`, b)));
    expect(scorer.calls.map((c) => c.pairs)).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it("never merges requests whose options differ, even when they queue together behind a busy worker", async () => {
    const scorer = new FakeScorer({ delayMs: 500 });
    const { url } = await start({ scorer, batching: { maxWaitMs: 10 } });
    // Occupy the only slot, so every following request queues and is batched when it frees.
    const blocker = post(`${url}/score`, { queries: "z", documents: ["z"] });
    await new Promise((r) => setTimeout(r, 40));
    const bodies = [
      { queries: "a", documents: ["a b", "c a"] },
      { queries: "a", documents: ["a b", "c a"], use_activation: false },
      { queries: "b", documents: ["b b", "a"] },
      { queries: "b", documents: ["b b", "a"], use_activation: false },
      { queries: "c", documents: ["c"] },
    ];
    const answers = await Promise.all(bodies.map((b) => post(`${url}/score`, b)));
    expect((await blocker).status).toBe(200);
    bodies.forEach((b, i) => {
      const a = answers[i]!;
      expect(a.status).toBe(200);
      const raw = b.documents.map((d) => overlapScore(b.queries, d));
      const expected = b.use_activation === false ? raw : raw.map(sigmoid);
      expect(a.body.data.map((x: { score: number }) => x.score), `request ${i}`).toEqual(expected);
    });
    // Every pair was scored once; how the queue split into calls depends on arrival timing.
    const queued = scorer.calls.slice(1);
    expect(queued.reduce((n, c) => n + c.pairs, 0)).toBe(9);
    expect(queued.filter((c) => c.options.activation === false).reduce((n, c) => n + c.pairs, 0)).toBe(4);
  });

  it("isolates a failing request from the requests it was batched with", async () => {
    const scorer = new FakeScorer({ delayMs: 20, poison: "boom" });
    const { url } = await start({ scorer, batching: { maxWaitMs: 10 } });
    const [good1, bad, good2] = await Promise.all([
      post(`${url}/score`, { queries: "a", documents: ["a", "b"] }),
      post(`${url}/score`, { queries: "a", documents: ["boom"] }),
      post(`${url}/score`, { queries: "b", documents: ["b"] }),
    ]);
    expect(good1!.status).toBe(200);
    expect(good2!.status).toBe(200);
    expect(bad!.status).toBe(400);
    expect(bad!.body.error.message).toContain("poisoned");
    expect(good2!.body.data[0].score).toBeCloseTo(sigmoid(1), 12);
  });

  it("splits usage by text length when the scorer reports only totals", async () => {
    const scorer = new FakeScorer({ delayMs: 20, noPairTokens: true });
    const { url } = await start({ scorer, batching: { maxWaitMs: 10 } });
    const answers = await Promise.all(requests(4).map((b) => post(`${url}/rerank`, b)));
    const sum = answers.reduce((n, a) => n + a.body.usage.prompt_tokens, 0);
    const expected = requests(4).reduce((n, b) => n + b.documents.reduce((m, d) => m + pairTokens(b.query, d), 0), 0);
    expect(sum).toBe(expected);
  });

  it("answers /health while a request is being scored, before that request finishes", async () => {
    // The scorer holds the request until the test releases it, so the order of the two answers,
    // not a latency budget, shows whether /health waits behind inference.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const scorer = new FakeScorer({ gate });
    const { url } = await start({ scorer });
    const order: string[] = [];
    const slow = post(`${url}/score`, { queries: "a", documents: ["a b"] }).then((r) => {
      order.push("score");
      return r;
    });
    while (scorer.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    // A /health stuck behind the held request would never answer; the bound only turns that
    // deadlock into a readable failure, it is not a latency limit.
    const health = await Promise.race([
      fetch(`${url}/health`).then((r) => r.status),
      new Promise<string>((r) => setTimeout(() => r("no answer while the request was being scored"), 10_000)),
    ]);
    order.push("health");
    release();
    expect(health).toBe(200);
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.data[0].score).toBe(sigmoid(overlapScore("a", "a b")));
    expect(order).toEqual(["health", "score"]);
  }, 30_000);
});
