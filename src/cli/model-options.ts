import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import { Option, type Command } from "commander";
import { MAX_TEMPLATE_BYTES } from "../local/llm-reranker/template-source.js";
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
 * A file holds at most `MAX_TEMPLATE_BYTES` (1 MiB), as a model folder's chat_template.jinja.
 * @throws {CliError} (exit 2) when the value is none of them, or the file is larger than that.
 */
export async function readChatTemplate(value: string): Promise<string> {
  if (isScoreTemplatePreset(value)) return value;
  if (existsSync(value)) return readTemplateFile(value);
  if (/[{][{%]/.test(value)) return value;
  throw new CliError(`--chat-template ${value}: not a file, a Jinja template or a preset name`, 2);
}

/**
 * Reads a `--chat-template` file of at most {@link MAX_TEMPLATE_BYTES}: a regular file by its size
 * before reading, anything else (a pipe such as `<(...)`, a device) by counting what it yields, so
 * `/dev/zero` or a huge file is an error instead of memory filled before the template is parsed.
 */
async function readTemplateFile(path: string): Promise<string> {
  const tooLarge = (what: string): CliError =>
    new CliError(`--chat-template ${path}: the file ${what} more than the ${MAX_TEMPLATE_BYTES} bytes a template file can hold (as a model folder's chat_template.jinja)`, 2);
  const handle = await open(path, "r");
  try {
    const stat = await handle.stat();
    if (stat.isFile() && stat.size > MAX_TEMPLATE_BYTES) throw tooLarge(`is ${stat.size} bytes,`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_TEMPLATE_BYTES) throw tooLarge("yields");
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    await handle.close();
  }
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
