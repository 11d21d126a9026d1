import { describe, expect, it } from "vitest";
import { ContextLengthError } from "../../src/errors/context-length-error.js";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { ModelLoadError } from "../../src/errors/model-load-error.js";
import { AbortError } from "../../src/errors/abort-error.js";
import { loadWorkerScorer, WorkerBiEncoder, type WorkerScorerOptions } from "../../src/local/worker-pool/index.js";
import { isEmbedder } from "../../src/types.js";
import { fakeEmbedding, fakeTokenize, overlapScore, pairTokens as countPair } from "./fakes.js";
import { post, start } from "./helpers.js";

const loader = new URL("./fake-loader.ts", import.meta.url).href;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const fake = (extra: Record<string, unknown> = {}): WorkerScorerOptions => ({ loader, ...extra }) as WorkerScorerOptions;

describe("worker-thread scorer", () => {
  it("proxies scores, usage, tokenize and typed errors from the worker", async () => {
    const scorer = await loadWorkerScorer("fake", fake({ maxLength: 16 }));
    try {
      expect(scorer.scoreType).toBe("cross-encoder");
      expect(scorer.maxLength).toBe(16);
      expect(isEmbedder(scorer)).toBe(false);
      const { scores, pairTokens } = await scorer.scoreWithUsage("a b", ["a", "c"]);
      expect(scores).toEqual([sigmoid(overlapScore("a b", "a")), sigmoid(overlapScore("a b", "c"))]);
      expect(pairTokens).toEqual([countPair("a b", "a"), countPair("a b", "c")]);
      expect(await scorer.tokenize("x y")).toEqual(fakeTokenize("x y"));
      const ranked = await scorer.rerank("a b", ["c", "a"]);
      expect(ranked.map((r) => r.index)).toEqual([1, 0]);
      await expect(scorer.score(["a", "b"], ["c"])).rejects.toBeInstanceOf(InvalidInputError);
      const long = Array.from({ length: 20 }, (_, i) => `w${i}`).join(" ");
      const error = await scorer.score(long, "d", { truncate: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContextLengthError);
      expect((error as ContextLengthError).maxLength).toBe(16);
    } finally {
      await scorer.close();
    }
  });

  it("returns an Embedder proxy for bi-encoders", async () => {
    const scorer = await loadWorkerScorer("fake", fake({ kind: "bi" }));
    try {
      expect(scorer).toBeInstanceOf(WorkerBiEncoder);
      const vectors = await (scorer as WorkerBiEncoder).embed(["hello world"]);
      expect(vectors[0]).toBeInstanceOf(Float32Array);
      expect(Array.from(vectors[0]!)).toEqual(Array.from(fakeEmbedding("hello world")));
    } finally {
      await scorer.close();
    }
  });

  it("rejects with ModelLoadError when the worker cannot load the model", async () => {
    await expect(loadWorkerScorer("missing", fake())).rejects.toBeInstanceOf(ModelLoadError);
  });

  it("spreads concurrent calls over several workers with the same answers", async () => {
    // Each call blocks its thread until a second call is running: they only all return if two
    // calls ran at the same time on two threads (no wall-clock bound involved).
    const rendezvous = new SharedArrayBuffer(4);
    const scorer = await loadWorkerScorer("fake", fake({ workers: 2, rendezvous }));
    try {
      expect(scorer.workers).toBe(2);
      const docs = ["a", "b", "a b", "c"];
      const all = await Promise.all(docs.map((d) => scorer.score("a b", d)));
      expect(all.flat()).toEqual(docs.map((d) => sigmoid(overlapScore("a b", d))));
      expect(new Int32Array(rendezvous)[0]).toBe(docs.length);
    } finally {
      await scorer.close();
    }
  });

  it("cannot pass the rendezvous with one worker (the control for the test above)", async () => {
    const scorer = await loadWorkerScorer("fake", fake({ workers: 1, rendezvous: new SharedArrayBuffer(4), rendezvousTimeoutMs: 300 }));
    try {
      const calls = await Promise.allSettled(["a", "b"].map((d) => scorer.score("a b", d)));
      // The first call waits alone on the only thread and gives up; the second then finds it counted.
      expect(calls[0]?.status).toBe("rejected");
      expect(String((calls[0] as PromiseRejectedResult).reason)).toMatch(/rendezvous timed out/);
    } finally {
      await scorer.close();
    }
  });

  it("lets the server's coalescer score request batches on two workers at once", async () => {
    // One pair per request batch, two inference slots over two workers: both requests return only
    // if their calls met in the rendezvous, i.e. ran at the same time on two threads.
    const rendezvous = new SharedArrayBuffer(4);
    const scorer = await loadWorkerScorer("fake", fake({ workers: 2, rendezvous }));
    const { url } = await start({ scorer, closeScorer: true, concurrency: 2, batching: { maxBatchPairs: 1 } });
    const [a, b] = await Promise.all(["a", "c"].map((d) => post(`${url}/score`, { queries: "a b", documents: d })));
    expect([a?.status, b?.status]).toEqual([200, 200]);
    expect(a?.body.data[0].score).toBeCloseTo(sigmoid(overlapScore("a b", "a")), 12);
    expect(b?.body.data[0].score).toBeCloseTo(sigmoid(overlapScore("a b", "c")), 12);
    expect(new Int32Array(rendezvous)[0]).toBe(2);
  });

  it("restarts a worker that died and keeps serving", async () => {
    const scorer = await loadWorkerScorer("fake", fake());
    try {
      await expect(scorer.score("a", "crash-the-thread")).rejects.toThrow(/worker exited/);
      expect(await scorer.score("a b", "a")).toEqual([sigmoid(overlapScore("a b", "a"))]);
    } finally {
      await scorer.close();
    }
  });

  it("cancels a call through its signal", async () => {
    const scorer = await loadWorkerScorer("fake", fake({ delayMs: 300 }));
    try {
      const controller = new AbortController();
      const call = scorer.score("a", "b", { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expect(call).rejects.toBeInstanceOf(AbortError);
    } finally {
      await scorer.close();
    }
  });

  it("keeps the server's /health fast while the worker is blocked by inference", async () => {
    const scorer = await loadWorkerScorer("fake", fake({ spinMs: 600 }));
    const { url } = await start({ scorer, closeScorer: true });
    const order: string[] = [];
    const slow = post(`${url}/score`, { queries: "a", documents: "b" }).then((r) => (order.push("score"), r));
    await new Promise((r) => setTimeout(r, 100));
    // Order, not a time bound: had the spin blocked this thread, /health would answer after it.
    const health = await fetch(`${url}/health`).then((r) => (order.push("health"), r));
    expect(health.status).toBe(200);
    expect((await slow).status).toBe(200);
    expect(order).toEqual(["health", "score"]);
  });
});
