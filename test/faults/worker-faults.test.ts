/**
 * A worker that dies mid-batch and a progress callback that throws: the call rejects with a typed
 * error, the process lives and the pool serves the next call (issue 12 item 2).
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScorer, loadWorkerScorer, RerankKitError, type WorkerScorer } from "../../src/index.js";
import { modelDir } from "../local/helpers.js";

const DOCS = ["paris is the capital of france", "bananas are yellow", "berlin is in germany", "the sky is blue"];
let dir: string;
beforeAll(async () => {
  dir = await modelDir("cross-encoder");
});

describe("a worker that crashes mid-batch", () => {
  let scorer: WorkerScorer;
  beforeAll(async () => {
    scorer = await loadWorkerScorer(dir, { threads: 1, loader: fileURLToPath(new URL("./crash-loader.ts", import.meta.url)) });
  });
  afterAll(async () => {
    await scorer.close();
  });

  it("rejects the call with a RerankKitError and the pool answers the next call", async () => {
    const expected = await scorer.score("capital", DOCS);
    const err = await scorer.score("capital", ["CRASH", ...DOCS]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RerankKitError);
    expect((err as Error).message).toMatch(/worker exited \(code 3\)/);
    expect(await scorer.score("capital", DOCS)).toEqual(expected);
  });
});

describe("an onProgress callback that throws", () => {
  const boom = (): never => {
    throw new Error("progress callback failed");
  };

  it("rejects the in-process call with the callback's error", async () => {
    const local = await loadScorer(dir, { threads: 1, maxBatchSize: 1 });
    await expect(local.score("capital", DOCS, { onProgress: boom })).rejects.toThrow("progress callback failed");
    await expect(local.score("capital", DOCS)).resolves.toHaveLength(DOCS.length);
    await local.close();
  });

  it("rejects the worker call with the callback's error; the process lives and the worker keeps serving", async () => {
    const pool = await loadWorkerScorer(dir, { threads: 1, maxBatchSize: 1 });
    try {
      const exits: unknown[] = [];
      const onUncaught = (e: unknown): number => exits.push(e);
      process.on("uncaughtException", onUncaught);
      await expect(pool.score("capital", DOCS, { onProgress: boom })).rejects.toThrow("progress callback failed");
      // The later progress messages of the cancelled call arrive and must be ignored, not thrown.
      await new Promise((r) => setTimeout(r, 200));
      process.off("uncaughtException", onUncaught);
      expect(exits).toEqual([]);
      await expect(pool.score("capital", DOCS)).resolves.toHaveLength(DOCS.length);
    } finally {
      await pool.close();
    }
  });
});
