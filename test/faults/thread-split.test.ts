/**
 * Thread splitting across workers (issue 22): several workers without `threads` share the cores
 * (`floor(cores / workers)` ONNX Runtime threads each, at least 1), an explicit `threads` is kept,
 * and one worker gets all cores. Checked on what each worker reports it opened its sessions with.
 */
import { availableParallelism } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { loadWorkerScorer } from "../../src/index.js";
import { modelDir } from "../local/helpers.js";

const cores = availableParallelism();
let dir: string;
beforeAll(async () => {
  dir = await modelDir("cross-encoder");
});

async function threadsOf(options: { workers?: number; threads?: number }): Promise<number | undefined> {
  const pool = await loadWorkerScorer(dir, options);
  try {
    await pool.score("capital", ["paris"]);
    return pool.threads;
  } finally {
    await pool.close();
  }
}

describe("intra-op threads of a worker pool", () => {
  // With one core the split and the unsplit pool look alike; every CI machine here has 2.
  it.runIf(cores >= 2)("two workers without `threads` get floor(cores / 2) each, not all cores", async () => {
    expect(await threadsOf({ workers: 2 })).toBe(Math.max(1, Math.floor(cores / 2)));
  }, 60_000);

  it("an explicit `threads` is kept for every worker", async () => {
    expect(await threadsOf({ workers: 2, threads: 3 })).toBe(3);
  }, 60_000);

  it("one worker gets all cores", async () => {
    expect(await threadsOf({ workers: 1 })).toBe(cores);
  }, 60_000);
});
