/**
 * The `worker` load option: `loadScorer` and every class's `fromPretrained` return a worker-thread
 * proxy with the in-process scorer's answers, and its inference leaves the event loop free.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  BiEncoderScorer,
  CrossEncoderScorer,
  InvalidOptionError,
  LateInteractionScorer,
  LlmRerankerScorer,
  ModelLoadError,
  WorkerBiEncoder,
  WorkerLateInteraction,
  WorkerScorer,
  loadScorer,
  type Scorer,
} from "../../src/index.js";
import { DOCS, QUERY, modelDir } from "./helpers.js";

const open: Scorer[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});
function keep<T extends Scorer>(scorer: T): T {
  open.push(scorer);
  return scorer;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
};

/** Heartbeats of a 1 ms interval that fire after `run` starts and before it settles. */
async function heartbeatsDuring(run: () => Promise<unknown>): Promise<number> {
  let beats = 0;
  const timer = setInterval(() => beats++, 1);
  try {
    await run();
    return beats;
  } finally {
    clearInterval(timer);
  }
}

describe("the worker option", () => {
  it("loadScorer({ worker: true }) returns a worker scorer with the in-process scores", async () => {
    const dir = await modelDir("cross-encoder");
    const inProcess = keep(await loadScorer(dir));
    const pooled = keep(await loadScorer(dir, { worker: true }));
    expect(inProcess).toBeInstanceOf(CrossEncoderScorer);
    expect(pooled).toBeInstanceOf(WorkerScorer);
    expect(pooled.workers).toBe(1);
    expect(pooled.scoreType).toBe("cross-encoder");
    const expected = await inProcess.score(QUERY, DOCS);
    // The parity fixture's scores differ across these documents by far more than the tolerance.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(await pooled.score(QUERY, DOCS), expected)).toBeLessThanOrEqual(1e-6);
    expect((await pooled.rerank(QUERY, DOCS)).map((r) => r.index)).toEqual((await inProcess.rerank(QUERY, DOCS)).map((r) => r.index));
  });

  it("each class's fromPretrained({ worker }) loads that family in a worker pool", async () => {
    const ce = keep(await CrossEncoderScorer.fromPretrained(await modelDir("cross-encoder"), { worker: { workers: 2, threads: 1 } }));
    expect(ce).toBeInstanceOf(WorkerScorer);
    expect(ce.workers).toBe(2);
    // Concurrent calls spread over both workers and still get their own answers.
    const reference = keep(await CrossEncoderScorer.fromPretrained(await modelDir("cross-encoder")));
    const concurrent = await Promise.all(DOCS.map((d) => ce.score(QUERY, d)));
    expect(maxAbsDiff(concurrent.flat(), await reference.score(QUERY, DOCS))).toBeLessThanOrEqual(1e-6);

    const biDir = await modelDir("bi-encoder-mean");
    const bi = keep(await BiEncoderScorer.fromPretrained(biDir, { worker: true }));
    expect(bi).toBeInstanceOf(WorkerBiEncoder);
    const biLocal = keep(await BiEncoderScorer.fromPretrained(biDir));
    const [got] = await bi.embed(["paris is the capital of france."], { kind: "query" });
    const [want] = await biLocal.embed(["paris is the capital of france."], { kind: "query" });
    expect(maxAbsDiff(got as Float32Array, want as Float32Array)).toBeLessThanOrEqual(1e-6);

    const colbertDir = await modelDir("colbert-pylate");
    const colbert = keep(await LateInteractionScorer.fromPretrained(colbertDir, { worker: true }));
    expect(colbert).toBeInstanceOf(WorkerLateInteraction);
    const colbertLocal = keep(await LateInteractionScorer.fromPretrained(colbertDir));
    expect(maxAbsDiff(await colbert.score(QUERY, DOCS), await colbertLocal.score(QUERY, DOCS))).toBeLessThanOrEqual(1e-5);
  });

  it("keeps each class's family check in the worker", async () => {
    const biDir = await modelDir("bi-encoder-mean");
    const error = await CrossEncoderScorer.fromPretrained(biDir, { worker: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/bi-encoder/);
    // An LLM reranker needs a causal LM; a BERT cross-encoder is refused in the worker too.
    await expect(LlmRerankerScorer.fromPretrained(await modelDir("cross-encoder"), { worker: true })).rejects.toBeInstanceOf(Error);
  });

  it("rejects bad worker values and misplaced pool options before any thread starts", async () => {
    const dir = await modelDir("cross-encoder");
    const cases: Array<[unknown, RegExp]> = [
      ["yes", /option `worker` must be true, false, or \{ workers, threads \}, got "yes"/],
      [1, /option `worker` must be/],
      [[2], /got an array/],
      [{ workers: 0 }, /`workers` must be an integer >= 1, got 0/],
      [{ threads: 1.5 }, /`threads` must be an integer >= 1, got 1.5/],
      [{ thread: 1 }, /unknown option `thread` \(did you mean `threads`\?\)/],
    ];
    for (const [worker, message] of cases) {
      const error = await loadScorer(dir, { worker } as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(worker)).toBeInstanceOf(InvalidOptionError);
      expect((error as Error).message).toMatch(message);
      await expect(CrossEncoderScorer.fromPretrained(dir, { worker } as never)).rejects.toBeInstanceOf(InvalidOptionError);
    }
    // The pool's size belongs inside `worker`; at the top level it is named as misplaced.
    await expect(loadScorer(dir, { workers: 2 } as never)).rejects.toThrow(/option `workers` is not supported here/);
    // `worker: false` is the in-process scorer.
    expect(keep(await loadScorer(dir, { worker: false }))).toBeInstanceOf(CrossEncoderScorer);
  });

  it("leaves the event loop ticking during a long scoring call, unlike in process", async () => {
    // One micro-batch of 24 long pairs on the 128-wide demo model: a single synchronous
    // ONNX Runtime run of a few hundred ms.
    const dir = await modelDir("demo-cross-encoder");
    const docs = Array.from({ length: 24 }, (_, i) => Array.from({ length: 400 }, (_, w) => `word${(i * 7 + w) % 97}`).join(" "));
    const batch = { maxBatchTokens: 1_000_000, maxBatchSize: 64, threads: 1 };
    const inProcess = keep(await loadScorer(dir, batch));
    const pooled = keep(await loadScorer(dir, { ...batch, worker: true }));
    await inProcess.score(QUERY, docs.slice(0, 2)); // warm both sessions
    await pooled.score(QUERY, docs.slice(0, 2));
    let pooledScores: number[] = [];
    const pooledBeats = await heartbeatsDuring(async () => (pooledScores = await pooled.score(QUERY, docs)));
    let localScores: number[] = [];
    const localBeats = await heartbeatsDuring(async () => (localScores = await inProcess.score(QUERY, docs)));
    expect(maxAbsDiff(pooledScores, localScores)).toBeLessThanOrEqual(1e-5);
    // In process the run holds the thread: the timer can only fire in the few loop turns around it.
    expect(localBeats).toBeLessThanOrEqual(4);
    // In the worker the main thread is idle for the whole run and the timer keeps firing.
    expect(pooledBeats).toBeGreaterThanOrEqual(10);
  });
});
