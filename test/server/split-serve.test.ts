import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkerScorer, type AnyWorkerScorer } from "../../src/local/worker-pool/index.js";
import { ensureTestModels } from "../fixtures/index.js";
import { post, start } from "./helpers.js";

/**
 * A view of `pool` that counts the model calls a server makes on it (each part of a split is one),
 * and forwards everything else, so the server sees the pool's idle workers and capabilities.
 */
function counted(pool: AnyWorkerScorer, methods: string[]): { scorer: AnyWorkerScorer; calls: string[] } {
  const calls: string[] = [];
  const scorer = Object.create(pool) as AnyWorkerScorer;
  for (const m of methods) {
    const fn = (pool as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[m] as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(scorer, m, {
      value: (...args: unknown[]) => {
        calls.push(m);
        return fn.apply(scorer, args);
      },
    });
  }
  return { scorer, calls };
}

const words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
const texts = Array.from({ length: 24 }, (_, i) => Array.from({ length: 3 + (i % 7) }, (_, j) => words[(i * 3 + j) % words.length]).join(" "));

/** A response without its per-request id and clock. */
function body(r: { body: Record<string, unknown> }): unknown {
  const { id: _id, created: _created, ...rest } = r.body;
  return rest;
}

describe("serve splits a lone large request across idle workers, with the unsplit answer", () => {
  let models: Record<string, string>;
  let crossEncoder: AnyWorkerScorer;
  let biEncoder: AnyWorkerScorer;
  beforeAll(async () => {
    models = await ensureTestModels();
    [crossEncoder, biEncoder] = await Promise.all([
      loadWorkerScorer(models["cross-encoder"] as string, { workers: 2, threads: 1 }),
      loadWorkerScorer(models["bi-encoder-mean"] as string, { workers: 2, threads: 1 }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([crossEncoder?.close(), biEncoder?.close()]);
  });

  it("/score and /rerank on a cross-encoder: same scores and usage, in two parts", async () => {
    expect(crossEncoder.batchInvariant).toBe(true);
    // fp32 splits anywhere: no plan is asked for (counted, so an extra round trip would show).
    const split = counted(crossEncoder, ["scoreWithUsage", "planScore"]);
    const whole = counted(crossEncoder, ["scoreWithUsage", "planScore"]);
    const a = await start({ scorer: split.scorer, concurrency: 2 });
    const b = await start({ scorer: whole.scorer, concurrency: 2, batching: { split: false } });
    for (const request of [
      { path: "/rerank", payload: { query: "alpha bravo", documents: texts } },
      { path: "/score", payload: { queries: texts.map((t) => t.split(" ")[0]), documents: texts } },
    ]) {
      const before = [split.calls.length, whole.calls.length];
      // One after the other: the two servers share the pool's workers.
      const x = await post(`${a.url}${request.path}`, request.payload);
      const y = await post(`${b.url}${request.path}`, request.payload);
      expect(x.status, request.path).toBe(200);
      expect(y.status, request.path).toBe(200);
      // The same floats, ranks and token counts, not merely close ones.
      expect(body(x), request.path).toEqual(body(y));
      expect(split.calls.length - before[0]!, request.path).toBe(2);
      expect(whole.calls.length - before[1]!, request.path).toBe(1);
    }
  }, 60_000);

  it("/v1/embeddings and /pooling on a bi-encoder: same vectors and usage, in two parts", async () => {
    expect(biEncoder.batchInvariant).toBe(true);
    // Its pairs are not one sequence each: it has no score plan (fp32 splits anywhere anyway).
    expect(biEncoder.microBatchSplit).toBe(false);
    const methods = ["embedWithUsage", "embedSequences", "scoreWithUsage"];
    const split = counted(biEncoder, methods);
    const whole = counted(biEncoder, methods);
    const a = await start({ scorer: split.scorer, concurrency: 2 });
    const b = await start({ scorer: whole.scorer, concurrency: 2, batching: { split: false } });
    for (const request of [
      { path: "/v1/embeddings", payload: { input: texts } },
      { path: "/pooling", payload: { input: texts } },
      { path: "/score", payload: { queries: "alpha bravo", documents: texts } },
    ]) {
      const before = [split.calls.length, whole.calls.length];
      // One after the other: the two servers share the pool's workers.
      const x = await post(`${a.url}${request.path}`, request.payload);
      const y = await post(`${b.url}${request.path}`, request.payload);
      expect(x.status, request.path).toBe(200);
      expect(y.status, request.path).toBe(200);
      expect(body(x), request.path).toEqual(body(y));
      expect(split.calls.length - before[0]!, request.path).toBe(2);
      expect(whole.calls.length - before[1]!, request.path).toBe(1);
    }
  }, 60_000);

  it("an error in one part fails the request with that error; the pool keeps serving", async () => {
    const split = counted(crossEncoder, ["scoreWithUsage"]);
    const { url } = await start({ scorer: split.scorer, concurrency: 2 });
    const long = Array.from({ length: (crossEncoder.maxLength ?? 512) * 2 }, () => "echo").join(" ");
    const r = await post(`${url}/rerank`, { query: "alpha", documents: [...texts.slice(0, 7), long] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("maximum context length");
    expect(split.calls).toHaveLength(2);
    const ok = await post(`${url}/rerank`, { query: "alpha", documents: texts });
    expect(ok.status).toBe(200);
    expect(ok.body.results).toHaveLength(texts.length);
  }, 60_000);

  it("does not split a small request (threshold)", async () => {
    const split = counted(crossEncoder, ["scoreWithUsage"]);
    const { url } = await start({ scorer: split.scorer, concurrency: 2, batching: { minPartSize: 3 } });
    expect((await post(`${url}/rerank`, { query: "alpha", documents: texts.slice(0, 5) })).status).toBe(200);
    expect(split.calls).toHaveLength(1);
    expect((await post(`${url}/rerank`, { query: "alpha", documents: texts.slice(0, 6) })).status).toBe(200);
    expect(split.calls).toHaveLength(3);
  }, 60_000);

  it("does not split while a worker is busy with another call, even with free server slots", async () => {
    const split = counted(crossEncoder, ["scoreWithUsage"]);
    const { url } = await start({ scorer: split.scorer, concurrency: 2 });
    const long = Array.from({ length: 1000 }, (_, i) => `${texts[i % texts.length]} ${texts[(i + 5) % texts.length]} ${texts[(i + 9) % texts.length]}`);
    // A call outside the server holds one worker (it is running when the request arrives).
    const busy = crossEncoder.scoreWithUsage("alpha", long);
    expect(crossEncoder.idleWorkers).toBe(1);
    const r = await post(`${url}/rerank`, { query: "alpha", documents: texts });
    expect(r.status).toBe(200);
    expect(split.calls).toHaveLength(1);
    await busy;
    expect(crossEncoder.idleWorkers).toBe(2);
  }, 60_000);

  it("splits q8 weights only along the worker's own micro-batches, with bit-identical answers", async () => {
    const q8 = await loadWorkerScorer(models["cross-encoder-q8"] as string, { workers: 2, threads: 1, dtype: "q8" });
    try {
      expect(q8.batchInvariant).toBe(false);
      expect(q8.microBatchSplit).toBe(true);
      const methods = ["planScore", "scoreWithUsage"];
      const split = counted(q8, methods);
      const whole = counted(q8, methods);
      const a = await start({ scorer: split.scorer, concurrency: 2 });
      const b = await start({ scorer: whole.scorer, concurrency: 2, batching: { split: false } });
      // 80 pairs of 3 to 90 words (under the 128-token limit the server enforces): micro-batches of
      // mixed padding, where q8 scores move
      // when rows change company (a contiguous split of this list changes most of them, below).
      const many = Array.from({ length: 80 }, (_, i) => Array.from({ length: 3 + ((i * 37) % 88) }, (_, j) => words[(i + j * 3) % words.length]).join(" "));
      const plan = await q8.planScore("alpha bravo", many);
      expect(plan.batches.length).toBeGreaterThanOrEqual(3);
      const half = await Promise.all([q8.scoreWithUsage("alpha bravo", many.slice(0, 40)), q8.scoreWithUsage("alpha bravo", many.slice(40))]);
      const unsplit = await q8.scoreWithUsage("alpha bravo", many);
      const moved = half.flatMap((h) => h.scores).filter((x, i) => x !== unsplit.scores[i]).length;
      expect(moved, "the fixture must be sensitive to batch company").toBeGreaterThan(10);
      for (const request of [
        { path: "/rerank", payload: { query: "alpha bravo", documents: many } },
        { path: "/score", payload: { queries: many.map((t) => t.split(" ")[0]), documents: many } },
      ]) {
        split.calls.length = 0;
        whole.calls.length = 0;
        const x = await post(`${a.url}${request.path}`, request.payload);
        const y = await post(`${b.url}${request.path}`, request.payload);
        expect(x.status, request.path).toBe(200);
        expect(y.status, request.path).toBe(200);
        // The same floats, ranks and token counts, not merely close ones.
        expect(body(x), request.path).toEqual(body(y));
        expect(split.calls, request.path).toEqual(["planScore", "scoreWithUsage", "scoreWithUsage"]);
        expect(whole.calls, request.path).toEqual(["scoreWithUsage"]);
      }
      // A request of one micro-batch (a few short pairs) has nothing to split: one call after the plan.
      split.calls.length = 0;
      expect((await post(`${a.url}/rerank`, { query: "alpha", documents: texts.slice(0, 6) })).status).toBe(200);
      expect(split.calls).toEqual(["planScore", "scoreWithUsage"]);
    } finally {
      await q8.close();
    }
  }, 60_000);

  it("never splits an LLM reranker, whose cached prefix and left padding depend on the call", async () => {
    const overrides = '{"architectures":["Qwen3ForSequenceClassification"],"classifier_from_token":["no","yes"],"is_original_qwen3_reranker":true}';
    const llm = await loadWorkerScorer("test/golden/llm-rerankers/qwen3-causal", { workers: 2, threads: 1, hfOverrides: overrides, chatTemplate: "qwen3-reranker" });
    try {
      expect(llm.batchInvariant).toBe(false);
      expect(llm.microBatchSplit).toBe(false);
      const split = counted(llm, ["scoreWithUsage"]);
      const { url } = await start({ scorer: split.scorer, concurrency: 2 });
      expect((await post(`${url}/rerank`, { query: "alpha", documents: texts.slice(0, 8) })).status).toBe(200);
      expect(split.calls).toHaveLength(1);
    } finally {
      await llm.close();
    }
  }, 60_000);
});
