import { cp, mkdir, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { pearson } from "../../scoring/correlation.js";
import { detectFamily } from "../detect-family.js";
import { MAX_ONNX_BYTES, readRegularFile } from "../files/bounded-read.js";
import { checkExternalData } from "../files/external-data.js";
import { loadModelFiles, onnxFileFor } from "../files/model-files.js";
import { loadScorer } from "../load-scorer.js";
import type { LocalModelOptions } from "../options.js";
import { parseModel } from "../runtime/onnx-proto.js";
import { quantizeGraph } from "./quantize-graph.js";

/** Options of {@link quantizeModel}. */
export interface QuantizeOptions extends Pick<LocalModelOptions, "onnxFile" | "revision" | "cacheDir" | "localFilesOnly" | "accessToken" | "hubUrl" | "threads"> {
  /** Folder to write (a copy of the model folder plus `onnx/model_quantized.onnx`). Must differ from the source. */
  out: string;
  /** Weight scales per output column (default) or per tensor. */
  granularity?: "per-column" | "per-tensor" | undefined;
  /** Parity sample: a query and documents. @default a built-in sample of 16 documents of 1-52 words */
  sample?: ParitySample | undefined;
  /** Skip the parity check (e.g. a model family without a local scorer). @default false */
  skipParity?: boolean | undefined;
}

/** A query and documents to compare fp32 and int8 scores on. */
export interface ParitySample {
  query: string;
  documents: string[];
}

/** Score agreement of the int8 model with the fp32 model on the sample. */
export interface ParityReport {
  /** Documents scored. */
  documents: number;
  /** Largest absolute score difference (cross-encoders: logits; bi-encoders: cosine; ColBERT: MaxSim). */
  maxAbsDrift: number;
  /** Mean absolute score difference. */
  meanAbsDrift: number;
  /** Spread of the fp32 scores (standard deviation), to read the drift against. */
  fp32ScoreStd: number;
  /** Spearman rank correlation of the two orderings (1 = same order). */
  spearman: number;
  /** True when both models put the same document first. */
  sameTop1: boolean;
}

/** What {@link quantizeModel} wrote and measured. */
export interface QuantizeResult {
  /** The output folder. */
  out: string;
  /** The file written, relative to `out`: `onnx/model_quantized.onnx`. */
  onnxFile: string;
  /** MatMuls quantized to int8 / left in fp32. */
  matmuls: { quantized: number; kept: number };
  /** Bytes of the fp32 source graph (inline and external weights) and of the int8 file. */
  bytes: { fp32: number; int8: number };
  /** Parity against fp32, unless skipped. */
  parity?: ParityReport | undefined;
}

/** The built-in parity sample: one question, documents from one line to a long paragraph. */
export const DEFAULT_PARITY_SAMPLE: ParitySample = {
  query: "how do vaccines train the immune system",
  documents: [
    "Vaccines expose the immune system to a harmless piece or a weakened form of a pathogen, so it learns to recognise it.",
    "The train leaves the station at seven.",
    "Memory B cells and T cells formed after vaccination respond faster when the real pathogen appears, often preventing disease.",
    "Paris is the capital of France.",
    "An mRNA vaccine carries instructions that let cells make a viral protein; the immune system then builds antibodies against that protein.",
    "Regular exercise strengthens the heart and improves sleep.",
    "Herd immunity arises when enough people are immune that a disease cannot spread easily through the population.",
    "The stock market fell two percent on Monday after the central bank raised interest rates by a quarter point.",
    "Adjuvants are added to some vaccines to provoke a stronger immune response, which means fewer doses are needed. Aluminium salts have been used this way for decades, and newer adjuvants based on oil-in-water emulsions are used in some influenza vaccines.",
    "Immune",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Edward Jenner showed in 1796 that material from cowpox lesions protected against smallpox, the first vaccine.",
    "A recipe for bread: flour, water, salt and yeast, kneaded and left to rise overnight before baking at a high temperature.",
    "Antibodies are proteins that bind to specific antigens and mark them for destruction by other immune cells.",
    "Booster doses remind the immune system of an antigen so that protection lasts longer; the interval between doses matters, and for some vaccines a booster is recommended every ten years while for others one course gives lifelong protection. Public health agencies publish schedules that say which vaccines are due at which age.",
    "The river flooded the valley in spring.",
  ],
};

/**
 * `rerank-kit quantize`: writes the int8 variant of an fp32 ONNX model without Python. The output
 * folder is a copy of the model folder (config, tokenizer, sentence-transformers modules) plus
 * `onnx/model_quantized.onnx`, which `dtype: "q8"` loads, made by `quantizeGraph` (the
 * `quantize_dynamic` pattern with per-column weight scales). The fp32 graph is not copied. The
 * scores of both models are then compared on a sample, so the caller sees the drift int8 costs.
 *
 * @throws {InvalidInputError} when `out` is the source folder or inside it, or the sample is empty.
 * @throws {ModelLoadError} when the model cannot be read, is already quantized, or has no
 *   quantizable MatMul.
 */
export async function quantizeModel(model: string, options: QuantizeOptions): Promise<QuantizeResult> {
  if (typeof options.out !== "string" || options.out.length === 0) {
    throw new InvalidInputError("quantize needs an output folder (out)", { field: "out" });
  }
  const sample = options.sample ?? DEFAULT_PARITY_SAMPLE;
  if (typeof sample.query !== "string" || !Array.isArray(sample.documents) || sample.documents.length < 2 || !sample.documents.every((d) => typeof d === "string")) {
    throw new InvalidInputError("the parity sample needs a query and at least 2 documents (strings)", { field: "sample" });
  }
  const { out: _out, granularity, sample: _sample, skipParity, ...load } = options;
  const files = await loadModelFiles(model, { ...load, dtype: "fp32" });
  const out = resolve(options.out);
  const rel = relative(files.dir, out);
  // Outside means a path through `..` (not a folder named `..q8`), or another drive on Windows.
  if (rel.split(sep)[0] !== ".." && !isAbsolute(rel)) {
    throw new InvalidInputError(`the output folder ${out} is the model folder or inside it; choose another folder`, { field: "out" });
  }
  const sourceDir = dirname(files.onnxPath);
  const fp32Bytes = await readRegularFile(files.onnxPath, "the ONNX graph", MAX_ONNX_BYTES);
  const externalFiles = checkExternalData(parseModel(fp32Bytes, files.onnxPath).initializers, sourceDir, files.onnxPath);
  const q = quantizeGraph(fp32Bytes, { externalDataDir: sourceDir, source: files.onnxPath, granularity });

  // A copy of the folder without any ONNX graph, then the int8 graph where dtype q8 looks.
  await mkdir(out, { recursive: true });
  await cp(files.dir, out, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const r = relative(files.dir, src);
      const top = r.split(sep)[0] ?? "";
      return !(top === "onnx" || /\.onnx(_data|\.data)?$/.test(r) || top.startsWith("."));
    },
  });
  const onnxFile = onnxFileFor("q8");
  await mkdir(join(out, "onnx"), { recursive: true });
  await writeFile(join(out, onnxFile), q.model);
  const external = externalFiles.reduce((n, f) => n + f.size, 0);

  const result: QuantizeResult = {
    out,
    onnxFile,
    matmuls: { quantized: q.quantized, kept: q.kept },
    bytes: { fp32: fp32Bytes.length + external, int8: q.model.length },
  };
  if (!skipParity) result.parity = await measureParity(files.dir, files.onnxPath, out, sample, options.threads, detectFamily(files).scoreType);
  return result;
}

async function measureParity(
  dir: string,
  onnxPath: string,
  out: string,
  sample: ParitySample,
  threads: number | undefined,
  scoreType: string,
): Promise<ParityReport> {
  // Cross-encoders are compared on logits, where int8 noise is not hidden by a sigmoid.
  const common = { ...(threads !== undefined && { threads }), ...(scoreType === "cross-encoder" && { activation: "identity" as const }) };
  const fp32 = await loadScorer(dir, { ...common, onnxFile: relative(dir, onnxPath) });
  const int8 = await loadScorer(out, { ...common, dtype: "q8" });
  try {
    const a = await fp32.score(sample.query, sample.documents);
    const b = await int8.score(sample.query, sample.documents);
    return compareScores(a, b);
  } finally {
    await fp32.close();
    await int8.close();
  }
}

/** Drift and rank agreement of two score lists over the same documents. */
export function compareScores(reference: readonly number[], candidate: readonly number[]): ParityReport {
  const n = reference.length;
  const diffs = reference.map((r, i) => Math.abs(r - (candidate[i] as number)));
  const mean = reference.reduce((s, v) => s + v, 0) / n;
  const argmax = (xs: readonly number[]) => xs.reduce((best, v, i) => (v > (xs[best] as number) ? i : best), 0);
  return {
    documents: n,
    maxAbsDrift: Math.max(...diffs),
    meanAbsDrift: diffs.reduce((s, v) => s + v, 0) / n,
    fp32ScoreStd: Math.sqrt(reference.reduce((s, v) => s + (v - mean) ** 2, 0) / n),
    spearman: spearman(reference, candidate),
    sameTop1: argmax(reference) === argmax(candidate),
  };
}

function ranks(xs: readonly number[]): number[] {
  // Average ranks for ties, so equal scores do not count as disagreement.
  const order = xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1] as number] === xs[order[i] as number]) j++;
    for (let k = i; k <= j; k++) r[order[k] as number] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

function spearman(a: readonly number[], b: readonly number[]): number {
  const rho = pearson(ranks(a), ranks(b));
  if (!Number.isNaN(rho)) return rho;
  // A list without spread has no ranking: two such lists agree, one against a ranking does not.
  return new Set(a).size === 1 && new Set(b).size === 1 ? 1 : 0;
}
