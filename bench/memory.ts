/**
 * #23 item 3, library half (`npm run bench -- memory [minutes]`): mixed requests (1-200
 * documents of 5-2000 words, seeded) through one in-process scorer for `minutes` (default 5),
 * RSS sampled every second. Criterion: RSS levels off, i.e. the final RSS is within 15 % of the
 * level after the first minute (the max over the first minute), and stays under a stated bound.
 * Not yet here: the same through `serve`, and ONNX Runtime's arena options with their speed cost.
 */
import { availableParallelism } from "node:os";
import { loadScorer } from "../src/index.js";
import { QUICK } from "./measure.js";
import { recordLimit, recordTarget } from "./targets.js";
import { makeWorkload } from "./workload.js";

const THREADS = availableParallelism();
/** The stated bound for the MiniLM-L6-shaped cross-encoder, fp32. */
const BOUND_MB = 1500;

/** Runs the mixed workload on the model in `dir` for `minutes`. */
export async function benchMemory(dir: string, label: string, minutes = QUICK ? 0.5 : 5): Promise<void> {
  console.log(`\n## Flat memory: ${label}, mixed requests (1-200 docs, 5-2000 words) for ${minutes} min in process, RSS sampled every second`);
  const scorer = await loadScorer(dir, { threads: THREADS });
  const samples: { t: number; mb: number }[] = [];
  const t0 = performance.now();
  const timer = setInterval(() => samples.push({ t: (performance.now() - t0) / 60_000, mb: process.memoryUsage.rss() / 2 ** 20 }), 1000);
  let requests = 0;
  let seed = 1;
  while (performance.now() - t0 < minutes * 60_000) {
    // Many small requests, some large ones: the arena's high-water mark is what could grow.
    const count = seed % 7 === 0 ? 100 + (seed % 101) : 1 + (seed % 20);
    const words = seed % 5 === 0 ? 500 + ((seed * 37) % 1501) : 5 + ((seed * 13) % 200);
    const { query, documents } = makeWorkload(count, Math.max(5, words / 2), words, seed++);
    await scorer.rerank(query, documents);
    requests++;
  }
  clearInterval(timer);
  await scorer.close();
  const firstMinute = Math.min(1, minutes / 5);
  const level = Math.max(...samples.filter((s) => s.t <= firstMinute).map((s) => s.mb));
  const final = samples.at(-1)?.mb ?? level;
  const peak = Math.max(...samples.map((s) => s.mb));
  const minuteMarks = samples.filter((_, i) => i % 60 === 59).map((s) => s.mb.toFixed(0));
  console.log(`  ${requests} requests; RSS level after ${firstMinute} min ${level.toFixed(0)} MB, final ${final.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; per minute: ${minuteMarks.join(", ")} MB`);
  recordTarget(`RSS levels off (${label}): level / final`, level / final, 0.87, `(final ${final.toFixed(0)} MB vs level ${level.toFixed(0)} MB; ok = final within 15 %)`);
  recordLimit(`peak RSS over the mixed workload (${label})`, Math.round(peak), BOUND_MB, "MB");
}
