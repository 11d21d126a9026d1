import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { isScoreTemplatePreset } from "../templates/presets.js";
import { CliError } from "./cli-error.js";
import { DTYPES, type Dtype, type LoadScorerOptions } from "../local/options.js";
import { SCORE_TYPES, type ScoreType } from "../types.js";
import { positiveInteger } from "./parsers.js";

/** Flags every command shares to load a model. */
export interface ModelFlags {
  /** Always set after a command's own check (`serve` also takes it positionally). */
  model: string;
  scoreType?: ScoreType;
  dtype?: Dtype;
  threads?: number;
  maxLength?: number;
  revision?: string;
  cacheDir?: string;
  localFilesOnly?: boolean;
  hfOverrides?: string;
  chatTemplate?: string;
}

/**
 * Adds the model flags (`--model`, `--score-type`, `--dtype`, ...) to a command. `serve` passes
 * `modelRequired: false`: it also takes the model as a positional argument, as `vllm serve`.
 */
export function addModelFlags(command: Command, { modelRequired = true } = {}): Command {
  const model = new Option("-m, --model <id|folder>", "Hugging Face model id or local folder");
  return command
    .addOption(modelRequired ? model.makeOptionMandatory() : model)
    .addOption(new Option("--score-type <type>", "override the detected score type").choices(SCORE_TYPES))
    .addOption(new Option("--dtype <dtype>", "weights to load").choices(DTYPES))
    .option("--threads <n>", "ONNX Runtime intra-op threads (default: all cores)", positiveInteger)
    .option("--max-length <n>", "longest sequence fed to the model", positiveInteger)
    .option("--revision <rev>", "Hub revision")
    .option("--cache-dir <dir>", "Hub download cache")
    .option("--local-files-only", "never download; use the cache or folder only")
    .option("--hf-overrides <json>", "vLLM's hf_overrides for causal-LM rerankers, e.g. '{\"classifier_from_token\":[\"no\",\"yes\"],\"is_original_qwen3_reranker\":true}'")
    .option("--chat-template <file|preset>", "score template: a Jinja file, Jinja text, or a preset (qwen3-reranker, mxbai-rerank-v2, bge-reranker-v2-gemma, nemotron-rerank)");
}

/**
 * Resolves `--chat-template` as vLLM does (a file path or the template itself), plus preset names.
 * @throws {CliError} (exit 2) when the value is none of them.
 */
export async function readChatTemplate(value: string): Promise<string> {
  if (isScoreTemplatePreset(value)) return value;
  if (existsSync(value)) return readFile(value, "utf8");
  if (/[{][{%]/.test(value)) return value;
  throw new CliError(`--chat-template ${value}: not a file, a Jinja template or a preset name`, 2);
}

/** The `loadScorer` options named by the flags (unset flags stay unset). */
export async function loadOptions(flags: ModelFlags): Promise<LoadScorerOptions> {
  const options: LoadScorerOptions = {};
  if (flags.hfOverrides) options.hfOverrides = flags.hfOverrides;
  if (flags.chatTemplate) options.scoreTemplate = await readChatTemplate(flags.chatTemplate);
  if (flags.scoreType) options.scoreType = flags.scoreType;
  if (flags.dtype) options.dtype = flags.dtype;
  if (flags.threads) options.threads = flags.threads;
  if (flags.maxLength) options.maxLength = flags.maxLength;
  if (flags.revision) options.revision = flags.revision;
  if (flags.cacheDir) options.cacheDir = flags.cacheDir;
  if (flags.localFilesOnly) options.localFilesOnly = true;
  return options;
}
