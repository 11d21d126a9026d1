/**
 * #23 item 1 (`npm run bench -- llama [20|100]`): rerank-kit against llama.cpp (node-llama-cpp's
 * ranking context, how JavaScript users run Qwen3-Reranker GGUFs) on the full Qwen3-Reranker-0.6B
 * shape with the same seeded weights: rerank-kit fp32 / q8 / q4 ONNX against llama.cpp F16 / Q8_0 /
 * Q4_K_M GGUF, 1 query x 20 and x 100 documents of 30-300 words, 2 threads each. Each engine runs in
 * its own process (peak RSS is that process's), both loaded at once, calls alternated.
 *
 * Both engines score the same prompts (the Qwen3-Reranker template, each prompt tokenized whole):
 * rerank-kit's raw logit `z_yes - z_no` and llama.cpp's `softmax([yes, no])[0]` turned back into
 * that logit are each compared with the fp32 reference on the same prompts (transformers on the
 * model's safetensors, bench/llama-reference.ts). A row where either engine drifts from it beyond
 * its precision's allowance, or where the sides count different tokens, prints VOID and records no
 * target (bench/llama-verdict.ts). The model and GGUFs come from
 * scripts/reference/qwen3_reranker_full.py (bench/README.md); without them, or without
 * node-llama-cpp (`npm run bench:setup`), the section says so and skips.
 */
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEngine, type EngineChild } from "./child-engine.js";
import { fp32Reference } from "./llama-reference.js";
import { driftSummary, llamaRowVerdict, type DriftSummary, type EngineScores } from "./llama-verdict.js";
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
  /** Largest |logit - fp32 reference| either engine may show at this precision (each engine on its own). */
  allowance: number;
  /** Speed target (rerank-kit pairs/s over llama.cpp's), when the issue sets one. */
  target?: number;
  /** Other rerank-kit files of this dtype whose drift from fp32 is printed after the row (one untimed call each), never judged. */
  alsoDrift?: Array<{ file: string; label: string }>;
}
// Allowances, per engine against fp32, fixed before the first llama.cpp run (bench/README.md, "The
// verdict"). q4 stays at 0.6: a later estimate argued for 1.0 on an assumed logit spread of 0.9,
// but the measured spread is 0.21, so the argument fails and the allowance is not moved after
// seeing results. fp32 / F16 is rounding only; subtle errors quantization noise hides are that row's job.
const PRECISIONS: Precision[] = [
  { rk: "fp32", gguf: "model-f16.gguf", label: "fp32 vs F16", allowance: 0.02 },
  { rk: "q8", gguf: "model-q8_0.gguf", label: "q8 vs Q8_0", allowance: 0.15, target: 3 },
  // q4: onnx/model_q4.onnx is Q4_K_M's recipe in MatMulNBits terms (4-bit asymmetric blocks of 32, 8 bits
  // where Q4_K_M keeps Q6_K; bench/README.md, "The q4 file"); the form onnx-community ships is measured beside it.
  {
    rk: "q4",
    gguf: "model-q4_k_m.gguf",
    label: "q4 (4/8-bit mix) vs Q4_K_M",
    allowance: 0.6,
    target: 2,
    alsoDrift: [{ file: "onnx/model_q4_symmetric32.onnx", label: "onnx-community's form: every MatMul 4-bit, block 32, symmetric" }],
  },
];

const ONNX_FILE: Record<RkDtype, string> = { fp32: "onnx/model.onnx", q8: "onnx/model_quantized.onnx", q4: "onnx/model_q4.onnx" };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const logit = (p: number) => Math.log(p / (1 - p));
const std = (xs: readonly number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
};

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
  // Computed at the first row of each workload that runs, then reused (and cached on disk).
  const references = new Map<number, ReturnType<typeof fp32Reference>>();
  const reference = (n: number) => {
    if (!references.has(n)) {
      const { query, documents } = makeWorkload(n, 30, 300, 23);
      const ref = fp32Reference(dir, query, documents, THREADS);
      if ("reason" in ref) console.log(`  fp32 reference for 1 x ${n} docs: none (${ref.reason})`);
      else {
        const spread = std(ref.scores.logits);
        const how = ref.computed > 0 ? `${ref.computed} computed in ${ref.seconds.toFixed(0)} s` : "cached";
        console.log(`  fp32 reference for 1 x ${n} docs (transformers ${ref.versions?.["transformers"] ?? "?"}, torch fp32; ${how}): logit std ${spread.toFixed(3)}`);
      }
      references.set(n, ref);
    }
    const ref = references.get(n) as ReturnType<typeof fp32Reference>;
    return "reason" in ref ? undefined : ref.scores;
  };
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
        const ref = reference(n);
        row(dir, p, n, await runRow(dir, p, n, only.rounds), ref);
        for (const other of p.alsoDrift ?? []) {
          // Reported only: a failure here must not touch the row's recorded targets.
          await otherFileDrift(dir, p, n, other, ref).catch((error: unknown) => console.log(`    ${other.file}: drift not measured (${(error as Error).message})`));
        }
      } catch (error) {
        console.log(`  ${name}: failed (${(error as Error).message})`);
        if (p.target) skipTarget(name, (error as Error).message);
      }
    }
  }
  if (why) console.log(`  skipped: ${why}`);
}

/**
 * The drift from fp32 of another rerank-kit file of the row's dtype (e.g. the q4 form onnx-community
 * ships, beside the bench's own q4 file): one untimed call in its own child after the row's children
 * have closed, so the timed figures are untouched. Printed, never judged.
 */
async function otherFileDrift(dir: string, p: Precision, n: number, other: { file: string; label: string }, reference: EngineScores | undefined): Promise<void> {
  if (!existsSync(join(dir, other.file))) {
    console.log(`    ${other.file} (${other.label}): not in ${dir}, drift not measured`);
    return;
  }
  if (!reference) return;
  const { query, documents } = makeWorkload(n, 30, 300, 23);
  const child = await startEngine(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--rk-child"],
    { query, documents, threads: THREADS, dir, dtype: p.rk, onnxFile: other.file },
    REPO,
  );
  try {
    const { output } = await child.call();
    const scores = (output as { scores: number[] }).scores;
    console.log(`    ${other.file} (${other.label}), rerank-kit, untimed: ${driftLine(driftSummary(scores, reference.logits))} (not judged)`);
  } finally {
    await child.close();
  }
}

/** `max |drift| 0.820, mean signed -0.530 (-0.820..-0.360), Pearson 0.90`: one engine against the fp32 reference. */
function driftLine(s: DriftSummary): string {
  const f = (x: number) => (Number.isNaN(x) ? "n/a" : x.toFixed(3));
  return `max |drift| ${f(s.max)}, mean signed ${f(s.meanSigned)} (${f(s.range[0])}..${f(s.range[1])}), Pearson ${Number.isNaN(s.pearson) ? "n/a" : s.pearson.toFixed(2)}`;
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

function row(dir: string, p: Precision, n: number, r: Awaited<ReturnType<typeof runRow>>, reference: EngineScores | undefined): void {
  const name = `LLM reranker ${p.label}, 1 x ${n} docs`;
  const verdict = llamaRowVerdict({
    reference,
    rk: { logits: r.rk.scores, tokens: r.rk.tokens },
    llama: { logits: r.llama.scores.map(logit), tokens: r.llama.tokens },
    allowance: { rk: p.allowance, llama: p.allowance },
  });
  const e = (x: number) => (Number.isNaN(x) ? "n/a" : x.toExponential(2));
  const pps = (side: Side) => n / (median(side.times) / 1000);
  const speed = pps(r.rk) / pps(r.llama);
  const tokens = r.rk.tokens.reduce((a, b) => a + b, 0);
  console.log(
    `  ${p.label}, 1 x ${n} docs (${tokens} tokens): rerank-kit ${pps(r.rk).toPrecision(3)} pairs/s, peak RSS ${r.rk.peakMb.toFixed(0)} MB | ` +
      `llama.cpp ${pps(r.llama).toPrecision(3)} pairs/s, peak RSS ${r.llama.peakMb.toFixed(0)} MB | ${speed.toFixed(2)}x`,
  );
  console.log(
    `    max |logit - fp32 reference|: rerank-kit ${e(verdict.drift.rk)}, llama.cpp ${e(verdict.drift.llama)} (allowed ${p.allowance} each); ` +
      `between the engines ${e(verdict.between)}`,
  );
  if (reference && reference.logits.length === n && r.rk.scores.length === n && r.llama.scores.length === n) {
    console.log(`    vs fp32: rerank-kit ${driftLine(driftSummary(r.rk.scores, reference.logits))} | llama.cpp ${driftLine(driftSummary(r.llama.scores.map(logit), reference.logits))}`);
  }
  const load = (side: Side) => `${(Number(side.child.ready["loadMs"]) / 1000).toFixed(1)} s, ${Number(side.child.ready["loadPeakMb"]).toFixed(0)} MB`;
  console.log(`    load (time, peak RSS after load): rerank-kit ${load(r.rk)} | llama.cpp ${load(r.llama)}`);
  if (verdict.void) {
    console.log(`  ${name}: VOID (${verdict.reasons.join("; ")})`);
    if (p.target) skipTarget(name, `VOID: ${verdict.reasons.join("; ")}`);
    return;
  }
  if (!p.target) return;
  const drifts = `drift vs fp32 ${e(verdict.drift.rk)} / ${e(verdict.drift.llama)}`;
  recordTarget(`${name} pairs/s`, speed, p.target, `(${pps(r.rk).toPrecision(3)} vs ${pps(r.llama).toPrecision(3)} pairs/s, ${drifts}, ${dir.split("/").pop()})`);
  recordLimit(`${name} peak RSS`, Math.round(r.rk.peakMb), Math.round(r.llama.peakMb), "MB", "(limit: llama.cpp's peak RSS)");
}

/** rerank-kit's side (protocol in bench/child-engine.ts): the product path, `loadScorer` + `scoreWithUsage`. */
async function rkChild(): Promise<void> {
  const { loadScorer } = await import("../src/index.js");
  const spec = JSON.parse(readFileSync(process.argv.at(-1)!, "utf8")) as { dir: string; dtype: RkDtype; onnxFile?: string; query: string; documents: string[]; threads: number };
  const t0 = performance.now();
  const scorer = await loadScorer(spec.dir, { dtype: spec.dtype, threads: spec.threads, ...(spec.onnxFile && { onnxFile: spec.onnxFile }) });
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
