import type { Embedder, Scorer } from "../../src/index.js";
import { RemoteEmbedder, RemoteScorer, type RemoteEmbedderOptions, type RemoteScorerOptions } from "../../src/remote/index.js";
import { validateOptions, type OptionRule } from "../../src/internal.js";
import { borrowedLoader, LOCAL_MODEL_RULES, loadLocalEmbedder, loadLocalScorer, type LocalModelSettings } from "../shared/local-model.js";
import { RerankKitEmbeddingModel, type RerankKitEmbeddingModelSettings } from "./embedding-model.js";
import { RerankKitRerankingModel, type RerankKitRerankingModelSettings } from "./reranking-model.js";

/** Settings of {@link createRerankKit}. None is written back. */
export interface RerankKitProviderSettings extends LocalModelSettings {
  /**
   * A vLLM-compatible server (`rerank-kit serve`, vLLM, TEI, Infinity...). When set, model ids
   * name served models and nothing is loaded locally; otherwise they are Hub ids or folders.
   * @default undefined (local models)
   */
  baseURL?: string | string[];
  /** Sent as `Authorization: Bearer <apiKey>` to the server. */
  apiKey?: string;
  /** Extra headers on every request to the server. */
  headers?: Record<string, string>;
  /** Further `RemoteScorer` options (`dialect`, `endpoint`, `timeoutMs`, `maxRetries`, ...). @default {} */
  remoteScorer?: Omit<RemoteScorerOptions, "baseURL" | "model" | "apiKey" | "headers">;
  /** Further `RemoteEmbedder` options (`dialect`, `queryPrefix`, `maxTextsPerRequest`, ...). @default {} */
  remoteEmbedder?: Omit<RemoteEmbedderOptions, "baseURL" | "model" | "apiKey" | "headers">;
}

const PROVIDER_SETTINGS_RULES = {
  ...LOCAL_MODEL_RULES,
  baseURL: { kind: "any", note: "an http(s) URL or a list of them" },
  apiKey: { kind: "string" },
  headers: { kind: "object" },
  remoteScorer: { kind: "object" },
  remoteEmbedder: { kind: "object" },
} as const satisfies Record<keyof RerankKitProviderSettings, OptionRule>;

/** Per-model settings of {@link RerankKitProvider.rerankingModel}. */
export type RerankingModelOptions = Omit<RerankKitRerankingModelSettings, "scorer" | "modelId" | "provider">;
/** Per-model settings of {@link RerankKitProvider.embeddingModel}. */
export type EmbeddingModelOptions = Omit<RerankKitEmbeddingModelSettings, "embedder" | "modelId" | "provider" | "remote">;

/** What {@link createRerankKit} returns: AI SDK-style model factories over rerank-kit. */
export interface RerankKitProvider<R = RerankKitRerankingModel, E = RerankKitEmbeddingModel> {
  /**
   * A reranking model for `rerank()`. The model is loaded on first use (in a worker thread
   * unless `worker: false`) and shared by every model created for the same id.
   */
  rerankingModel(idOrFolder: string, options?: RerankingModelOptions): R;
  /** An embedding model (a bi-encoder) for `embed()` / `embedMany()`, loaded like `rerankingModel`. */
  embeddingModel(idOrFolder: string, options?: EmbeddingModelOptions): E;
  /** Closes every model this provider loaded or connected. */
  close(): Promise<void>;
}

/**
 * Creates an AI SDK provider whose models run on rerank-kit: local ONNX models by Hub id or
 * folder (in a worker thread by default), or models served at `baseURL`. Its models are
 * `RerankingModelV3` / `EmbeddingModelV3`, which ai 6 and ai 7 both take; for the V4 forms,
 * use `createRerankKit` from `rerank-kit/ai-sdk/v4`.
 *
 * A misspelled setting (`baseUrl`) throws an `InvalidOptionError` here, so a model id meant for
 * a server is never loaded locally; a bad `baseURL` rejects the first call of a model with an
 * `InvalidInputError`.
 * @example
 * ```ts
 * import { rerank, embedMany } from "ai";
 * import { createRerankKit } from "rerank-kit/ai-sdk";
 *
 * const rerankKit = createRerankKit({ loadOptions: { dtype: "q8" } });
 * const { ranking } = await rerank({
 *   model: rerankKit.rerankingModel("Xenova/ms-marco-MiniLM-L-6-v2"),
 *   query: "rotate API keys",
 *   documents: ["...", "..."],
 *   topN: 3,
 * });
 * await rerankKit.close();
 * ```
 */
export function createRerankKit(settings: RerankKitProviderSettings = {}): RerankKitProvider {
  return buildProvider(settings, (s) => new RerankKitRerankingModel(s), (s) => new RerankKitEmbeddingModel(s));
}

/**
 * The provider of either specification version: one model loaded (or client created) per id,
 * closed by the provider, never by the models it hands out. @internal
 * @throws {InvalidOptionError} for a misspelled or mistyped setting.
 */
export function buildProvider<R, E>(
  settings: RerankKitProviderSettings,
  newReranking: (settings: RerankKitRerankingModelSettings) => R,
  newEmbedding: (settings: RerankKitEmbeddingModelSettings) => E,
): RerankKitProvider<R, E> {
  validateOptions(settings, PROVIDER_SETTINGS_RULES, { where: "createRerankKit" });
  const scorers = new Map<string, Promise<Scorer>>();
  const embedders = new Map<string, Promise<Embedder>>();
  const connection = defined({ apiKey: settings.apiKey, headers: settings.headers });
  const { baseURL } = settings;

  function shared<T>(cache: Map<string, Promise<T>>, id: string, load: () => Promise<T>): Promise<T> {
    let loading = cache.get(id);
    if (loading === undefined) {
      loading = load();
      cache.set(id, loading);
      // A failed load is forgotten so that the next call tries again; the error goes to the caller.
      loading.catch(() => cache.get(id) === loading && cache.delete(id));
    }
    return loading;
  }
  const scorer = (id: string): Promise<Scorer> =>
    shared(scorers, id, async () =>
      baseURL === undefined ? loadLocalScorer(id, settings) : new RemoteScorer({ ...settings.remoteScorer, ...connection, baseURL, model: id }),
    );
  const embedder = (id: string): Promise<Embedder> =>
    shared(embedders, id, async () =>
      baseURL === undefined ? loadLocalEmbedder(id, settings) : new RemoteEmbedder({ ...settings.remoteEmbedder, ...connection, baseURL, model: id }),
    );

  return {
    // Borrowed: the provider owns each shared model; a model's own close() leaves it to the others.
    rerankingModel: (idOrFolder, options = {}) =>
      newReranking({ ...options, scorer: borrowedLoader(() => scorer(idOrFolder)), modelId: idOrFolder }),
    embeddingModel: (idOrFolder, options = {}) =>
      newEmbedding({ ...options, embedder: borrowedLoader(() => embedder(idOrFolder)), modelId: idOrFolder, remote: baseURL !== undefined }),
    async close() {
      const all = [...scorers.values(), ...embedders.values()];
      scorers.clear();
      embedders.clear();
      const loaded = await Promise.allSettled(all);
      await Promise.all(loaded.map((r) => (r.status === "fulfilled" ? (r.value as { close?: () => Promise<void> }).close?.() : undefined)));
    },
  };
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
