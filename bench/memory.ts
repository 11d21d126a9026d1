/**
 * #23 item 3, library half (`npm run bench -- memory [minutes]`): #23's mixed requests
 * (workload.ts `mixedRequest`: 1-200 documents of 5-2000 words, seeded) through one in-process
 * scorer for `minutes`, RSS sampled every second (memory-rss.ts has the verdict). Each run is a
 * child process, so its RSS is its own, and may set ONNX Runtime's memory options (see
 * memory-arena.ts): `arena` measures what each costs in RSS and in speed.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { loadScorer } from "../src/index.js";
import type { LoadScorerOptions } from "../src/local/options.js";
import { ARENA_VARIANTS, applyArenaVariant, type ArenaVariant } from "./memory-arena.js";
import { recordRss, sampleRss, summariseRss, type RssSample, type RssSummary } from "./memory-rss.js";
import { QUICK } from "./measure.js";
import { mixedRequest, type MixLimits } from "./workload.js";

const THREADS = availableParallelism();

/** One model the memory sections run. */
export interface MemoryModel {
  dir: string;
  label: string;
  /** Loader options (an LLM reranker's template and overrides). */
  options?: LoadScorerOptions;
  /** Scales the mix down for slow models. */
  limits?: MixLimits;
  /** The stated peak-RSS bound in process, MB. */
  libraryBoundMb: number;
  /** The stated peak-RSS bound of `serve` (all its workers), MB. */
  serveBoundMb: number;
}

interface ChildResult {
  samples: RssSample[];
  requests: number;
  pairs: number;
  seconds: number;
}

/**
 * The child's job: the mixed loop in this process, with `variant`'s ONNX Runtime options, for
 * `minutes` or, when `count` is given, for exactly the first `count` requests of the mix.
 */
async function runLoop(model: MemoryModel, minutes: number, variant: ArenaVariant, count?: number): Promise<ChildResult> {
  await applyArenaVariant(variant);
  const scorer = await loadScorer(model.dir, { threads: THREADS, ...model.options });
  const rss = sampleRss(() => process.memoryUsage.rss() / 2 ** 20);
  const t0 = performance.now();
  let requests = 0;
  let pairs = 0;
  const more = (seed: number): boolean => (count === undefined ? performance.now() - t0 < minutes * 60_000 : seed <= count);
  for (let seed = 1; more(seed); seed++) {
    const { query, documents } = mixedRequest(seed, model.limits);
    await scorer.rerank(query, documents);
    requests++;
    pairs += documents.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  rss.stop();
  await scorer.close();
  return { samples: rss.samples, requests, pairs, seconds };
}

function runChild(model: MemoryModel, minutes: number, variant: ArenaVariant, count?: number): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [...process.execArgv, self, "--child", JSON.stringify({ model, minutes, variant, count })], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = child.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`memory child (${variant}) failed: exit ${child.status}`);
  return JSON.parse(line) as ChildResult;
}

/** Runs the mixed workload on `model` in process for `minutes` and records its two targets. */
export function benchMemory(model: MemoryModel, minutes = QUICK ? 0.5 : 5): RssSummary {
  const limits = model.limits?.maxDocuments ? `1-${model.limits.maxDocuments}` : "1-200";
  console.log(`\n## Flat memory: ${model.label}, mixed requests (${limits} docs, 5-2000 words) for ${minutes} min in process, RSS sampled every second`);
  const result = runChild(model, minutes, "default");
  console.log(`  ${result.requests} requests, ${result.pairs} pairs (${(result.pairs / result.seconds).toFixed(1)} pairs/s)`);
  const summary = summariseRss(result.samples, minutes);
  recordRss(`${model.label}, library`, summary, model.libraryBoundMb);
  return summary;
}

/**
 * ONNX Runtime's memory options against the default, each in its own process on the same first
 * `count` requests of the mix: level (after the first fifth), final and peak RSS, and pairs/s
 * relative to the default (the variants run in turn, so on a shared machine the speed column is
 * indicative only).
 */
export function benchArena(model: MemoryModel, count = QUICK ? 7 : 14): void {
  console.log(`\n## ONNX Runtime memory options: ${model.label}, the first ${count} requests of the mix per option, each in its own process`);
  let base: number | undefined;
  for (const variant of Object.keys(ARENA_VARIANTS) as ArenaVariant[]) {
    const r = runChild(model, Infinity, variant, count);
    const s = summariseRss(r.samples, r.seconds / 60);
    const speed = r.pairs / r.seconds;
    base ??= speed;
    console.log(
      `  ${variant.padEnd(16)} level ${s.level.toFixed(0).padStart(5)} MB, final ${s.final.toFixed(0).padStart(5)} MB, peak ${s.peak.toFixed(0).padStart(5)} MB; ` +
        `${speed.toFixed(1)} pairs/s (${(speed / base).toFixed(2)}x default; ${r.requests} requests)  ${ARENA_VARIANTS[variant]}`,
    );
  }
}

if (process.argv[2] === "--child") {
  const { model, minutes, variant, count } = JSON.parse(process.argv[3] as string) as { model: MemoryModel; minutes: number; variant: ArenaVariant; count?: number };
  const result = await runLoop(model, minutes, variant, count);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
