import { readFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { CliError } from "../cli-error.js";
import { positiveInteger } from "../parsers.js";
import type { ParitySample } from "../../local/quantize/quantize-model.js";

interface QuantizeFlags {
  model: string;
  out: string;
  granularity?: "per-column" | "per-tensor";
  sample?: string;
  parity: boolean;
  threads?: number;
  revision?: string;
  cacheDir?: string;
  localFilesOnly?: boolean;
}

/** Reads `--sample`: a JSON file `{"query": "...", "documents": ["...", ...]}`. */
async function readSample(path: string): Promise<ParitySample> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(`cannot read --sample ${path}: ${String((error as NodeJS.ErrnoException).code ?? error)}`, 2);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`--sample ${path} is not JSON; expected {"query": "...", "documents": ["...", "..."]}`, 2);
  }
  const s = parsed as Partial<ParitySample> | null;
  if (!s || typeof s.query !== "string" || !Array.isArray(s.documents) || s.documents.length < 2 || !s.documents.every((d) => typeof d === "string")) {
    throw new CliError(`--sample ${path} must be {"query": "...", "documents": [at least 2 strings]}`, 2);
  }
  return { query: s.query, documents: s.documents };
}

/**
 * Registers `rerank-kit quantize`: writes the int8 variant of an fp32 ONNX model (pure JS, no
 * Python) as `onnx/model_quantized.onnx` in a copy of the model folder, and prints its parity
 * against fp32.
 */
export function registerQuantize(program: Command): void {
  program
    .command("quantize")
    .description("write the int8 (q8) variant of an fp32 ONNX model into a copy of its folder, and report its score drift against fp32")
    .requiredOption("-m, --model <id|folder>", "Hugging Face model id or local folder with onnx/model.onnx")
    .requiredOption("-o, --out <folder>", "folder to write (not the model folder)")
    .addOption(new Option("--granularity <g>", "int8 weight scales").choices(["per-column", "per-tensor"]).default("per-column"))
    .option("--sample <file.json>", 'parity sample {"query": "...", "documents": [...]} (default: a built-in sample of 16 documents)')
    .option("--no-parity", "skip the fp32 comparison")
    .option("--threads <n>", "ONNX Runtime threads for the parity check", positiveInteger)
    .option("--revision <rev>", "Hub revision")
    .option("--cache-dir <dir>", "Hub download cache")
    .option("--local-files-only", "never download; use the cache or folder only")
    .action(async (flags: QuantizeFlags) => {
      const sample = flags.sample === undefined ? undefined : await readSample(flags.sample);
      const { quantizeModel } = await import("../../local/quantize/quantize-model.js");
      const result = await quantizeModel(flags.model, {
        out: flags.out,
        ...(flags.granularity && { granularity: flags.granularity }),
        ...(sample && { sample }),
        skipParity: !flags.parity,
        ...(flags.threads !== undefined && { threads: flags.threads }),
        ...(flags.revision && { revision: flags.revision }),
        ...(flags.cacheDir && { cacheDir: flags.cacheDir }),
        ...(flags.localFilesOnly && { localFilesOnly: true }),
      });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}
