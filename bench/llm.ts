/**
 * LLM reranker throughput on a Qwen3-0.6B-shaped causal LM (seeded weights; generate it with
 * `python3 scripts/reference/decoders.py --bench bench/.models/qwen3-0.6b-shape`), 1 query x 20
 * documents in the Qwen3-Reranker prompt format, fp32 and q8. Each variant runs in its own
 * process so peak RSS is its own:
 *
 * - `transformers.js`: what users write today: AutoModelForCausalLM, one pair per call, full
 *   logits `[1, seq, 151669]`, yes / no read from the last row;
 * - `rerank-kit, full head`: rerank-kit's runtime (left-padded, length-sorted micro-batches) on
 *   the unrewritten graph, reading the last row of the full logits;
 * - `rerank-kit, head rewrite`: the graph rewritten by rewriteLmHeadToScore (last position x
 *   `W_yes - W_no`);
 * - `rerank-kit, head rewrite + prefix reuse`: the template prefix (system prompt, instruction,
 *   query) computed once and fed as past_key_values to every document's pass.
 *
 * Every variant is fed the same token ids, so their scores are compared too.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModelFiles } from "../src/local/files/model-files.js";
import { openRewrittenSession, rewriteLmHeadToScore } from "../src/local/runtime/lm-head-rewrite.js";
import { OnnxSession } from "../src/local/runtime/onnx-session.js";
import { runMicroBatches } from "../src/local/runtime/run-batches.js";
import { TextTokenizer } from "../src/local/tokenization/text-tokenizer.js";
import { peakRssMb, ratio } from "./measure.js";
import { makeWorkload } from "./workload.js";

const THREADS = availableParallelism();
const DOCS = 20;
const PREFIX =
  '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n';
const SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
const INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query";

type Variant = "tjs" | "rk-full" | "rk-rewrite" | "rk-prefix";
type Dtype = "fp32" | "q8";

interface Result {
  variant: Variant;
  dtype: Dtype;
  loadMs: number;
  runMs: number;
  tokens: number;
  peakRssMb: number;
  scores: number[];
}

/** Token ids of the workload: the shared prefix (template head + instruction + query) and each document's part. */
function workload(dir: string) {
  const files = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")) as Record<string, unknown>;
  const config = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
  const tok = new TextTokenizer(files, config, dir);
  const { query, documents } = makeWorkload(DOCS, 20, 80);
  const prefix = tok.encode(`${PREFIX}<Instruct>: ${INSTRUCTION}\n<Query>: ${query}\n<Document>: `);
  const suffix = tok.encode(SUFFIX);
  const docs = documents.map((d) => [...tok.encode(d), ...suffix]);
  const yes = tok.tokenToId("yes") ?? 100;
  const no = tok.tokenToId("no") ?? 101;
  return { prefix, docs, yes, no, pad: tok.padId };
}

async function runVariant(dir: string, variant: Variant, dtype: Dtype): Promise<Result> {
  const { prefix, docs, yes, no, pad } = workload(dir);
  const pairs = docs.map((d) => [...prefix, ...d]);
  const tokens = pairs.reduce((n, p) => n + p.length, 0);
  const file = dtype === "q8" ? "onnx/model_quantized.onnx" : "onnx/model.onnx";
  const t0 = performance.now();
  let run: () => Promise<number[]>;
  if (variant === "tjs") {
    const tf = await import("@huggingface/transformers");
    tf.env.allowRemoteModels = false;
    const model = await tf.AutoModelForCausalLM.from_pretrained(dir, {
      dtype: dtype,
      local_files_only: true,
      session_options: { intraOpNumThreads: THREADS, graphOptimizationLevel: "all" },
    });
    run = async () => {
      const scores: number[] = [];
      for (const ids of pairs) {
        const input_ids = new tf.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]);
        const attention_mask = new tf.Tensor("int64", new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
        const { logits } = (await model({ input_ids, attention_mask })) as { logits: { data: Float32Array; dims: number[] } };
        const vocab = logits.dims[2] as number;
        const last = (ids.length - 1) * vocab;
        scores.push((logits.data[last + yes] as number) - (logits.data[last + no] as number));
      }
      return scores;
    };
  } else {
    const files = await loadModelFiles(dir, { onnxFile: file });
    const options = { threads: THREADS, config: files.config };
    let session: OnnxSession;
    const vocab = Number(files.config["vocab_size"]);
    if (variant === "rk-full") session = await OnnxSession.create(files.onnxPath, options);
    else {
      const bytes = rewriteLmHeadToScore(
        new Uint8Array(readFileSync(files.onnxPath)),
        { rows: [{ tokenId: yes, coefficient: 1 }, { tokenId: no, coefficient: -1 }] },
        { externalDataDir: join(files.onnxPath, ".."), source: file },
      );
      session = await openRewrittenSession(bytes, { ...options, externalDataDir: join(files.onnxPath, ".."), source: file });
    }
    run = async () => {
      if (variant === "rk-full") {
        return runMicroBatches(session, pairs.map((ids) => ({ ids })), { output: "logits", padId: pad, padding: "left" }, ({ output, row, seq }) => {
          const last = (row * seq + seq - 1) * vocab;
          return (output.data[last + yes] as number) - (output.data[last + no] as number);
        });
      }
      const sequences = variant === "rk-prefix" ? docs.map((ids) => ({ ids })) : pairs.map((ids) => ({ ids }));
      return runMicroBatches(
        session,
        sequences,
        { output: "logits", padId: pad, padding: "left", prefix: variant === "rk-prefix" ? prefix : undefined },
        ({ output, row }) => output.data[row] as number,
      );
    };
  }
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const scores = await run();
  const runMs = performance.now() - t1;
  return { variant, dtype, loadMs, runMs, tokens, peakRssMb: peakRssMb(), scores };
}

const LABELS: Record<Variant, string> = {
  tjs: "transformers.js AutoModelForCausalLM (full logits, 1 pair/call)",
  "rk-full": "rerank-kit runtime, full LM head",
  "rk-rewrite": "rerank-kit, head rewrite",
  "rk-prefix": "rerank-kit, head rewrite + prefix reuse",
};

/** Runs every variant once, each in a child process, and prints pairs/s, peak RSS and ratios. */
export async function benchLlm(dir: string, dtypes: Dtype[] = ["fp32", "q8"]): Promise<void> {
  if (!existsSync(join(dir, "onnx", "model.onnx"))) {
    console.log(`\n## LLM reranker: skipped, no model at ${dir}.\nGenerate it with: python3 scripts/reference/decoders.py --bench ${dir}`);
    return;
  }
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, number>;
  console.log(
    `\n## LLM reranker (Qwen3 shape: ${config["num_hidden_layers"]} layers, hidden ${config["hidden_size"]}, ` +
      `${config["num_attention_heads"]}/${config["num_key_value_heads"]} heads, vocab ${config["vocab_size"]}; seeded weights), ` +
      `1 query x ${DOCS} documents, ${THREADS} threads, one run per variant (each in its own process)`,
  );
  const self = fileURLToPath(import.meta.url);
  const all: Result[] = [];
  for (const dtype of dtypes) {
    const results: Result[] = [];
    for (const variant of ["tjs", "rk-full", "rk-rewrite", "rk-prefix"] as Variant[]) {
      if (!existsSync(join(dir, dtype === "q8" ? "onnx/model_quantized.onnx" : "onnx/model.onnx"))) continue;
      // The full-head comparison isolates the rewrite; once (fp32) is enough on two shared cores.
      if (variant === "rk-full" && dtype === "q8") continue;
      const child = spawnSync(process.execPath, [...process.execArgv, self, "--variant", variant, dtype, dir], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
      });
      const line = child.stdout.split("\n").find((l) => l.startsWith("{"));
      if (child.status !== 0 || !line) {
        console.log(`${dtype} ${variant}: failed (${child.status}): ${child.stderr.slice(-2000)}`);
        continue;
      }
      const r = JSON.parse(line) as Result;
      results.push(r);
      all.push(r);
      const pps = DOCS / (r.runMs / 1000);
      console.log(
        `${dtype.padEnd(4)} ${LABELS[variant].padEnd(64)} ${pps.toFixed(2).padStart(7)} pairs/s  ` +
          `(${(r.tokens / (r.runMs / 1000)).toFixed(0)} tok/s, load ${(r.loadMs / 1000).toFixed(1)} s)  peak RSS ${r.peakRssMb.toFixed(0)} MB`,
      );
    }
    const by = (v: Variant) => results.find((r) => r.variant === v);
    const base = by("tjs");
    if (!base) continue;
    const maxDiff = (a: Result, b: Result) => Math.max(...a.scores.map((s, i) => Math.abs(s - (b.scores[i] as number))));
    for (const v of ["rk-full", "rk-rewrite", "rk-prefix"] as Variant[]) {
      const r = by(v);
      if (!r) continue;
      console.log(
        `${dtype.padEnd(4)} ${LABELS[v]} vs transformers.js: speed ${(base.runMs / r.runMs).toFixed(2)}x, ` +
          `peak RSS ${(r.peakRssMb / base.peakRssMb).toFixed(2)}x, max |score diff| ${maxDiff(r, base).toExponential(2)}`,
      );
    }
    const rewrite = by("rk-rewrite");
    const full = by("rk-full");
    const prefix = by("rk-prefix");
    if (rewrite && full) console.log(`${dtype} head rewrite alone (same batching): ${ratio(full.runMs / rewrite.runMs, 1.3)}`);
    if (rewrite) console.log(`${dtype} head rewrite vs transformers.js: ${ratio(base.runMs / rewrite.runMs, 1.3)}`);
    if (prefix) console.log(`${dtype} head rewrite + prefix reuse vs transformers.js: ${ratio(base.runMs / prefix.runMs, 2)}`);
    if (prefix) console.log(`${dtype} peak RSS vs transformers.js: ${ratio(prefix.peakRssMb / base.peakRssMb, 1, false)}`);
  }
  // The second target: q8 with the rewrite and prefix reuse against the fp32 baseline.
  const tjs32 = all.find((r) => r.variant === "tjs" && r.dtype === "fp32");
  const q8prefix = all.find((r) => r.variant === "rk-prefix" && r.dtype === "q8");
  if (tjs32 && q8prefix) {
    console.log(`q8 head rewrite + prefix reuse vs transformers.js fp32: ${ratio(tjs32.runMs / q8prefix.runMs, 2)}`);
  }
}

if (process.argv[2] === "--variant") {
  const [, , , variant, dtype, dir] = process.argv as [string, string, string, Variant, Dtype, string];
  const result = await runVariant(dir, variant, dtype);
  console.log(JSON.stringify(result));
}
