import { availableParallelism } from "node:os";
import { BaseScorer } from "../../base-scorer.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { RerankKitError } from "../../errors/rerank-kit-error.js";
import type {
  Classifier,
  ClassifyOptions,
  ClassifyResponse,
  EmbedOptions,
  EmbedResponse,
  Embedder,
  Progress,
  ScoreInput,
  ScoreOptions,
  ScoreResponse,
  ScoreType,
  TokenEmbedder,
  TokenEmbeddings,
  Tokenization,
} from "../../types.js";
import { validateAnyLoadOptions, WORKER_RULES } from "../option-rules.js";
import type { LoadScorerOptions } from "../options.js";
import type { WorkerMethod, WorkerModelInfo } from "./protocol.js";
import { WorkerHandle } from "./worker-handle.js";

/** Options of {@link loadWorkerScorer}: those of `loadScorer`, plus the pool's. */
export interface WorkerScorerOptions extends LoadScorerOptions {
  /**
   * Worker threads, each holding its own copy of the model. Several help many concurrent calls
   * (a server): without `threads`, each then gets `floor(cores / workers)` ONNX Runtime threads,
   * so workers x threads fits the cores. One large call runs on one worker. @default 1
   */
  workers?: number;
  /**
   * A module (URL or absolute path) exporting `loadScorer(idOrPath, options)` to run in the
   * worker instead of rerank-kit's own; for custom scorers. @default rerank-kit's loadScorer
   */
  loader?: string;
}

type Cloneable<T> = Omit<T, "signal" | "onProgress">;

/** Options without the parts that cannot cross a thread boundary. */
function cloneable<T extends { signal?: AbortSignal; onProgress?: unknown }>(options: T | undefined): Cloneable<T> {
  const { signal: _signal, onProgress: _progress, ...rest } = options ?? ({} as T);
  return rest;
}

/**
 * A {@link Scorer} whose model runs in `worker_threads` workers, so ONNX Runtime's synchronous
 * inference never blocks the caller's event loop (a server keeps answering `/health` while a
 * large request is scored). Calls go to the least busy worker, a crashed worker is restarted;
 * `signal` cancels in the worker;
 * errors arrive as the same rerank-kit classes. Has an async `tokenize` and `maxLength` when the
 * model has a tokenizer. Create one with {@link loadWorkerScorer}.
 */
export class WorkerScorer extends BaseScorer {
  /** The worker's model's score type. */
  readonly scoreType: ScoreType;
  /** The model id or folder. */
  readonly model: string;
  /** The model's longest sequence, when it has a tokenizer. */
  readonly maxLength: number | undefined;
  /** The model's `config.json`, as the worker's scorer reported it (empty if it has none). */
  readonly modelConfig: Readonly<Record<string, unknown>>;
  /** The model's `tokenizer_config.json`, as the worker's scorer reported it (empty if it has none). */
  readonly tokenizerConfig: Readonly<Record<string, unknown>>;
  /** The model's sentence-transformers prompts, as the worker's scorer reported them. */
  readonly sentenceTransformersPrompts: Readonly<Record<string, string>>;
  private readonly handles: WorkerHandle[];
  private readonly respawn: () => Promise<WorkerHandle>;
  private readonly replacing = new Map<number, Promise<void>>();
  private restartError: unknown;
  private closed = false;

  /** @internal Use {@link loadWorkerScorer}. */
  constructor(handles: WorkerHandle[], info: WorkerModelInfo, respawn: () => Promise<WorkerHandle>) {
    super();
    this.handles = handles;
    this.respawn = respawn;
    this.scoreType = info.scoreType;
    this.model = info.model;
    this.maxLength = info.tokenizer ? info.maxLength : undefined;
    this.modelConfig = info.config ?? {};
    this.tokenizerConfig = info.tokenizerConfig ?? {};
    this.sentenceTransformersPrompts = info.prompts ?? {};
  }

  /** Worker threads in the pool, each holding its own copy of the model. */
  get workers(): number {
    return this.handles.length;
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

  /**
   * `embedTokenSequences` proxied to the worker, or `undefined` when the worker's scorer has none
   * (a custom loader's), so a server does not offer a `token_embed` task it cannot run. @internal
   */
  protected tokenSequencesProxy(info: WorkerModelInfo): EmbedTokenSequences | undefined {
    if (!info.tokenSequenceEmbedder) return undefined;
    return (sequences, options) => this.invoke("embedTokenSequences", [sequences, cloneable(options)], options?.signal, options?.onProgress);
  }

  /**
   * Runs `method` on a worker. @internal
   */
  protected async invoke<T>(
    method: WorkerMethod,
    args: unknown[],
    signal?: AbortSignal,
    onProgress?: (p: Progress) => void,
  ): Promise<T> {
    const handle = (!this.closed && this.pickAlive()) || (await this.worker());
    return handle.call<T>(method, args, signal, onProgress);
  }

  private async replace(i: number): Promise<void> {
    try {
      const handle = await this.respawn();
      if (this.closed) await handle.terminate();
      else this.handles[i] = handle;
    } catch (error) {
      // Reported by worker() to the calls that find no live worker.
      this.restartError = error;
    } finally {
      this.replacing.delete(i);
    }
  }

  async scoreWithUsage(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options?: ScoreOptions,
  ): Promise<ScoreResponse> {
    return this.invoke("scoreWithUsage", [queries, documents, cloneable(options)], options?.signal, options?.onProgress);
  }

  /**
   * Tokenizes one text in the worker.
   * @throws {InvalidInputError} when the model has no tokenizer.
   */
  async tokenize(text: string, options: { addSpecialTokens?: boolean } = {}): Promise<Tokenization> {
    if (this.maxLength === undefined) throw new InvalidInputError("This model has no tokenizer", { field: "text" });
    return this.invoke("tokenize", [text, options]);
  }

  /**
   * Decodes token ids in the worker (special tokens skipped unless `skipSpecialTokens` is false).
   * @throws {InvalidInputError} when the model has no tokenizer.
   */
  async detokenize(ids: number[], options: { skipSpecialTokens?: boolean } = {}): Promise<string> {
    if (this.maxLength === undefined) throw new InvalidInputError("This model has no tokenizer", { field: "tokens" });
    return this.invoke("detokenize", [ids, options]);
  }

  /** Closes the model in every worker and stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.replacing.values());
    await Promise.all(this.handles.map((h) => h.terminate()));
  }
}

/** Per-token vectors of token-id sequences, the `embedTokenSequences` of bi-encoders and ColBERT models. */
export type EmbedTokenSequences = (
  sequences: number[][],
  options?: Pick<EmbedOptions, "signal" | "onProgress" | "normalize">,
) => Promise<TokenEmbeddings[]>;

/** A {@link WorkerScorer} over a bi-encoder: also an {@link Embedder}. */
export class WorkerBiEncoder extends WorkerScorer implements Embedder {
  /** Per-token vectors (before pooling) of token-id sequences as given, in the worker; `undefined` when the model's scorer has none. */
  readonly embedTokenSequences: EmbedTokenSequences | undefined;

  /** @internal Use {@link loadWorkerScorer}. */
  constructor(handles: WorkerHandle[], info: WorkerModelInfo, respawn: () => Promise<WorkerHandle>) {
    super(handles, info, respawn);
    this.embedTokenSequences = this.tokenSequencesProxy(info);
  }

  /** Embeds texts in the worker. */
  async embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  /** Embeds texts in the worker, with usage. */
  async embedWithUsage(texts: string[], options?: EmbedOptions): Promise<EmbedResponse> {
    return this.invoke("embedWithUsage", [texts, cloneable(options)], options?.signal, options?.onProgress);
  }

  /** Embeds token-id sequences as given (special tokens included), in the worker. */
  async embedSequences(sequences: number[][], options?: EmbedOptions): Promise<EmbedResponse> {
    return this.invoke("embedSequences", [sequences, cloneable(options)], options?.signal, options?.onProgress);
  }
}

/** A {@link WorkerScorer} over a ColBERT model: also a {@link TokenEmbedder}. */
export class WorkerLateInteraction extends WorkerScorer implements TokenEmbedder {
  /** Per-token vectors of token-id sequences as given, in the worker; `undefined` when the model's scorer has none. */
  readonly embedTokenSequences: EmbedTokenSequences | undefined;

  /** @internal Use {@link loadWorkerScorer}. */
  constructor(handles: WorkerHandle[], info: WorkerModelInfo, respawn: () => Promise<WorkerHandle>) {
    super(handles, info, respawn);
    this.embedTokenSequences = this.tokenSequencesProxy(info);
  }

  /** Per-token embeddings, computed in the worker. */
  async embedTokens(texts: string[], options?: EmbedOptions): Promise<TokenEmbeddings[]> {
    return this.invoke("embedTokens", [texts, cloneable(options)], options?.signal, options?.onProgress);
  }
}

/**
 * A {@link WorkerScorer} over a sequence classifier (a local cross-encoder): also a
 * {@link Classifier}, so a server built on it serves `/classify`.
 */
export class WorkerClassifier extends WorkerScorer implements Classifier {
  /** Label names by class index, as the worker's classifier reported them. */
  readonly labels: readonly (string | undefined)[];

  /** @internal Use {@link loadWorkerScorer}. */
  constructor(handles: WorkerHandle[], info: WorkerModelInfo, respawn: () => Promise<WorkerHandle>) {
    super(handles, info, respawn);
    this.labels = info.labels ?? [];
  }

  /** Classifies texts, each encoded alone, in the worker. */
  async classify(texts: string[], options?: ClassifyOptions): Promise<ClassifyResponse> {
    return this.invoke("classify", [texts, cloneable(options)], options?.signal);
  }

  /** Classifies token-id sequences exactly as given, in the worker. */
  async classifySequences(sequences: number[][], options?: ClassifyOptions): Promise<ClassifyResponse> {
    return this.invoke("classifySequences", [sequences, cloneable(options)], options?.signal);
  }
}

/** The scorer classes whose `fromPretrained` can run in a worker (`worker` option). @internal */
export type WorkerEntry = "CrossEncoderScorer" | "LlmRerankerScorer" | "BiEncoderScorer" | "LateInteractionScorer";

/**
 * Loads a model in worker threads and returns a proxy scorer: a {@link WorkerBiEncoder} for
 * bi-encoders, a {@link WorkerLateInteraction} for ColBERT models, else a {@link WorkerScorer}.
 * `loadScorer(idOrPath, { worker: true })` is the same call.
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
export async function loadWorkerScorer(idOrPath: string, options: WorkerScorerOptions = {}): Promise<WorkerScorer> {
  // A custom loader defines its own options; only rerank-kit's loader can be checked here.
  if (options.loader === undefined) validateAnyLoadOptions(options, "loadWorkerScorer", WORKER_RULES);
  return startWorkerScorer(idOrPath, options, undefined);
}

/**
 * Starts the pool once the options are checked; `entry` names the scorer class whose
 * `fromPretrained` runs in each worker (default `loadScorer`). @internal
 */
export async function startWorkerScorer(idOrPath: string, options: WorkerScorerOptions, entry: WorkerEntry | undefined): Promise<WorkerScorer> {
  const { workers = 1, loader, ...rest } = options;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new InvalidInputError(`workers must be a positive integer, got ${String(workers)}`, { field: "workers" });
  }
  // Several workers at all cores each would oversubscribe the CPU: split the cores between them.
  const loadOptions: Record<string, unknown> =
    workers > 1 && rest.threads === undefined && loader === undefined
      ? { ...rest, threads: Math.max(1, Math.floor(availableParallelism() / workers)) }
      : { ...rest };
  const start = async (): Promise<WorkerHandle> => (await WorkerHandle.start(idOrPath, loadOptions, loader, entry)).handle;
  const started = await Promise.allSettled(Array.from({ length: workers }, () => WorkerHandle.start(idOrPath, loadOptions, loader, entry)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  const ok = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  if (failed) {
    await Promise.all(ok.map((s) => s.handle.terminate()));
    throw failed.reason;
  }
  const handles = ok.map((s) => s.handle);
  const info = (ok[0] as { info: WorkerModelInfo }).info;
  if (info.embedder) return new WorkerBiEncoder(handles, info, start);
  if (info.tokenEmbedder) return new WorkerLateInteraction(handles, info, start);
  if (info.labels) return new WorkerClassifier(handles, info, start);
  return new WorkerScorer(handles, info, start);
}
