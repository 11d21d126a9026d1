/**
 * #23 item 1 (`npm run bench -- llama [20|100]`): rerank-kit against llama.cpp (node-llama-cpp's
 * ranking context, how JavaScript users run Qwen3-Reranker GGUFs) on the full Qwen3-Reranker-0.6B
 * shape with the same seeded weights: rerank-kit fp32 / q8 / q4 ONNX against llama.cpp F16 / Q8_0 /
 * Q4_K_M GGUF, 1 query x 20 and x 100 documents of 30-300 words, 2 threads each. Each engine runs in
 * its own process (peak RSS is that process's), both loaded at once, calls alternated.
 *
 * Both engines score the same prompts (the Qwen3-Reranker template, each prompt tokenized whole):
 * rerank-kit's raw logit `z_yes - z_no` against llama.cpp's `softmax([yes, no])[0]` turned back into
 * that logit. A row whose scores disagree beyond its precision's drift prints VOID and records no
 * target. The model and GGUFs come from scripts/reference/qwen3_reranker_full.py (bench/README.md);
 * without them, or without node-llama-cpp (`npm run bench:setup`), the section says so and skips.
 */
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEngine, type EngineChild } from "./child-engine.js";
import { QUICK, peakRssMb } from "./measure.js";
import { recordLimit, recordTarget, skipTarget } from "./targets.js";
import { makeWorkload } from "./workload.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..");
const LLAMA_CHILD = join(HERE, "engines", "llama-child.mjs");
/** The threads each engine gets (the setting; the machine may have more). */
const THREADS = 2;
/** The generated model folder under bench/.models (its name carries the preset: qwen3-reranker-0.6b). */
export const LLAMA_MODEL = "qwen3-reranker-0.6b-full";

type RkDtype = "fp32" | "q8" | "q4";
interface Precision {
  rk: RkDtype;
  gguf: string;
  label: string;
  /** Largest |logit difference| between the engines that is still quantization drift, not a different computation. */
  tolerance: number;
  /** Speed target (rerank-kit pairs/s over llama.cpp's), when the issue sets one. */
  target?: number;
}
// Tolerances: fp32 against F16 weights is rounding only; the two 8-bit schemes (per-tensor int8 with
// dynamic activations vs per-32-block Q8_0) and the two 4-bit ones (MatMulNBits block 32 vs Q4_K
// super-blocks) each move logits on their own, by the drift of each engine against fp32.
const PRECISIONS: Precision[] = [
  { rk: "fp32", gguf: "model-f16.gguf", label: "fp32 vs F16", tolerance: 0.02 },
  { rk: "q8", gguf: "model-q8_0.gguf", label: "q8 vs Q8_0", tolerance: 0.15, target: 3 },
  { rk: "q4", gguf: "model-q4_k_m.gguf", label: "q4 vs Q4_K_M", tolerance: 0.6, target: 2 },
];

const ONNX_FILE: Record<RkDtype, string> = { fp32: "onnx/model.onnx", q8: "onnx/model_quantized.onnx", q4: "onnx/model_q4.onnx" };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const logit = (p: number) => Math.log(p / (1 - p));

interface Side {
  child: EngineChild;
  times: number[];
  scores: number[];
  /** Tokens of each prompt, as the engine counted them. */
  tokens: number[];
}

/** Warm-up of each, then `rounds` alternated timed calls of the whole workload. */
async function race(starts: Record<"rk" | "llama", () => Promise<EngineChild>>, rounds: number): Promise<Record<"rk" | "llama", Side & { peakMb: number }>> {
  const sides: Partial<Record<"rk" | "llama", Side>> = {};
  try {
    for (const name of ["rk", "llama"] as const) sides[name] = { child: await starts[name](), times: [], scores: [], tokens: [] };
    for (const s of Object.values(sides)) await s.child.call(true);
    for (let r = 0; r < rounds; r++) {
      for (const s of Object.values(sides)) {
        const { ms, output } = await s.child.call();
        s.times.push(ms);
        ({ scores: s.scores, tokens: s.tokens } = output as { scores: number[]; tokens: number[] });
      }
    }
    const rk = sides.rk as Side;
    const llama = sides.llama as Side;
    return { rk: { ...rk, peakMb: await rk.child.close() }, llama: { ...llama, peakMb: await llama.child.close() } };
  } catch (error) {
    for (const s of Object.values(sides)) s.child.kill();
    throw error;
  }
}

/** Why the section cannot run, or undefined when everything it needs is there. */
function missing(dir: string): string | undefined {
  if (!existsSync(join(HERE, "engines", "node_modules", "node-llama-cpp", "package.json"))) return "node-llama-cpp is not installed: run `npm run bench:setup`";
  if (!existsSync(join(dir, ONNX_FILE.fp32))) return `no model at ${dir}: generate it as bench/README.md says (scripts/reference/qwen3_reranker_full.py)`;
  return undefined;
}

/** Runs the llama.cpp rows on 1 query x each of `counts` documents; `root` is bench/.models. */
export async function benchLlama(
  root: string,
  counts: number[] = [20, 100],
  only: { dtypes?: RkDtype[] | undefined; rounds?: number | undefined } = {},
): Promise<void> {
  const dir = join(root, LLAMA_MODEL);
  console.log(`\n## LLM reranker vs llama.cpp (node-llama-cpp ranking context), Qwen3-Reranker-0.6B shape (28 layers), ${THREADS} threads each`);
  const why = missing(dir);
  for (const p of PRECISIONS.filter((x) => only.dtypes?.includes(x.rk) ?? true)) {
    for (const n of counts) {
      const name = `LLM reranker ${p.label}, 1 x ${n} docs`;
      if (why) {
        if (p.target) skipTarget(name, why);
        continue;
      }
      if (!existsSync(join(dir, ONNX_FILE[p.rk])) || !existsSync(join(dir, "gguf", p.gguf))) {
        const reason = `missing ${existsSync(join(dir, ONNX_FILE[p.rk])) ? join("gguf", p.gguf) : ONNX_FILE[p.rk]} in ${dir}`;
        console.log(`  ${name}: skipped (${reason})`);
        if (p.target) skipTarget(name, reason);
        continue;
      }
      try {
        row(dir, p, n, await runRow(dir, p, n, only.rounds));
      } catch (error) {
        console.log(`  ${name}: failed (${(error as Error).message})`);
        if (p.target) skipTarget(name, (error as Error).message);
      }
    }
  }
  if (why) console.log(`  skipped: ${why}`);
}

/** One row: a warm-up call of each engine, then `rounds` alternated timed calls (default 3, 1 in quick mode). */
function runRow(dir: string, p: Precision, n: number, rounds?: number) {
  const { query, documents } = makeWorkload(n, 30, 300, 23);
  const spec = { query, documents, threads: THREADS };
  return race(
    {
      rk: () => startEngine(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--rk-child"], { ...spec, dir, dtype: p.rk }, REPO),
      llama: () => startEngine(process.execPath, [LLAMA_CHILD], { ...spec, gguf: join(dir, "gguf", p.gguf) }, REPO),
    },
    rounds ?? (QUICK ? 1 : 3),
  );
}

function row(dir: string, p: Precision, n: number, r: Awaited<ReturnType<typeof runRow>>): void {
  const name = `LLM reranker ${p.label}, 1 x ${n} docs`;
  const llamaLogits = r.llama.scores.map(logit);
  const diff = Math.max(...r.rk.scores.map((z, i) => Math.abs(z - (llamaLogits[i] as number))));
  const sameTokens = r.rk.tokens.join(",") === r.llama.tokens.join(",");
  const pps = (side: Side) => n / (median(side.times) / 1000);
  const speed = pps(r.rk) / pps(r.llama);
  const tokens = r.rk.tokens.reduce((a, b) => a + b, 0);
  console.log(
    `  ${p.label}, 1 x ${n} docs (${tokens} tokens): rerank-kit ${pps(r.rk).toPrecision(3)} pairs/s, peak RSS ${r.rk.peakMb.toFixed(0)} MB | ` +
      `llama.cpp ${pps(r.llama).toPrecision(3)} pairs/s, peak RSS ${r.llama.peakMb.toFixed(0)} MB | ${speed.toFixed(2)}x; ` +
      `max |logit diff| ${diff.toExponential(2)} (drift allowed ${p.tolerance})${sameTokens ? "" : "; token counts differ"}`,
  );
  const load = (side: Side) => `${(Number(side.child.ready["loadMs"]) / 1000).toFixed(1)} s, ${Number(side.child.ready["loadPeakMb"]).toFixed(0)} MB`;
  console.log(`    load (time, peak RSS after load): rerank-kit ${load(r.rk)} | llama.cpp ${load(r.llama)}`);
  if (!sameTokens || !(diff <= p.tolerance)) {
    console.log(`  ${name}: VOID (${sameTokens ? "the engines' scores disagree beyond quantization drift" : "the engines tokenized the prompts differently"})`);
    if (p.target) skipTarget(name, "VOID: scores disagree");
    return;
  }
  if (!p.target) return;
  recordTarget(`${name} pairs/s`, speed, p.target, `(${pps(r.rk).toPrecision(3)} vs ${pps(r.llama).toPrecision(3)} pairs/s, ${dir.split("/").pop()})`);
  recordLimit(`${name} peak RSS`, Math.round(r.rk.peakMb), Math.round(r.llama.peakMb), "MB", "(limit: llama.cpp's peak RSS)");
}

/** rerank-kit's side (protocol in bench/child-engine.ts): the product path, `loadScorer` + `scoreWithUsage`. */
async function rkChild(): Promise<void> {
  const { loadScorer } = await import("../src/index.js");
  const spec = JSON.parse(readFileSync(process.argv.at(-1)!, "utf8")) as { dir: string; dtype: RkDtype; query: string; documents: string[]; threads: number };
  const t0 = performance.now();
  const scorer = await loadScorer(spec.dir, { dtype: spec.dtype, threads: spec.threads });
  if (!("scoreWithUsage" in scorer)) throw new Error(`${spec.dir} is not a reranker`);
  const loadMs = performance.now() - t0;
  // Raw logits: llama.cpp's probabilities are compared as logits, where q4 drift is not squashed.
  const score = (documents: string[]) => scorer.scoreWithUsage(spec.query, documents, { activation: false });
  const reply = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  reply({ ready: true, loadMs, loadPeakMb: peakRssMb() });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === "quit") {
      await scorer.close();
      reply({ peakMb: peakRssMb() });
      process.exit(0);
    }
    const docs = line === "warm" ? spec.documents.slice(0, 2) : spec.documents;
    const t1 = performance.now();
    const out = await score(docs);
    reply({ ms: performance.now() - t1, output: { scores: out.scores, tokens: out.pairTokens } });
  }
}

if (process.argv.includes("--rk-child")) await rkChild();
