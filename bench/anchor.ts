/**
 * The anchor (#13): rerank-kit against sentence-transformers on the same torch-exported weights
 * (scripts/reference/bench_models.py), same texts, same thread count. sentence-transformers runs
 * in its own Python process (scripts/reference/st_bench.py): `CrossEncoder.predict` and
 * `SentenceTransformer.encode`, batch 32, torch fp32; rerank-kit runs fp32 and q8 here. Each side:
 * one warm-up call, then 3 rounds alternating the sides, median per side. Without Python and sentence-transformers the rows are
 * skipped with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BiEncoderScorer, CrossEncoderScorer } from "../src/index.js";
import { probePython } from "./anchor-python.js";
import { startLineChild } from "./line-child.js";
import { recordTarget, skipTarget } from "./targets.js";
import { makeWorkload } from "./workload.js";

const THREADS = availableParallelism();
const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGETS = {
  crossFp32: ["cross-encoder fp32 vs sentence-transformers fp32", 1.1],
  crossQ8: ["cross-encoder q8 vs sentence-transformers fp32", 2.5],
  biFp32: ["bi-encoder fp32 vs SentenceTransformer.encode", 1.1],
  biQ8: ["bi-encoder q8 vs SentenceTransformer.encode", 2],
} as const;

/** A running st_bench.py: one timed call per command. */
export interface StProcess {
  versions: Record<string, string>;
  call(kind: "cross" | "bi" | "sparse" | "static"): Promise<{ ms: number; output: unknown }>;
  close(): void;
}

/** The texts both sides score: the cross-encoder workload of bench/local.ts and the passages of bench/encoders.ts. */
export function anchorWorkload() {
  const cross = makeWorkload(100, 30, 400);
  const passages = makeWorkload(500, 20, 80, 11).documents;
  return { cross, passages };
}

function skipAll(reason: string): void {
  console.log(`\n## Anchor: sentence-transformers on the same weights — skipped: ${reason}`);
  for (const [name] of Object.values(TARGETS)) skipTarget(name, reason);
}

/** Generates the anchor models into `root` when missing (niced: it is not a measurement). */
function ensureModels(python: string, root: string): { cross: string; bi: string } | string {
  const cross = join(root, "st-minilm-cross-encoder");
  const bi = join(root, "st-minilm-bi-encoder");
  const ready = [cross, bi].every((d) => existsSync(join(d, "onnx", "model_quantized.onnx")) && existsSync(join(d, "model.safetensors")));
  if (!ready) {
    console.log("generating the anchor models with scripts/reference/bench_models.py (torch export, a few minutes) ...");
    const args = [python, join(REPO, "scripts", "reference", "bench_models.py"), "--out", root];
    const gen = spawnSync("nice", ["-n", "19", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (gen.error || gen.status !== 0) return `bench_models.py failed: ${(gen.error?.message ?? gen.stderr.trim().split("\n").pop()) || "no output"}`;
  }
  return { cross, bi };
}

/** Starts scripts/reference/st_bench.py on `spec` (its workload.json) and waits until its models are loaded. */
export async function startSentenceTransformers(python: string, spec: object): Promise<StProcess> {
  const child = startLineChild(python, [join(REPO, "scripts", "reference", "st_bench.py")], spec, { label: "st_bench.py" });
  const ready = await child.next();
  return {
    versions: ready["versions"] as Record<string, string>,
    call: (kind) => {
      child.send(kind);
      return child.next() as Promise<{ ms: number; output: unknown }>;
    },
    close: () => child.end("quit"),
  };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

/**
 * One warm-up call of each side, then `rounds` rounds of one call each in turn, so a slow
 * moment of the shared machine lands on both sides; medians per side.
 */
export async function alternate<T>(sides: { name: string; run: () => Promise<{ ms: number; output: T }> }[], rounds = 3) {
  const times = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  const outputs = new Map<string, T>();
  for (const side of sides) await side.run();
  for (let r = 0; r < rounds; r++) {
    for (const side of sides) {
      const { ms, output } = await side.run();
      times.get(side.name)!.push(ms);
      outputs.set(side.name, output);
    }
  }
  return { ms: (name: string) => median(times.get(name)!), output: (name: string) => outputs.get(name) as T };
}

/** Times one call. */
export async function timedCall<T>(fn: () => Promise<T>): Promise<{ ms: number; output: T }> {
  const t0 = performance.now();
  const output = await fn();
  return { ms: performance.now() - t0, output };
}

/** Largest absolute elementwise difference. */
export const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

/** Runs the anchor rows; `root` is where the generated models live (bench/.models). */
export async function benchAnchor(root: string): Promise<void> {
  const probe = probePython();
  if (!probe.ok) return skipAll(probe.reason);
  const models = ensureModels(probe.command, root);
  if (typeof models === "string") return skipAll(models);
  const { cross, passages } = anchorWorkload();
  let st: StProcess;
  try {
    st = await startSentenceTransformers(probe.command, {
      threads: THREADS,
      batchSize: 32,
      cross: { dir: models.cross, query: cross.query, documents: cross.documents },
      bi: { dir: models.bi, texts: passages },
    });
  } catch (error) {
    return skipAll((error as Error).message);
  }
  try {
    console.log(`\n## Anchor: sentence-transformers ${st.versions["sentence_transformers"]} (torch ${st.versions["torch"]}) on the same torch-exported weights, ${THREADS} threads each, runs alternated`);
    await crossRows(st, models.cross, cross);
    await biRows(st, models.bi, passages);
  } finally {
    st.close();
  }
}

const pps = (ms: number, n: number) => `${(n / (ms / 1000)).toFixed(1)}`;

async function crossRows(st: StProcess, dir: string, cross: { query: string; documents: string[] }): Promise<void> {
  const fp32 = await CrossEncoderScorer.fromPretrained(dir, { dtype: "fp32", threads: THREADS });
  const q8 = await CrossEncoderScorer.fromPretrained(dir, { dtype: "q8", threads: THREADS });
  const r = await alternate<number[]>([
    { name: "st", run: async () => (await st.call("cross")) as { ms: number; output: number[] } },
    { name: "fp32", run: () => timedCall(() => fp32.score(cross.query, cross.documents)) },
    { name: "q8", run: () => timedCall(() => q8.score(cross.query, cross.documents)) },
  ]);
  await fp32.close();
  await q8.close();
  const n = cross.documents.length;
  const drift = maxAbs(r.output("q8"), r.output("fp32"));
  console.log(`cross-encoder (MiniLM-L6 shape, BertForSequenceClassification), 1 query x ${n} docs of 30-400 words:`);
  console.log(`  sentence-transformers CrossEncoder.predict, torch fp32, batch 32: ${r.ms("st").toFixed(0)} ms  ${pps(r.ms("st"), n)} pairs/s`);
  console.log(`  rerank-kit fp32: ${r.ms("fp32").toFixed(0)} ms  ${pps(r.ms("fp32"), n)} pairs/s  (max |score - sentence-transformers| ${maxAbs(r.output("fp32"), r.output("st")).toExponential(1)})`);
  console.log(`  rerank-kit q8  : ${r.ms("q8").toFixed(0)} ms  ${pps(r.ms("q8"), n)} pairs/s  (max |q8 - fp32| score drift ${drift.toExponential(2)})`);
  recordTarget(TARGETS.crossFp32[0], r.ms("st") / r.ms("fp32"), TARGETS.crossFp32[1]);
  recordTarget(TARGETS.crossQ8[0], r.ms("st") / r.ms("q8"), TARGETS.crossQ8[1], `(q8 vs fp32 max abs drift ${drift.toExponential(2)})`);
}

async function biRows(st: StProcess, dir: string, passages: string[]): Promise<void> {
  const fp32 = await BiEncoderScorer.fromPretrained(dir, { dtype: "fp32", threads: THREADS });
  const q8 = await BiEncoderScorer.fromPretrained(dir, { dtype: "q8", threads: THREADS });
  const r = await alternate<ArrayLike<number>[]>([
    { name: "st", run: async () => (await st.call("bi")) as { ms: number; output: number[][] } },
    { name: "fp32", run: () => timedCall(async () => (await fp32.embed(passages)).slice(0, 8)) },
    { name: "q8", run: () => timedCall(async () => (await q8.embed(passages)).slice(0, 8)) },
  ]);
  await fp32.close();
  await q8.close();
  const m = passages.length;
  const errOf = (a: string, b: string) => Math.max(...r.output(a).map((e, i) => maxAbs(e, r.output(b)[i]!)));
  const drift = errOf("q8", "fp32");
  console.log(`bi-encoder (MiniLM-L6 shape, mean pooling + normalize), ${m} passages of 20-80 words:`);
  console.log(`  sentence-transformers SentenceTransformer.encode, torch fp32, batch 32: ${r.ms("st").toFixed(0)} ms  ${pps(r.ms("st"), m)} passages/s`);
  console.log(`  rerank-kit fp32: ${r.ms("fp32").toFixed(0)} ms  ${pps(r.ms("fp32"), m)} passages/s  (max |embedding - sentence-transformers| ${errOf("fp32", "st").toExponential(1)})`);
  console.log(`  rerank-kit q8  : ${r.ms("q8").toFixed(0)} ms  ${pps(r.ms("q8"), m)} passages/s  (max |q8 - fp32| embedding drift ${drift.toExponential(2)})`);
  recordTarget(TARGETS.biFp32[0], r.ms("st") / r.ms("fp32"), TARGETS.biFp32[1]);
  recordTarget(TARGETS.biQ8[0], r.ms("st") / r.ms("q8"), TARGETS.biQ8[1], `(q8 vs fp32 max abs embedding drift ${drift.toExponential(2)})`);
}
