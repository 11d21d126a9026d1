import { BaseScorer } from "../../base-scorer.js";
import type { Capability, Contract } from "../../contracts/capabilities.js";
import type { Progress, ScoreInput, ScoreType } from "../../contracts/vocabulary.js";
import type { ScoreOptions, ScoreResponse } from "../../contracts/scorer.js";
import { RerankKitError } from "../../errors/rerank-kit-error.js";
import { cloneable, installCapabilities } from "./capability-proxy.js";
import { PLAN_SCORE, type WorkerModelInfo } from "./protocol.js";
import type { WorkerHandle } from "./worker-handle.js";

/**
 * A {@link Scorer} whose model runs in `worker_threads` workers, so ONNX Runtime's synchronous
 * inference never blocks the caller's event loop (a server keeps answering `/health` while a
 * large request is scored). Calls go to the least busy worker, a crashed worker is restarted;
 * `signal` cancels in the worker; errors arrive as the same rerank-kit classes.
 *
 * One class serves every model: the worker reports the capabilities of the model it loaded (see
 * the capability table, `has`), and the proxy has exactly those, each method forwarded to the
 * worker (`embed` for a bi-encoder, `classify` for a classifier, both for a model that does both;
 * an async `tokenize` and `maxLength` when the model has a tokenizer). Test for one with
 * `has(scorer, "embed")`. Create one with {@link loadWorkerScorer} or a class's
 * `fromPretrained(id, { worker: true })`, whose result is typed with that family's capabilities.
 */
export class WorkerScorer extends BaseScorer {
  /** The worker's model's score type. */
  declare readonly scoreType: ScoreType;
  /** The model id or folder. */
  declare readonly model: string;
  /** The model's longest sequence, when it has a tokenizer (else `undefined`). */
  declare readonly maxLength: number | undefined;
  /** The capabilities of the worker's model, as it reported them. */
  readonly capabilities: readonly Capability[];
  /**
   * ONNX Runtime intra-op threads of each worker's model, as the worker reported them: the
   * `threads` option, else the pool's split of the cores (`floor(cores / workers)`).
   * Undefined for a custom `loader`.
   */
  readonly threads: number | undefined;
  /**
   * Whether a call's results are the same floats whichever other inputs share its batches, so a
   * caller may split one call into parts on several workers and get the unsplit answer. True for
   * encoders (right-padded batches) with fp32 / fp16 weights; false for dynamically quantized
   * ones (q8, q4, ...), whose activations are quantized with one scale per batch, for decoders
   * and LLM rerankers (left padding, a shared prefix that depends on the call), and for a custom
   * `loader` (unknown).
   */
  readonly batchInvariant: boolean;
  /**
   * Whether a score call may be split along the micro-batches one worker would run it in
   * (`planScore`): each micro-batch is one model run, so its floats are the
   * same on any worker, even for q8 / q4 weights whose activation scales depend on the batch.
   * True for cross-encoders (right-padded, one sequence per pair); false for other families, LLM
   * rerankers and a custom `loader`.
   */
  readonly microBatchSplit: boolean;
  private readonly handles: WorkerHandle[];
  private readonly respawn: (signal: AbortSignal) => Promise<WorkerHandle>;
  private readonly replacing = new Map<number, Promise<void>>();
  /** Aborts the loads of replacement workers when the pool closes. */
  private readonly closing = new AbortController();
  private restartError: unknown;
  private closed = false;

  /** @internal Use {@link loadWorkerScorer}. */
  constructor(handles: WorkerHandle[], info: WorkerModelInfo, respawn: (signal: AbortSignal) => Promise<WorkerHandle>) {
    super();
    this.batchInvariant = info.batchInvariant === true;
    this.microBatchSplit = info.microBatchSplit === true;
    this.handles = handles;
    this.respawn = respawn;
    this.capabilities = Object.freeze([...info.capabilities]);
    this.threads = info.threads;
    installCapabilities(this, info, (method, args, signal, onProgress) => this.invoke(method, args, signal, onProgress));
    handles.forEach((h, i) => this.watch(h, i));
  }

  /** Worker threads in the pool, each holding its own copy of the model. */
  get workers(): number {
    return this.handles.length;
  }

  /**
   * Workers ready to take calls: fewer than {@link workers} while a crashed or recycled worker
   * (e.g. after a cancelled call that would not stop) is being replaced, 0 once closed. A server's
   * `/health` answers 503 while this is 0.
   */
  get liveWorkers(): number {
    return this.closed ? 0 : this.handles.filter((h) => h.alive).length;
  }

  /**
   * Live workers with no call in flight (cancelled calls still running count as busy). Calls
   * made back to back go to distinct idle workers, so this many can start in parallel now.
   */
  get idleWorkers(): number {
    return this.closed ? 0 : this.handles.filter((h) => h.alive && h.load === 0).length;
  }

  /** Replaces worker `i` as soon as it stops serving, so the pool heals without waiting for a call. */
  private watch(handle: WorkerHandle, i: number): void {
    handle.onDead(() => {
      if (!this.closed && this.handles[i] === handle && !this.replacing.has(i)) this.replacing.set(i, this.replace(i));
    });
  }

  /**
   * A live worker. A worker that crashed (or was killed, e.g. out of memory) is replaced in the
   * background; calls wait for a replacement only when no worker is left.
   */
  private async worker(): Promise<WorkerHandle> {
    if (this.closed) throw new RerankKitError(`Scorer for ${this.model} is closed`);
    const ready = this.pickAlive();
    if (ready) return ready;
    await Promise.all(this.replacing.values());
    if (!this.handles.some((h) => h.alive)) {
      throw new RerankKitError(`The scoring worker for ${this.model} could not be restarted`, { cause: this.restartError });
    }
    return this.worker();
  }

  /** The least busy live worker, chosen synchronously (so concurrent calls spread); starts replacements. */
  private pickAlive(): WorkerHandle | undefined {
    this.handles.forEach((h, i) => {
      if (!h.alive && !this.replacing.has(i)) this.replacing.set(i, this.replace(i));
    });
    const alive = this.handles.filter((h) => h.alive);
    return alive.length > 0 ? alive.reduce((a, b) => (b.load < a.load ? b : a)) : undefined;
  }

  /** Runs `method` on a worker. */
  private async invoke<T>(method: string, args: unknown[], signal?: AbortSignal, onProgress?: (p: Progress) => void): Promise<T> {
    const handle = (!this.closed && this.pickAlive()) || (await this.worker());
    return handle.call<T>(method, args, signal, onProgress);
  }

  private async replace(i: number): Promise<void> {
    try {
      const handle = await this.respawn(this.closing.signal);
      if (this.closed) await handle.terminate();
      else {
        this.handles[i] = handle;
        this.watch(handle, i);
      }
    } catch (error) {
      // Reported by worker() to the calls that find no live worker.
      this.restartError = error;
    } finally {
      this.replacing.delete(i);
    }
  }

  /** Scores in the worker; `score`, `rerank` and their option checks run on this thread on top of it. */
  async scoreWithUsage(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options?: ScoreOptions,
  ): Promise<ScoreResponse> {
    return this.invoke("scoreWithUsage", [queries, documents, cloneable(options)], options?.signal, options?.onProgress);
  }

  /**
   * The micro-batches a worker would run `scoreWithUsage(queries, documents, options)` in (pair
   * indices per model run, in run order) and each pair's tokens, computed in a worker by the
   * model's own encoding and planner. A server cuts a lone large call along these runs when
   * {@link WorkerScorer.microBatchSplit} (see `shareMicroBatches`).
   * @throws {RerankKitError} when the model cannot plan (`microBatchSplit` false), or as
   *   `scoreWithUsage` for bad input.
   * @internal
   */
  async planScore(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options?: ScoreOptions,
  ): Promise<{ batches: number[][]; lengths: number[] }> {
    if (!this.microBatchSplit) throw new RerankKitError(`${this.model} cannot plan its score calls in advance (microBatchSplit is false)`);
    return this.invoke(PLAN_SCORE, [queries, documents, cloneable(options)], options?.signal);
  }

  /**
   * Closes the model in every worker and stops the threads. Calls in flight are cancelled; a
   * worker still busy after `timeoutMs` (default: the pool's `cancelTimeoutMs`) is terminated, and
   * replacement workers still loading are stopped, so closing is bounded.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await Promise.all(this.replacing.values());
    await Promise.all(this.handles.map((h) => h.terminate(options.timeoutMs)));
  }
}

/**
 * A {@link WorkerScorer} typed with the capabilities `C` of its model's family, e.g.
 * `WorkerOf<"score" | "embed">` has `embed`. `fromPretrained(id, { worker: true })` returns one.
 */
export type WorkerOf<C extends Capability> = WorkerScorer & Contract<C>;

/**
 * What {@link loadWorkerScorer} returns for a model of any family: a {@link WorkerScorer} with an
 * async tokenizer and the model's metadata (present when the model has them; other capabilities
 * are tested with `has`).
 */
export type AnyWorkerScorer = WorkerOf<"score" | "tokenize" | "detokenize" | "metadata">;
