/**
 * The int8 path: which int8 form of a MiniLM-L6-shaped cross-encoder scores fastest, and how far
 * each drifts from fp32. Forms made without Python: the generator's q8 file (the quantize_dynamic
 * pattern, per-column scales) and `rerank-kit quantize` output per column and per tensor (what
 * `quantize_dynamic(per_channel=False)` and Xenova's q8 files use). Static QDQ / QLinearMatMul and
 * int8 x int8 activations need a calibrating quantizer (Python); README's Benchmarks section
 * records them. 1 query x 100 documents of 20-300 words, fp32 and every form interleaved.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CrossEncoderScorer, type Dtype } from "../src/index.js";
import { compareScores, quantizeModel } from "../src/local/quantize/quantize-model.js";
import { ratio } from "./measure.js";
import { makeWorkload } from "./workload.js";

/** Runs the int8-form comparison on a cross-encoder folder holding fp32 and q8 graphs. */
export async function benchInt8(dir: string): Promise<void> {
  const { query, documents } = makeWorkload(100, 20, 300);
  console.log(`\n## int8 forms (MiniLM-L6 shape cross-encoder, seeded weights), 1 query x ${documents.length} docs of 20-300 words`);
  const forms: Array<{ label: string; dir: string; dtype: Dtype }> = [
    { label: "fp32", dir, dtype: "fp32" },
    { label: "q8 generator file (quantize_dynamic pattern, per column)", dir, dtype: "q8" },
  ];
  for (const granularity of ["per-column", "per-tensor"] as const) {
    const out = `${dir}-rk-q8-${granularity}`;
    if (!existsSync(join(out, "onnx", "model_quantized.onnx"))) await quantizeModel(dir, { out, granularity, skipParity: true });
    forms.push({ label: `q8 rerank-kit quantize, ${granularity}`, dir: out, dtype: "q8" });
  }
  const scorers = await Promise.all(forms.map((f) => CrossEncoderScorer.fromPretrained(f.dir, { dtype: f.dtype, activation: "identity" })));
  const scores: number[][] = [];
  const times: number[][] = forms.map(() => []);
  for (const s of scorers) scores.push(await s.score(query, documents)); // warm-up
  for (let round = 0; round < 3; round++) {
    for (const [i, s] of scorers.entries()) {
      const t0 = performance.now();
      await s.score(query, documents);
      times[i]!.push(performance.now() - t0);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const fp32 = median(times[0]!);
  for (const [i, f] of forms.entries()) {
    const ms = median(times[i]!);
    const p = compareScores(scores[0]!, scores[i]!);
    const drift = i === 0 ? "" : `  drift vs fp32: max ${p.maxAbsDrift.toExponential(2)} mean ${p.meanAbsDrift.toExponential(2)} spearman ${p.spearman.toFixed(3)}`;
    console.log(`  ${f.label.padEnd(58)}: ${ms.toFixed(0).padStart(6)} ms  ${(documents.length / (ms / 1000)).toFixed(1).padStart(6)} pairs/s  ${(fp32 / ms).toFixed(2)}x fp32${drift}`);
  }
  console.log(`  fp32 logit std ${compareScores(scores[0]!, scores[0]!).fp32ScoreStd.toExponential(2)} (seeded weights: drift reorders near-equal scores)`);
  console.log(`  best q8 / fp32: ${ratio(fp32 / Math.min(...times.slice(1).map(median)), 2.5)}`);
  await Promise.all(scorers.map((s) => s.close()));
}
