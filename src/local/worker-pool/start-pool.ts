import { availableParallelism } from "node:os";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { validateAnyLoadOptions, WORKER_RULES } from "../option-rules.js";
import type { LoadScorerOptions } from "../options.js";
import { WorkerHandle } from "./worker-handle.js";
import { WorkerScorer, type AnyWorkerScorer } from "./worker-scorer.js";

/** Options of {@link loadWorkerScorer}: those of `loadScorer`, plus the pool's. */
export interface WorkerScorerOptions extends LoadScorerOptions {
  /**
   * Worker threads, each holding its own copy of the model. Several help many concurrent calls
   * (a server): without `threads`, each then gets `floor(cores / workers)` ONNX Runtime threads,
   * so workers x threads fits the cores. One call runs on one worker (a server built with
   * `createServer` splits a lone large request across idle workers). @default 1
   */
  workers?: number;
  /**
   * A module (URL or absolute path) exporting `loadScorer(idOrPath, options)` to run in the
   * worker instead of rerank-kit's own; for custom scorers. @default rerank-kit's loadScorer
   */
  loader?: string;
  /**
   * How long a worker may take to load the model (download included) before its thread is
   * stopped and the load fails with a `ModelLoadError`: a hostile model folder that hangs loading
   * cannot hang the caller. @default 600000 (10 minutes)
   */
  loadTimeoutMs?: number;
  /**
   * How long a cancelled call (its `signal` aborted, e.g. by a server's request timeout) may keep
   * running in its worker. Calls stop at the next batch; one stuck in synchronous work (tokenizing,
   * a hostile tokenizer's regex) never reaches one, so past this bound the thread is terminated and
   * a fresh one loaded, and later calls are served. Also bounds how long `close()` waits for a busy
   * worker. @default 2000
   */
  cancelTimeoutMs?: number;
}

/** {@link WorkerScorerOptions.loadTimeoutMs}'s default. @internal */
export const DEFAULT_LOAD_TIMEOUT_MS = 600_000;
/** {@link WorkerScorerOptions.cancelTimeoutMs}'s default. @internal */
export const DEFAULT_CANCEL_TIMEOUT_MS = 2_000;

/** The scorer classes whose `fromPretrained` can run in a worker (`worker` option). @internal */
export type WorkerEntry = "CrossEncoderScorer" | "LlmRerankerScorer" | "BiEncoderScorer" | "LateInteractionScorer" | "ImageTextScorer" | "StaticEmbedder";

/**
 * Loads a model in worker threads and returns a proxy scorer with the model's capabilities
 * (`embed` for bi-encoders, `embedTokens` for ColBERT models, `classify` for cross-encoders,
 * `embedImages` for CLIP / SigLIP; test with `has`). `loadScorer(idOrPath, { worker: true })` is the same call.
 *
 * With several `workers` and no `threads`, each worker's ONNX Runtime gets `floor(cores /
 * workers)` threads (at least 1), so the pool never runs more inference threads than cores.
 *
 * @param idOrPath a Hub id or a folder, as for `loadScorer`
 * @throws {ModelLoadError} (rebuilt from the worker) when the model cannot be loaded
 * @throws {InvalidOptionError} for an unknown option or a bad value, before any thread starts
 * @example
 * ```ts
 * const scorer = await loadWorkerScorer("./models/reranker", { dtype: "q8" });
 * const results = await scorer.rerank("query", ["doc a", "doc b"]);
 * await scorer.close();
 * ```
 */
export async function loadWorkerScorer(idOrPath: string, options: WorkerScorerOptions = {}): Promise<AnyWorkerScorer> {
  // A custom loader defines its own options; only rerank-kit's loader can be checked here.
  if (options.loader === undefined) validateAnyLoadOptions(options, "loadWorkerScorer", WORKER_RULES);
  return startWorkerScorer(idOrPath, options, undefined);
}

/**
 * Starts the pool once the options are checked; `entry` names the scorer class whose
 * `fromPretrained` runs in each worker (default `loadScorer`). @internal
 */
export async function startWorkerScorer(idOrPath: string, options: WorkerScorerOptions, entry: WorkerEntry | undefined): Promise<AnyWorkerScorer> {
  const { workers = 1, loader, loadTimeoutMs = DEFAULT_LOAD_TIMEOUT_MS, cancelTimeoutMs = DEFAULT_CANCEL_TIMEOUT_MS, ...rest } = options;
  const timeouts = { loadTimeoutMs, cancelTimeoutMs };
  if (!Number.isInteger(workers) || workers < 1) {
    throw new InvalidInputError(`workers must be a positive integer, got ${String(workers)}`, { field: "workers" });
  }
  // Several workers at all cores each would oversubscribe the CPU: split the cores between them.
  const loadOptions: Record<string, unknown> =
    workers > 1 && rest.threads === undefined && loader === undefined
      ? { ...rest, threads: Math.max(1, Math.floor(availableParallelism() / workers)) }
      : { ...rest };
  const start = async (signal: AbortSignal): Promise<WorkerHandle> => (await WorkerHandle.start(idOrPath, loadOptions, loader, entry, timeouts, signal)).handle;
  const started = await Promise.allSettled(Array.from({ length: workers }, () => WorkerHandle.start(idOrPath, loadOptions, loader, entry, timeouts)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  const ok = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  if (failed) {
    await Promise.all(ok.map((s) => s.handle.terminate()));
    throw failed.reason;
  }
  const { info } = ok[0] as (typeof ok)[number];
  return new WorkerScorer(
    ok.map((s) => s.handle),
    info,
    start,
  ) as AnyWorkerScorer;
}
