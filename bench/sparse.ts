/**
 * #21's rows (`npm run bench -- sparse [minilm|base|static]`): SPLADE encode and static embeddings
 * against sentence-transformers on the same weights (scripts/reference/bench_engine_models.py,
 * sentence-transformers in its own process, scripts/reference/st_bench.py, runs alternated as in
 * the anchor), the static model against rerank-kit's own MiniLM bi-encoder, and the peak RSS of a
 * process that loads a 30522 x 768 static model and embeds with it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadScorer, type SparseVector } from "../src/index.js";
import { alternate, maxAbs, startSentenceTransformers, timedCall, type StProcess } from "./anchor.js";
import { probePython } from "./anchor-python.js";
import { medianMs, QUICK, sized } from "./measure.js";
import { recordLimit, recordTarget, skipTarget } from "./targets.js";
import { makeWorkload } from "./workload.js";

const THREADS = availableParallelism();
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..");
const SHAPES = { minilm: "MiniLM-L6 shape", base: "BERT-base shape" } as const;
type Part = keyof typeof SHAPES | "static";
const TARGETS = {
  minilm: ["SPLADE encode fp32 (MiniLM-L6) vs SparseEncoder.encode", 1.1],
  base: ["SPLADE encode fp32 (BERT-base) vs SparseEncoder.encode", 1.1],
  staticSt: ["StaticEmbedder vs sentence-transformers StaticEmbedding", 5],
  staticBi: ["StaticEmbedder vs rerank-kit MiniLM bi-encoder fp32", 50],
  staticRss: ["RSS after load + embed, 30522 x 768 static model", 200],
} as const;

/** Generates one bench model when missing (niced: it is not a measurement); a string says why it failed. */
function ensureModel(python: string, root: string, part: Part): string | { dir: string } {
  const dir = join(root, part === "static" ? "st-static-768" : `st-splade-${part}`);
  if (existsSync(join(dir, part === "static" ? "model.safetensors" : join("onnx", "model.onnx")))) return { dir };
  console.log(`generating ${dir} with scripts/reference/bench_engine_models.py (a few minutes) ...`);
  const args = [python, join(REPO, "scripts", "reference", "bench_engine_models.py"), "--out", root, "--only", part];
  const gen = spawnSync("nice", ["-n", "19", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (gen.error || gen.status !== 0) return `bench_engine_models.py failed: ${(gen.error?.message ?? gen.stderr.trim().split("\n").pop()) || "no output"}`;
  return { dir };
}

/** Largest difference between two sparse vectors over the union of their ids (a missing id is 0). */
function sparseDiff(a: SparseVector, b: Record<string, number>): number {
  let m = 0;
  const seen = new Set<number>();
  a.indices.forEach((id, i) => {
    seen.add(id);
    m = Math.max(m, Math.abs((a.values[i] as number) - (b[String(id)] ?? 0)));
  });
  for (const [id, v] of Object.entries(b)) if (!seen.has(Number(id))) m = Math.max(m, Math.abs(v));
  return m;
}

const per = (ms: number, n: number) => (n / (ms / 1000)).toFixed(1);

async function spladeRows(st: StProcess, dir: string, size: keyof typeof SHAPES, passages: string[]): Promise<void> {
  const rk = await loadScorer(dir, { dtype: "fp32", threads: THREADS });
  if (!("embedSparse" in rk)) throw new Error(`${dir} did not load as a SPLADE model`);
  const r = await alternate<unknown>([
    { name: "st", run: async () => await st.call("sparse") },
    { name: "rk", run: () => timedCall(async () => (await rk.embedSparse(passages)).slice(0, 8)) },
  ], QUICK ? 1 : 3);
  await rk.close();
  const ours = r.output("rk") as SparseVector[];
  const theirs = r.output("st") as Record<string, number>[];
  const err = Math.max(...ours.map((v, i) => sparseDiff(v, theirs[i]!)));
  const active = ours.map((v) => v.indices.length);
  console.log(`SPLADE (${SHAPES[size]}, BertForMaskedLM + max pooling, ~${Math.round(active.reduce((x, y) => x + y, 0) / active.length)} active ids), ${passages.length} passages of 20-80 words:`);
  console.log(`  sentence-transformers SparseEncoder.encode, torch fp32, batch 32: ${r.ms("st").toFixed(0)} ms  ${per(r.ms("st"), passages.length)} passages/s`);
  console.log(`  rerank-kit embedSparse fp32: ${r.ms("rk").toFixed(0)} ms  ${per(r.ms("rk"), passages.length)} passages/s  (max |weight - sentence-transformers| ${err.toExponential(1)})`);
  recordTarget(TARGETS[size][0], r.ms("st") / r.ms("rk"), TARGETS[size][1], `(max weight diff ${err.toExponential(1)})`);
}

/**
 * Peak RSS (MB) of a fresh plain-`node` process that loads the static model and embeds `count`
 * passages in one call: bench/static-rss.ts bundled to JavaScript first (esbuild, which tsx and
 * tsup already bring), since running it under tsx adds the loader's own ~35 MB to the figure.
 */
async function staticPeakRss(root: string, dir: string, count: number): Promise<number | string> {
  const bundle = join(root, ".static-rss.mjs");
  try {
    const { build } = await import("esbuild");
    // packages: "external" keeps @huggingface/tokenizers (and the lazily imported onnxruntime-node)
    // as imports, resolved from bench/.models like any installed package.
    await build({ entryPoints: [join(HERE, "static-rss.ts")], bundle: true, platform: "node", format: "esm", packages: "external", outfile: bundle, logLevel: "error" });
  } catch (error) {
    return `bundling bench/static-rss.ts failed: ${(error as Error).message.split("\n")[0]}`;
  }
  const child = spawnSync(process.execPath, [bundle, dir, String(count)], { encoding: "utf8", cwd: REPO });
  rmSync(bundle, { force: true });
  const line = child.stdout?.trim().split("\n").pop() ?? "";
  if (child.status !== 0 || !line.startsWith("{")) return `static-rss.ts exited with ${child.status}: ${(child.stderr ?? "").trim().split("\n").pop()}`;
  const out = JSON.parse(line) as { peakMb: number; baseMb: number; loadedMb: number };
  console.log(`  peak RSS of a plain node process (bundled bench/static-rss.ts) loading it with loadScorer and embedding ${count} passages in one call: ${out.peakMb.toFixed(0)} MB (${out.baseMb.toFixed(0)} MB before loading, ${out.loadedMb.toFixed(0)} MB after)`);
  return out.peakMb;
}

async function staticRows(st: StProcess | undefined, root: string, dir: string, biEncoderDir: string): Promise<void> {
  // 5000 passages: one pass of 500 takes a few milliseconds here, below timer and scheduler noise.
  const passages = makeWorkload(sized(5000), 20, 80, 11).documents;
  const rk = await loadScorer(dir);
  if (!("embed" in rk)) throw new Error(`${dir} did not load as a static model`);
  console.log(`static embeddings (30522 x 768, bert-base-uncased vocabulary, StaticEmbedding), ${passages.length} passages of 20-80 words:`);
  if (st) {
    const r = await alternate<ArrayLike<number>[]>([
      { name: "st", run: async () => (await st.call("static")) as { ms: number; output: number[][] } },
      { name: "rk", run: () => timedCall(async () => (await rk.embed(passages)).slice(0, 8)) },
    ], QUICK ? 1 : 5);
    const err = Math.max(...r.output("rk").map((e, i) => maxAbs(e, r.output("st")[i]!)));
    console.log(`  sentence-transformers SentenceTransformer.encode, batch 32: ${r.ms("st").toFixed(0)} ms  ${per(r.ms("st"), passages.length)} passages/s`);
    const kernel = "kernel" in rk ? `, ${String(rk.kernel)} row sum` : "";
    console.log(`  rerank-kit StaticEmbedder.embed${kernel}: ${r.ms("rk").toFixed(1)} ms  ${per(r.ms("rk"), passages.length)} passages/s  (max |embedding - sentence-transformers| ${err.toExponential(1)})`);
    recordTarget(TARGETS.staticSt[0], r.ms("st") / r.ms("rk"), TARGETS.staticSt[1], `(max embedding diff ${err.toExponential(1)})`);
  } else skipTarget(TARGETS.staticSt[0], "sentence-transformers did not start");
  const few = passages.slice(0, sized(500));
  const bi = await loadScorer(biEncoderDir, { dtype: "fp32", threads: THREADS });
  if (!("embed" in bi)) throw new Error(`${biEncoderDir} is not a bi-encoder`);
  const biMs = await medianMs(() => bi.embed(few), 1, 1);
  await bi.close();
  const staticMs = await medianMs(() => rk.embed(few), 9, 2);
  await rk.close();
  console.log(`  ${few.length} passages: rerank-kit MiniLM-L6 bi-encoder fp32 ${biMs.toFixed(0)} ms, StaticEmbedder ${staticMs.toFixed(1)} ms`);
  recordTarget(TARGETS.staticBi[0], biMs / staticMs, TARGETS.staticBi[1]);
  const rss = await staticPeakRss(root, dir, passages.length);
  if (typeof rss === "string") skipTarget(TARGETS.staticRss[0], rss);
  else recordLimit(TARGETS.staticRss[0], Math.round(rss), TARGETS.staticRss[1], "MB");
}

/**
 * Runs the rows of `parts` (default all); `root` is bench/.models, `biEncoderDir` rerank-kit's
 * MiniLM-L6 bi-encoder for the static-vs-transformer row.
 */
export async function benchSparse(root: string, biEncoderDir: string, parts: Part[] = ["minilm", "base", "static"]): Promise<void> {
  console.log(`\n## Sparse and static encoders vs sentence-transformers on the same weights, ${THREADS} threads each, runs alternated`);
  const skip = (reason: string, which: Part[]) => {
    for (const p of which) {
      if (p === "static") for (const t of [TARGETS.staticSt, TARGETS.staticBi, TARGETS.staticRss]) skipTarget(t[0], reason);
      else skipTarget(TARGETS[p][0], reason);
    }
    console.log(`skipped (${which.join(", ")}): ${reason}`);
  };
  const probe = probePython();
  if (!probe.ok) return skip(probe.reason, parts);
  const { documents: passages } = makeWorkload(sized(500), 20, 80, 11);
  for (const part of parts) {
    const model = ensureModel(probe.command, root, part);
    if (typeof model === "string") {
      skip(model, [part]);
      continue;
    }
    const texts = part === "static" ? makeWorkload(sized(5000), 20, 80, 11).documents : passages;
    let st: StProcess | undefined;
    try {
      st = await startSentenceTransformers(probe.command, { threads: THREADS, batchSize: 32, [part === "static" ? "static" : "sparse"]: { dir: model.dir, texts } });
    } catch (error) {
      if (part !== "static") {
        skip((error as Error).message, [part]);
        continue;
      }
    }
    try {
      if (part === "static") await staticRows(st, root, model.dir, biEncoderDir);
      else await spladeRows(st!, model.dir, part, passages);
    } catch (error) {
      skip((error as Error).message, [part]);
    } finally {
      st?.close();
    }
  }
}
