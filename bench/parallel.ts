/**
 * Parallelism on a 2-core machine: one ONNX Runtime session with 2 intra-op threads against two
 * single-thread sessions in two worker threads, for one large call (1 query x 100 long documents)
 * and for many concurrent small calls (16 concurrent 4-document requests). The numbers behind
 * the defaults: in process for one-shot jobs, one worker with all cores for a library in a
 * long-lived process, and one single-thread worker per core for `serve`.
 */
import { availableParallelism } from "node:os";
import { loadScorer } from "../src/local/index.js";
import { loadWorkerScorer } from "../src/local/worker-pool/index.js";
import type { Scorer } from "../src/types.js";
import { makeWorkload } from "./workload.js";

interface Config {
  name: string;
  open: () => Promise<Scorer>;
  /** Split one large call into this many concurrent parts (one per worker). */
  split?: number;
}

/** Median of `xs`. */
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Wall time of one run of `fn`, in ms. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Runs the comparison on a cross-encoder folder (fp32) and prints pairs/s and calls/s. All
 * configurations stay loaded and rounds alternate between them, so background load on the
 * shared machine hits each alike; each figure is the median of `rounds` rounds.
 */
export async function benchParallel(modelDir: string, rounds = 3): Promise<void> {
  const cores = availableParallelism();
  const large = makeWorkload(100, 30, 400);
  const small = makeWorkload(4 * 64, 30, 90, 7);
  const requests = Array.from({ length: 64 }, (_, i) => small.documents.slice(i * 4, i * 4 + 4));
  console.log(
    `\n## parallelism (MiniLM-L6 shape, fp32, ${cores} cores): 1 session x ${cores} threads vs ${cores} workers x 1 thread, median of ${rounds} alternating rounds`,
  );
  const configs: Config[] = [
    { name: `in process, 1 session x ${cores} threads`, open: () => loadScorer(modelDir, { threads: cores }) },
    { name: `1 worker x ${cores} threads`, open: () => loadWorkerScorer(modelDir, { threads: cores }) },
    { name: `${cores} workers x 1 thread`, open: () => loadWorkerScorer(modelDir, { workers: cores, threads: 1 }), split: cores },
  ];
  const scorers = await Promise.all(configs.map((c) => c.open()));
  try {
    const parts = (n: number): string[][] => Array.from({ length: n }, (_, k) => large.documents.filter((_, i) => i % n === k));
    const cases = configs.flatMap((config, i) => {
      const scorer = scorers[i] as Scorer;
      const out = [
        { key: `${i}-whole`, run: () => scorer.score(large.query, large.documents) },
        {
          key: `${i}-c1`,
          run: async () => {
            for (let r = 0; r < 16; r++) await scorer.score(small.query, requests[r] as string[]);
          },
        },
        { key: `${i}-c16`, run: () => Promise.all(Array.from({ length: 16 }, (_, r) => scorer.score(small.query, requests[r] as string[]))) },
      ];
      if (config.split) out.push({ key: `${i}-split`, run: () => Promise.all(parts(config.split as number).map((p) => scorer.score(large.query, p))) });
      return out;
    });
    // Warm every session (the first runs allocate ORT's arenas).
    for (const scorer of scorers) await Promise.all([scorer.score(large.query, large.documents.slice(0, 8)), scorer.score(large.query, large.documents.slice(8, 16))]);
    const times = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const c of cases) times.set(c.key, [...(times.get(c.key) ?? []), await timed(c.run)]);
    }
    const ms = (key: string): number => median(times.get(key) ?? [NaN]);
    const pps = (t: number): string => `${(large.documents.length / (t / 1000)).toFixed(1)} pairs/s`;
    configs.forEach((config, i) => {
      const split = times.has(`${i}-split`) ? ` | split over the workers ${ms(`${i}-split`).toFixed(0)} ms (${pps(ms(`${i}-split`))})` : "";
      console.log(
        `${config.name.padEnd(34)} 1x100 call ${ms(`${i}-whole`).toFixed(0).padStart(6)} ms (${pps(ms(`${i}-whole`))})${split}` +
          ` | 4-doc calls: one at a time ${(16 / (ms(`${i}-c1`) / 1000)).toFixed(1)}/s, 16 at once ${(16 / (ms(`${i}-c16`) / 1000)).toFixed(1)}/s`,
      );
    });
    console.log(
      `one 1x100 call, speed of 1 worker x ${cores} threads over one single-thread worker: ${(ms("2-whole") / ms("1-whole")).toFixed(2)}x, ` +
        `over the call split across ${cores} single-thread workers: ${(ms("2-split") / ms("1-whole")).toFixed(2)}x`,
    );
    console.log(
      `concurrent 4-doc calls: ${cores} workers x 1 thread ${(ms("1-c16") / ms("2-c16")).toFixed(2)}x the calls/s of 1 worker x ${cores} threads, ` +
        `${(ms("0-c16") / ms("2-c16")).toFixed(2)}x in process`,
    );
  } finally {
    await Promise.all(scorers.map((s) => s.close()));
  }
}
