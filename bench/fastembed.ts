/**
 * #23 item 2 (`npm run bench -- fastembed [minilm|base]`): rerank-kit against fastembed (Qdrant's
 * JS embedding library on onnxruntime-node) on the same ONNX weights and texts: CLS-pooled,
 * normalized BERT bi-encoders at the MiniLM-L6 and BERT-base shapes
 * (scripts/reference/bench_engine_models.py; CLS is fastembed's only pooling, so both compute the
 * same vectors, which the rows check), 1000 passages of 20-80 words. Each engine runs in its own
 * process (fastembed ships its own onnxruntime-node 1.21), calls alternated, peak RSS per process.
 * fastembed comes from the bench-only sidecar bench/engines (`npm run bench:setup`).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { maxAbs } from "./anchor.js";
import { probePython } from "./anchor-python.js";
import { startEngine, type EngineChild } from "./child-engine.js";
import { QUICK, sized } from "./measure.js";
import { recordTarget, skipTarget } from "./targets.js";
import { makeWorkload } from "./workload.js";

const THREADS = availableParallelism();
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..");
const FASTEMBED = join(HERE, "engines", "fastembed-child.mjs");
const SHAPES = { minilm: "MiniLM-L6 shape", base: "BERT-base shape" } as const;
type Shape = keyof typeof SHAPES;
/** fastembed's `maxLength` covering the longest passage (80 words, under 128 tokens), so nothing is cut. */
const MATCHED = 128;
/**
 * fastembed's defaults pad every text to 512 tokens in batches of 256: on the MiniLM-L6 shape one
 * such batch peaked at 16.4 GB, so that row runs one batch (256 passages), and only on that shape
 * unless RERANK_KIT_BENCH_HEAVY=1 (the BERT-base shape needs about twice that).
 */
const DEFAULT_PASSAGES = 256;
const target = (shape: Shape) => `embeddings fp32 (${shape === "minilm" ? "MiniLM-L6" : "BERT-base"}) vs fastembed, maxLength ${MATCHED}`;

/** Whether bench/engines has fastembed installed; else why not. */
export function enginesInstalled(pkg: string): true | string {
  return existsSync(join(HERE, "engines", "node_modules", pkg, "package.json")) ? true : `${pkg} is not installed: run \`npm run bench:setup\``;
}

function ensureModel(root: string, shape: Shape): { dir: string } | string {
  const dir = join(root, `st-cls-${shape}`);
  if (existsSync(join(dir, "onnx", "model.onnx"))) return { dir };
  const probe = probePython();
  if (!probe.ok) return probe.reason;
  console.log(`generating ${dir} with scripts/reference/bench_engine_models.py (a few minutes) ...`);
  const gen = spawnSync("nice", ["-n", "19", probe.command, join(REPO, "scripts", "reference", "bench_engine_models.py"), "--out", root, "--only", `cls-${shape}`], { encoding: "utf8" });
  if (gen.error || gen.status !== 0) return `bench_engine_models.py failed: ${(gen.error?.message ?? gen.stderr.trim().split("\n").pop()) || "no output"}`;
  return { dir };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Warm-up of each, then `rounds` alternated timed calls; medians, last outputs, peak RSS of each process. */
async function race(engines: Record<string, () => Promise<EngineChild>>, rounds = 3) {
  const started: Record<string, EngineChild> = {};
  const times: Record<string, number[]> = {};
  const outputs: Record<string, number[][]> = {};
  const peak: Record<string, number> = {};
  try {
    for (const [name, start] of Object.entries(engines)) started[name] = await start();
    for (const e of Object.values(started)) await e.call(true);
    for (let r = 0; r < rounds; r++) {
      for (const [name, e] of Object.entries(started)) {
        const { ms, output } = await e.call();
        (times[name] ??= []).push(ms);
        outputs[name] = output as number[][];
      }
    }
    for (const [name, e] of Object.entries(started)) peak[name] = await e.close();
  } catch (error) {
    for (const e of Object.values(started)) e.kill();
    throw error;
  }
  return { ms: (n: string) => median(times[n]!), output: (n: string) => outputs[n]!, peak: (n: string) => peak[n]! };
}

const rk = (dir: string, texts: string[]) => () =>
  startEngine(process.execPath, ["--import", "tsx", join(HERE, "embed-child.ts")], { dir, texts, dtype: "fp32", threads: THREADS }, REPO);
const fe = (dir: string, texts: string[], maxLength?: number) => () =>
  startEngine(process.execPath, [FASTEMBED], { dir, modelName: join("onnx", "model.onnx"), texts, maxLength }, REPO);

async function rows(dir: string, shape: Shape): Promise<void> {
  const passages = makeWorkload(sized(1000), 20, 80, 11).documents;
  const n = passages.length;
  const r = await race({ rk: rk(dir, passages), fe: fe(dir, passages, MATCHED) }, QUICK ? 1 : 3);
  const err = Math.max(...r.output("rk").map((v, i) => maxAbs(v, r.output("fe")[i]!)));
  const pps = (ms: number, count: number) => (count / (ms / 1000)).toFixed(1);
  console.log(`${SHAPES[shape]}, CLS pooling + normalize, ${n} passages of 20-80 words:`);
  console.log(`  fastembed embed(), maxLength ${MATCHED} (matched: no passage is cut), batch 256: ${r.ms("fe").toFixed(0)} ms  ${pps(r.ms("fe"), n)} passages/s  peak RSS ${r.peak("fe").toFixed(0)} MB`);
  console.log(`  rerank-kit embed() fp32                                 : ${r.ms("rk").toFixed(0)} ms  ${pps(r.ms("rk"), n)} passages/s  peak RSS ${r.peak("rk").toFixed(0)} MB  (max |vector difference| ${err.toExponential(1)})`);
  recordTarget(target(shape), r.ms("fe") / r.ms("rk"), 3, `(peak RSS ${r.peak("rk").toFixed(0)} vs ${r.peak("fe").toFixed(0)} MB; max vector diff ${err.toExponential(1)})`);
  if (shape === "base" && process.env["RERANK_KIT_BENCH_HEAVY"] !== "1") {
    console.log(`  fastembed with its defaults: skipped on this shape (set RERANK_KIT_BENCH_HEAVY=1; one batch of 256 padded to 512 needs over 20 GB)`);
    return;
  }
  const some = passages.slice(0, sized(DEFAULT_PASSAGES));
  const d = await race({ rk: rk(dir, some), fe: fe(dir, some) }, 1);
  console.log(`  as users call it (defaults: maxLength 512, every text padded to it, batch 256), ${some.length} passages:`);
  console.log(`    fastembed ${d.ms("fe").toFixed(0)} ms, peak RSS ${d.peak("fe").toFixed(0)} MB | rerank-kit ${d.ms("rk").toFixed(0)} ms, peak RSS ${d.peak("rk").toFixed(0)} MB: ${(d.ms("fe") / d.ms("rk")).toFixed(1)}x`);
}

/** Runs the fastembed rows for `shapes` (default both); `root` is bench/.models. */
export async function benchFastembed(root: string, shapes: Shape[] = ["minilm", "base"]): Promise<void> {
  console.log(`\n## Embeddings vs fastembed on the same ONNX weights, each engine in its own process, calls alternated`);
  const installed = enginesInstalled("fastembed");
  for (const shape of shapes) {
    if (installed !== true) {
      skipTarget(target(shape), installed);
      continue;
    }
    const model = ensureModel(root, shape);
    if (typeof model === "string") {
      skipTarget(target(shape), model);
      continue;
    }
    try {
      await rows(model.dir, shape);
    } catch (error) {
      skipTarget(target(shape), (error as Error).message);
    }
  }
}
