import { has, InvalidInputError, loadScorer, loadWorkerScorer } from "../../src/index.js";
import { type OptionRule } from "../../src/internal.js";
import type { Embedder, Scorer, WorkerScorerOptions } from "../../src/index.js";

/** How an adapter loads a model it is given by Hub id or folder. */
export interface LocalModelSettings {
  /**
   * Run the model in a worker thread (`loadWorkerScorer`), so ONNX Runtime's synchronous
   * inference never blocks the event loop of a server or an agent. `false` loads it in process
   * (`loadScorer`): simpler, and fine for scripts and one-shot jobs. @default true
   */
  worker?: boolean;
  /** Options of `loadWorkerScorer` / `loadScorer` (`dtype`, `threads`, `workers`, `maxLength`, ...). @default {} */
  loadOptions?: WorkerScorerOptions;
}

/** The rules of {@link LocalModelSettings}, spread into each adapter's own option table. */
export const LOCAL_MODEL_RULES = {
  worker: { kind: "boolean" },
  loadOptions: { kind: "object" },
} as const satisfies Record<keyof LocalModelSettings, OptionRule>;

/**
 * Loads a local scorer from a Hub id or folder: in a worker thread unless `settings.worker` is
 * `false`. `workers` and `loader` only apply to the worker path and are dropped otherwise.
 * @throws {ModelLoadError} when the model cannot be loaded.
 */
export async function loadLocalScorer(idOrFolder: string, settings: LocalModelSettings = {}): Promise<Scorer> {
  if (typeof idOrFolder !== "string" || idOrFolder === "") {
    throw new InvalidInputError("A model id or folder must be a non-empty string", { field: "model" });
  }
  const options = { ...settings.loadOptions };
  if (settings.worker !== false) return loadWorkerScorer(idOrFolder, options);
  const { workers: _workers, loader: _loader, ...inProcess } = options;
  return loadScorer(idOrFolder, inProcess);
}

/**
 * Like {@link loadLocalScorer}, for a model that must embed (a bi-encoder).
 * @throws {InvalidInputError} naming the model when it is not a bi-encoder (the model is closed first).
 */
export async function loadLocalEmbedder(idOrFolder: string, settings: LocalModelSettings = {}): Promise<Scorer & Embedder> {
  const scorer = await loadLocalScorer(idOrFolder, settings);
  if (!has(scorer, "embed")) {
    await scorer.close();
    throw new InvalidInputError(`${idOrFolder} is a ${scorer.scoreType} model, not a bi-encoder: it cannot embed`, {
      field: "model",
    });
  }
  return scorer as Scorer & Embedder;
}

const BORROWED = Symbol("rerank-kit.borrowedLoader");

/**
 * Marks a loader whose model belongs to someone else (a provider that shares one model per id
 * among the models it hands out): a {@link Lazy} given it loads through it but never closes the
 * result, so one model's `close()` cannot close the others' shared model.
 */
export function borrowedLoader<T>(load: () => Promise<T>): () => Promise<T> {
  return Object.assign(() => load(), { [BORROWED]: true });
}

/**
 * A model that is either given (used as is, never closed here) or loaded on first use (and then
 * owned: {@link Lazy.close} releases it, unless the loader is a {@link borrowedLoader}).
 * Frameworks create models synchronously, so loading waits for the first call; a failed load is
 * forgotten so that the next call tries again.
 */
export class Lazy<T extends object> {
  #promise: Promise<T> | undefined;
  readonly #load: (() => Promise<T>) | undefined;
  readonly #owns: boolean;

  constructor(source: T | (() => Promise<T>)) {
    if (typeof source === "function") this.#load = source;
    else this.#promise = Promise.resolve(source);
    this.#owns = typeof source === "function" && !(BORROWED in source);
  }

  /** Whether this wrapper owns (and so closes) the model: it loads it through a loader of its own. */
  get owned(): boolean {
    return this.#owns;
  }

  /** The model, loading it on the first call. */
  get(): Promise<T> {
    if (this.#promise === undefined && this.#load !== undefined) {
      const loading = this.#load();
      this.#promise = loading;
      loading.catch(() => {
        // The caller of get() receives this rejection; forgetting it lets a later call retry.
        if (this.#promise === loading) this.#promise = undefined;
      });
    }
    return this.#promise as Promise<T>;
  }

  /** Closes the model if this wrapper loaded it; a given model is left to its owner. */
  async close(): Promise<void> {
    if (!this.owned || this.#promise === undefined) return;
    const loading = this.#promise;
    this.#promise = undefined;
    // A model that failed to load has nothing to release; its error went to the caller of get().
    const model = (await loading.catch(() => undefined)) as { close?: () => Promise<void> } | undefined;
    await model?.close?.();
  }
}
