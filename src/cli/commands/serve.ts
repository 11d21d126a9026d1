import { availableParallelism } from "node:os";
import { Option, type Command } from "commander";
import { openBindWarning, resolveApiKey } from "../api-key.js";
import { COLBERT_CONVENTION_DEFAULTS, COLBERT_CONVENTIONS, type ColbertConvention } from "../../local/options.js";
import { addModelFlags, loadOptions, readChatTemplate, type ModelFlags } from "../model-options.js";
import { isScoreTemplatePreset } from "../../templates/presets.js";
import {
  addVllmServeFlags,
  chatTemplateTarget,
  checkTaskAndRunner,
  maxLengthOf,
  planHfOverrides,
  servedModelOf,
  TRUST_REMOTE_CODE_WARNING,
  type VllmServeFlags,
} from "../serve-vllm-flags.js";
import { CliError } from "../cli-error.js";
import { integer, port, positiveInteger } from "../parsers.js";
import { SERVER_DEFAULTS as D } from "../../server/defaults.js";
import { budgetDtype } from "../../batching/micro-batches.js";
import { addMediaFlags, mediaOptions, type MediaFlags } from "../media-flags.js";

interface ServeFlags extends ModelFlags, MediaFlags, VllmServeFlags {
  host: string;
  port: number;
  apiKey?: string;
  apiKeyFile?: string;
  publicDocs?: boolean;
  servedModelName?: string[];
  workers?: number;
  batching: boolean;
  maxBatchPairs?: number;
  batchWaitMs?: number;
  maxDocuments: number;
  maxInFlight: number;
  maxInFlightBodyBytes?: number;
  maxBodyBytes: number;
  maxResponseBytes: number;
  timeoutMs: number;
  loadTimeoutMs?: number;
  cancelTimeoutMs?: number;
  headerTimeoutMs: number;
  bodyTimeoutMs: number;
  idleTimeoutMs: number;
  shutdownTimeoutMs: number;
  cors?: string[];
  scorePrompts?: boolean;
  /** `model` is the 0.x name of `colbert`. */
  colbertConvention: ColbertConvention | "model";
  enableTokenizerInfoEndpoint?: boolean;
  log: "off" | "text" | "json";
  /** `--no-rewrite-head` sets it false. */
  rewriteHead: boolean;
  poolerConfig?: string;
  "poolerConfig.task"?: PoolingTask;
}

/** The pooling tasks `/pooling` can be switched to (vLLM's `--pooler-config.task`). */
const POOLING_TASKS = ["embed", "classify", "token_embed", "token_classify"] as const;
type PoolingTask = (typeof POOLING_TASKS)[number];

/**
 * The task of `--pooler-config '{"task": ...}'` or `--pooler-config.task`, as vLLM's flag; the
 * other pooler settings vLLM has (pooling type, normalize, ...) are the model's own files here.
 * @throws {CliError} (exit 2) for broken JSON, another key, or an unknown task.
 */
export function poolingTaskOf(json: string | undefined, dotted: PoolingTask | undefined): PoolingTask | undefined {
  if (json === undefined) return dotted;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new CliError(`--pooler-config must be a JSON object such as '{"task": "token_embed"}', got ${json}`, 2);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`--pooler-config must be a JSON object such as '{"task": "token_embed"}', got ${json}`, 2);
  }
  const { task, ...rest } = parsed as Record<string, unknown>;
  const others = Object.keys(rest);
  if (others.length > 0) {
    throw new CliError(`--pooler-config: only "task" can be set here (the model's files decide pooling and normalization), got ${others.join(", ")}`, 2);
  }
  if (task !== undefined && !(POOLING_TASKS as readonly unknown[]).includes(task)) {
    throw new CliError(`--pooler-config: task must be one of ${POOLING_TASKS.join(", ")}, got ${JSON.stringify(task)}`, 2);
  }
  if (dotted !== undefined && task !== undefined && dotted !== task) {
    throw new CliError(`--pooler-config.task ${dotted} contradicts --pooler-config's task ${String(task)}`, 2);
  }
  return (task as PoolingTask | undefined) ?? dotted;
}

/** Registers `rerank-kit serve`: the vLLM score protocol over a local model in worker threads. */
export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("serve vLLM's /score, /rerank, /v1/embeddings and /pooling API over a local model")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("-p, --port <port>", "TCP port (0 = any free port)", port, 8000)
    .option("--api-key-file <file>", "require Authorization: Bearer <key read from this file> (recommended; or env RERANK_KIT_API_KEY)")
    .option("--api-key <key>", "require this Bearer key (visible in ps: prefer --api-key-file or RERANK_KIT_API_KEY)")
    .option("--public-docs", "serve /openapi.json without the key too (the /docs page is always open)")
    .option("--served-model-name <names...>", "model names clients may send (first is echoed)")
    .option(
      "--workers <n>",
      `worker threads, each with its own copy of the model and cores/n ONNX Runtime threads (default: one per core, at most ${MAX_DEFAULT_WORKERS}; 1 with all cores for q8 weights)`,
      positiveInteger,
    )
    .option("--no-batching", "score each request on its own (no dynamic batching)")
    .option("--max-batch-pairs <n>", `most pairs (or embedding inputs) in one merged call (default: ${D.batching.maxBatchPairs})`, positiveInteger)
    .option("--batch-wait-ms <ms>", `longest wait for companions (default: ${D.batching.maxWaitMs})`, integer)
    .option("--max-documents <n>", "most documents per request", positiveInteger, D.maxDocuments)
    .option("--max-in-flight <n>", "requests with a body admitted at once; beyond it an immediate 503", positiveInteger, D.maxInFlight)
    .option("--max-in-flight-body-bytes <n>", "body bytes of admitted requests; beyond it an immediate 503 (default: 4 x --max-body-bytes)", positiveInteger)
    .option("--max-body-bytes <n>", "largest request body; beyond it 413", positiveInteger, D.maxBodyBytes)
    .option(
      "--max-response-bytes <n>",
      "largest /pooling token_embed answer, estimated before the model runs (tokens x dim x 20 bytes per float as JSON, 4 as bytes); beyond it 413",
      positiveInteger,
      D.maxResponseBytes,
    )
    .option("--timeout-ms <ms>", "per-request inference time limit; beyond it 504", positiveInteger, D.requestTimeoutMs)
    .option("--load-timeout-ms <ms>", "stop a model load (download included) that takes longer, and exit with an error (default: 600000)", positiveInteger)
    .option(
      "--cancel-timeout-ms <ms>",
      "how long a worker may keep running a request that timed out or was cancelled before it is terminated and replaced; also bounds shutdown's wait for a busy worker (default: 2000)",
      integer,
    )
    .option("--header-timeout-ms <ms>", "time to send the request headers", positiveInteger, D.headerTimeoutMs)
    .option("--body-timeout-ms <ms>", "time to send the whole request (headers and body); beyond it 408", positiveInteger, D.bodyTimeoutMs)
    .option("--idle-timeout-ms <ms>", "how long an idle keep-alive connection stays open", positiveInteger, D.idleTimeoutMs)
    .option("--shutdown-timeout-ms <ms>", "on SIGTERM/SIGINT, wait this long for in-flight requests, then cut connections", positiveInteger, D.shutdownTimeoutMs)
    .option("--cors <origins...>", "allow these CORS origins (* = any); off by default")
    .option("--score-prompts", "bi-encoder /score and /rerank prepend the model's query/document prompts (default: texts as given, as vLLM)")
    .addOption(
      new Option(
        "--colbert-convention <convention>",
        "ColBERT encoding: vllm (plain tokens, as vLLM) or colbert (markers, [MASK] expansion, skiplist: the library's default; `model` is its deprecated name)",
      )
        .choices([...COLBERT_CONVENTIONS, "model"])
        .default(COLBERT_CONVENTION_DEFAULTS.serve),
    )
    .addOption(
      new Option("--log <format>", "request log on stderr, one line per request: text or json (off: only 5xx answers, as text)")
        .choices(["off", "text", "json"])
        .default("off"),
    )
    .option("--no-rewrite-head", "LLM rerankers: keep the full LM head (slower scores) so /generative_scoring can read any next-token probability")
    .option("--enable-tokenizer-info-endpoint", "serve GET /tokenizer_info (as vLLM's flag)")
    .option("--pooler-config <json>", `the task /pooling runs, as vLLM's flag: '{"task": "token_embed"}' (default: the model's first of embed, classify, token_embed)`)
    .addOption(new Option("--pooler-config.task <task>", "the same, as vLLM's dotted form").choices([...POOLING_TASKS]))
    .argument("[model]", "Hugging Face model id or local folder (as `vllm serve MODEL`; or --model)");
  addVllmServeFlags(addModelFlags(addMediaFlags(command), { modelRequired: false })).action(async (positional: string | undefined, given: ServeFlags) => {
    const warn = (line: string): void => void process.stderr.write(`${line}\n`);
    const maxLength = maxLengthOf(given.maxLength, given.maxModelLen);
    const flags: ServeFlags = { ...given, model: servedModelOf(positional, given.model), ...(maxLength !== undefined && { maxLength }) };
    if (flags.trustRemoteCode) warn(TRUST_REMOTE_CODE_WARNING);
    const poolingTask = poolingTaskOf(flags.poolerConfig, flags["poolerConfig.task"]);
    const apiKey = resolveApiKey({ flag: flags.apiKey, file: flags.apiKeyFile, env: process.env["RERANK_KIT_API_KEY"] }, warn);
    // Heavy modules load only when the command runs, so --help and flag errors stay fast.
    const { loadWorkerScorer } = await import("../../local/worker-pool/index.js");
    const { createServer } = await import("../../server/index.js");
    // --chat-template and --hf-overrides go where the model's family applies them (below).
    const loaded = await loadOptions({ ...flags, chatTemplate: undefined, hfOverrides: undefined });
    // `convention` is a ColBERT option; other families refuse it, so it is passed to ColBERT only.
    const family = loaded.scoreType ?? (await detectedFamily(flags.model, loaded));
    checkTaskAndRunner(flags, family);
    const overrides = planHfOverrides(flags.hfOverrides, family);
    if (overrides.loader !== undefined) loaded.hfOverrides = overrides.loader;
    if (overrides.ignored.length > 0) {
      warn(`rerank-kit: warning: --hf-overrides ${overrides.ignored.join(", ")}: no effect here (rerank-kit reads the model's own files)`);
    }
    const chatTemplate = flags.chatTemplate === undefined ? undefined : await serveChatTemplate(flags.chatTemplate, family);
    if (chatTemplate?.target === "loader") loaded.scoreTemplate = chatTemplate.value;
    if (flags.rewriteHead === false) loaded.rewriteHead = false;
    const chosen = flags.colbertConvention === "model" ? "colbert" : flags.colbertConvention;
    const convention = family === "late-interaction" ? { convention: chosen } : {};
    // Concurrent requests run side by side on single-thread sessions, one per core: on small
    // batches ONNX Runtime's second thread adds little, a second session nearly doubles throughput.
    // Not for int8 weights, whose lone small requests cannot be split (see defaultServeWorkers).
    const workers = flags.workers ?? defaultServeWorkers(undefined, loaded.dtype);
    const scorer = await loadWorkerScorer(flags.model, {
      ...loaded,
      ...convention,
      workers,
      ...(flags.loadTimeoutMs !== undefined && { loadTimeoutMs: flags.loadTimeoutMs }),
      ...(flags.cancelTimeoutMs !== undefined && { cancelTimeoutMs: flags.cancelTimeoutMs }),
    });
    // createServer refuses options this model cannot honour (a pooling task it lacks); the
    // workers must stop then, or they would keep the process alive after the error.
    const server = await closingOnError(scorer, () => createServer({
      scorer,
      closeScorer: true,
      ...(apiKey !== undefined && { apiKey }),
      ...(flags.publicDocs && { publicDocs: true }),
      scorePrompts: flags.scorePrompts === true,
      // vLLM's --chat-template also renders chat-form `messages` of embeddings and /tokenize.
      ...(chatTemplate?.target === "server" && { chatTemplate: chatTemplate.value }),
      ...(typeof loaded.scoreTemplate === "string" && { chatTemplate: loaded.scoreTemplate }),
      ...(overrides.matryoshka !== undefined && { matryoshka: overrides.matryoshka }),
      tokenizerInfo: flags.enableTokenizerInfoEndpoint === true,
      requestLog: flags.log,
      ...(poolingTask !== undefined && { poolingTask }),
      ...(flags.servedModelName && { servedModelName: flags.servedModelName }),
      batching: flags.batching
        ? { ...(flags.maxBatchPairs && { maxBatchPairs: flags.maxBatchPairs }), ...(flags.batchWaitMs !== undefined && { maxWaitMs: flags.batchWaitMs }) }
        : false,
      concurrency: workers,
      maxDocuments: flags.maxDocuments,
      maxInFlight: flags.maxInFlight,
      ...(flags.maxInFlightBodyBytes && { maxInFlightBodyBytes: flags.maxInFlightBodyBytes }),
      maxBodyBytes: flags.maxBodyBytes,
      maxResponseBytes: flags.maxResponseBytes,
      requestTimeoutMs: flags.timeoutMs,
      headerTimeoutMs: flags.headerTimeoutMs,
      bodyTimeoutMs: flags.bodyTimeoutMs,
      idleTimeoutMs: flags.idleTimeoutMs,
      shutdownTimeoutMs: flags.shutdownTimeoutMs,
      ...(flags.cors && { cors: flags.cors.includes("*") ? true : flags.cors }),
      ...mediaOptions(flags),
    }));
    let address;
    try {
      address = await server.listen({ host: flags.host, port: flags.port });
    } catch (error) {
      await scorer.close();
      throw error;
    }
    const bindWarning = openBindWarning(flags.host, apiKey);
    if (bindWarning) warn(bindWarning);
    const pool = `${workers} worker${workers === 1 ? "" : "s"}${loaded.threads ? ` x ${loaded.threads} threads` : ""}`;
    process.stderr.write(`rerank-kit: serving ${scorer.model} (${scorer.scoreType}, ${pool}) on ${address.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        process.stderr.write(`rerank-kit: ${signal}: finishing in-flight requests (at most ${flags.shutdownTimeoutMs} ms)\n`);
        void server.close().then(resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  });
}

/**
 * `--chat-template` for the model's family: an encoder's chat template (a file or Jinja text, not
 * a reranker preset) goes to the server; a reranker's score template to the loader.
 * @throws {CliError} (exit 2) for a score-template preset on an encoder, or an unreadable value.
 */
async function serveChatTemplate(value: string, family: string | undefined): Promise<{ target: "server" | "loader"; value: string }> {
  const target = chatTemplateTarget(family);
  if (target === "server" && isScoreTemplatePreset(value)) {
    throw new CliError(`--chat-template ${value} is a reranker's score template; a ${family} takes a Jinja chat template (a file or the template text)`, 2);
  }
  return { target, value: await readChatTemplate(value) };
}

/** Runs `build`, closing `scorer` if it throws. */
async function closingOnError<T>(scorer: { close(): Promise<void> }, build: () => T): Promise<T> {
  try {
    return build();
  } catch (error) {
    await scorer.close();
    throw error;
  }
}

/** Most workers `serve` starts by default: each holds a copy of the model. */
const MAX_DEFAULT_WORKERS = 4;

/**
 * `serve`'s default pool for weights of `dtype`: one single-thread worker per core, at most
 * {@link MAX_DEFAULT_WORKERS}, for float weights (fp32, fp16) and 4-bit ones; one worker with all
 * cores for dynamic int8 weights (q8, int8, uint8). An int8 request can be split across workers
 * only along its own micro-batches (its answers depend on the batch), and a typical request of a
 * few documents is one micro-batch, so it would run on one single-thread worker: measured on an
 * idle 2-core AMD EPYC (AVX2) with a MiniLM-L6-shaped q8 cross-encoder, two single-thread workers
 * served 0.75x the requests of one two-thread worker at concurrency 1 and 0.83x at 16 (on a
 * Xeon with AMX 0.72x and 1.12x; on a machine busy with other jobs the pool did better): see
 * bench/README.md.
 */
export function defaultServeWorkers(cores = availableParallelism(), dtype?: string): number {
  if (budgetDtype(dtype) === "q8") return 1;
  return Math.max(1, Math.min(cores, MAX_DEFAULT_WORKERS));
}

/** The family the model's files describe (read once here; the worker reads them from the cache). */
async function detectedFamily(model: string, options: object): Promise<string | undefined> {
  const { loadModelFiles } = await import("../../local/files/model-files.js");
  const { detectFamily } = await import("../../local/detect-family.js");
  try {
    return detectFamily(await loadModelFiles(model, options)).scoreType;
  } catch {
    // The worker's own load reports the problem with its full message.
    return undefined;
  }
}
