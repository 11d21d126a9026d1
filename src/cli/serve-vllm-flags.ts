/**
 * vLLM's `vllm serve` habits that `rerank-kit serve` takes as they are: the model as a positional
 * argument, `--max-model-len`, `--task` / `--runner`, `--trust-remote-code`, and `--hf-overrides`
 * / `--chat-template` on any model. Each is resolved here into what the loader or the server
 * takes, or refused with a message in the flags' own words.
 * @module
 */
import { Option, type Command } from "commander";
import { CliError } from "./cli-error.js";
import { positiveInteger } from "./parsers.js";

/** vLLM's `--runner` choices. */
const RUNNERS = ["auto", "pooling", "generate", "draft"] as const;
/** vLLM's `--task` choices (the deprecated flag older scripts still pass). */
const TASKS = ["auto", "embed", "embedding", "classify", "score", "reward", "generate", "transcription", "draft"] as const;

/** The vLLM-habit flags `serve` reads. */
export interface VllmServeFlags {
  maxModelLen?: number;
  task?: (typeof TASKS)[number];
  runner?: (typeof RUNNERS)[number];
  trustRemoteCode?: boolean;
}

/** Adds the vLLM-habit flags to `serve`. */
export function addVllmServeFlags(command: Command): Command {
  return command
    .option("--max-model-len <n>", "vLLM's name for --max-length: the longest sequence fed to the model", positiveInteger)
    .addOption(new Option("--task <task>", "vLLM's task: checked against the model (embed: a bi-encoder, classify: a cross-encoder, score: any)").choices(TASKS))
    .addOption(new Option("--runner <runner>", "vLLM's runner: every model served here is a pooling model").choices(RUNNERS))
    .option("--trust-remote-code", "accepted for vLLM scripts; rerank-kit runs no code from the model (a warning says so)");
}

/**
 * The model id of `serve MODEL` or `serve -m MODEL` (one of them, or both naming the same model).
 * @throws {CliError} (exit 2) when neither or two different models are given.
 */
export function servedModelOf(positional: string | undefined, flag: string | undefined): string {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new CliError(`serve: the model is given twice (${positional} and --model ${flag}); give it once`, 2);
  }
  const model = positional ?? flag;
  if (model === undefined) throw new CliError("serve: name the model: rerank-kit serve MODEL (or --model MODEL)", 2);
  return model;
}

/**
 * `--max-model-len` as `--max-length` (vLLM's name for the same limit).
 * @throws {CliError} (exit 2) when both are given with different values.
 */
export function maxLengthOf(maxLength: number | undefined, maxModelLen: number | undefined): number | undefined {
  if (maxLength !== undefined && maxModelLen !== undefined && maxLength !== maxModelLen) {
    throw new CliError(`--max-model-len ${maxModelLen} contradicts --max-length ${maxLength}; they are the same limit`, 2);
  }
  return maxModelLen ?? maxLength;
}

/** The score types each `--task` serves (`undefined`: any model). */
const TASK_TYPES: Partial<Record<(typeof TASKS)[number], readonly string[]>> = {
  embed: ["bi-encoder"],
  embedding: ["bi-encoder"],
  classify: ["cross-encoder"],
};

/**
 * Checks `--task` and `--runner` against the model's score type, as vLLM refuses a model that
 * cannot run the task asked for.
 * @throws {CliError} (exit 2) for a generative runner or task, or a task the model cannot serve.
 */
export function checkTaskAndRunner(flags: VllmServeFlags, scoreType: string | undefined): void {
  if (flags.runner === "generate" || flags.runner === "draft") {
    throw new CliError(
      `--runner ${flags.runner}: rerank-kit serves pooling models only (score, rerank, embeddings, classify); use --runner pooling or leave it out`,
      2,
    );
  }
  const task = flags.task;
  if (task === undefined || task === "auto" || task === "score") return;
  const types = TASK_TYPES[task];
  if (types === undefined) {
    throw new CliError(`--task ${task}: rerank-kit serves the embed, classify and score tasks only`, 2);
  }
  if (scoreType !== undefined && !types.includes(scoreType)) {
    throw new CliError(`--task ${task} needs a ${types.join(" or ")} model; this model is a ${scoreType}`, 2);
  }
}

/** The `--trust-remote-code` warning: the flag is accepted so vLLM scripts run unchanged. */
export const TRUST_REMOTE_CODE_WARNING =
  "rerank-kit: warning: --trust-remote-code has no effect: rerank-kit runs no Python or other code from the model, only its ONNX graph and JSON files";

/** `--hf-overrides` split by who applies each key. */
export interface HfOverridesPlan {
  /** The keys the model loader applies (an LLM reranker's token head), as JSON; undefined = none. */
  loader: string | undefined;
  /** vLLM's Matryoshka keys for the server's `dimensions` check; undefined = from the model's files. */
  matryoshka: boolean | number[] | undefined;
  /** Keys nothing here applies (rerank-kit reads the model's own files), for a warning. */
  ignored: string[];
}

/** The keys of an LLM reranker's token head, which its loader reads. */
const HEAD_KEYS = ["classifier_from_token", "method", "is_original_qwen3_reranker"];

/**
 * Splits `--hf-overrides` as vLLM applies it to any model's config: `is_matryoshka` and
 * `matryoshka_dimensions` decide whether `dimensions` is accepted, for every model; the token
 * head keys go to the LLM-reranker loader, with the rest of the object when the model is not a
 * known encoder (`family` undefined: an LLM reranker, whose loader accepts `architectures`).
 * @throws {CliError} (exit 2) for broken JSON or a Matryoshka key of the wrong type.
 */
export function planHfOverrides(json: string | undefined, family: string | undefined): HfOverridesPlan {
  if (json === undefined) return { loader: undefined, matryoshka: undefined, ignored: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new CliError(`--hf-overrides must be a JSON object such as '{"is_matryoshka": true}', got ${json}`, 2);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`--hf-overrides must be a JSON object such as '{"is_matryoshka": true}', got ${json}`, 2);
  }
  const { is_matryoshka: flag, matryoshka_dimensions: dims, ...rest } = parsed as Record<string, unknown>;
  if (flag !== undefined && typeof flag !== "boolean") throw new CliError(`--hf-overrides: is_matryoshka must be true or false, got ${JSON.stringify(flag)}`, 2);
  if (dims !== undefined && dims !== null && !(Array.isArray(dims) && dims.length > 0 && dims.every((d) => Number.isInteger(d) && d > 0))) {
    throw new CliError(`--hf-overrides: matryoshka_dimensions must be a list of positive integers, got ${JSON.stringify(dims)}`, 2);
  }
  // As vLLM: listed dimensions make a model Matryoshka; is_matryoshka alone allows any size.
  const matryoshka = Array.isArray(dims) ? (dims as number[]) : flag;
  const keys = Object.keys(rest);
  const toLoader = keys.some((k) => HEAD_KEYS.includes(k)) || (family === undefined && keys.length > 0);
  return {
    loader: toLoader ? JSON.stringify(rest) : undefined,
    matryoshka,
    ignored: toLoader ? [] : keys,
  };
}

/**
 * Where `--chat-template` goes: an encoder (bi-encoder, ColBERT) has no score template, so for
 * it the flag is vLLM's chat template for `messages` on the embedding and pooling routes; for a
 * cross-encoder or LLM reranker it stays the score template (and renders `messages` too).
 */
export function chatTemplateTarget(family: string | undefined): "server" | "loader" {
  return family === "bi-encoder" || family === "late-interaction" ? "server" : "loader";
}
