import { InvalidInputError, RemoteEmbedder, RemoteScorer } from "../../src/index.js";
import type { Embedder, RemoteEmbedderOptions, RemoteScorerOptions, Scorer } from "../../src/index.js";
import { loadLocalEmbedder, loadLocalScorer, type LocalModelSettings } from "../shared/local-model.js";
import { RerankKitEmbeddingModel, RerankKitEmbeddingModelV4, type RerankKitEmbeddingModelSettings } from "./embedding-model.js";
import { RerankKitRerankingModel, RerankKitRerankingModelV4, type RerankKitRerankingModelSettings } from "./reranking-model.js";

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
  /**
   * The AI SDK specification of the models returned: `"v3"` works with `ai` 6 and 7; `"v4"`
   * (ai 7 and `@ai-sdk/provider` 4 only) adds `dimensions` to the embedding call type. @default "v3"
   */
  specificationVersion?: "v3" | "v4";
}

/** Per-model settings of {@link RerankKitProvider.rerankingModel}. */
export type RerankingModelOptions = Omit<RerankKitRerankingModelSettings, "scorer" | "modelId" | "provider">;
/** Per-model settings of {@link RerankKitProvider.embeddingModel}. */
export type EmbeddingModelOptions = Omit<RerankKitEmbeddingModelSettings, "embedder" | "modelId" | "provider" | "remote">;

/** The models of one specification version. */
export interface RerankKitModels {
  /** The V3 models. */
  v3: { reranking: RerankKitRerankingModel; embedding: RerankKitEmbeddingModel };
  /** The V4 models. */
  v4: { reranking: RerankKitRerankingModelV4; embedding: RerankKitEmbeddingModelV4 };
}

/** What {@link createRerankKit} returns: AI SDK-style model factories over rerank-kit. */
export interface RerankKitProvider<V extends "v3" | "v4" = "v3"> {
  /**
   * A reranking model for `rerank()`. The model is loaded on first use (in a worker thread
   * unless `worker: false`) and shared by every model created for the same id.
   */
  rerankingModel(idOrFolder: string, options?: RerankingModelOptions): RerankKitModels[V]["reranking"];
  /** An embedding model (a bi-encoder) for `embed()` / `embedMany()`, loaded like `rerankingModel`. */
  embeddingModel(idOrFolder: string, options?: EmbeddingModelOptions): RerankKitModels[V]["embedding"];
  /** Closes every model this provider loaded or connected. */
  close(): Promise<void>;
}

/**
 * Creates an AI SDK provider whose models run on rerank-kit: local ONNX models by Hub id or
 * folder (in a worker thread by default), or models served at `baseURL`.
 *
 * @throws {InvalidInputError} on a bad `specificationVersion`; a bad `baseURL` rejects the first call of a model.
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
export function createRerankKit(settings?: RerankKitProviderSettings & { specificationVersion?: "v3" }): RerankKitProvider<"v3">;
/** The same, returning `RerankingModelV4` / `EmbeddingModelV4` models (ai 7). */
export function createRerankKit(settings: RerankKitProviderSettings & { specificationVersion: "v4" }): RerankKitProvider<"v4">;
export function createRerankKit(settings: RerankKitProviderSettings = {}): RerankKitProvider<"v3"> | RerankKitProvider<"v4"> {
  const version = settings.specificationVersion ?? "v3";
  if (version !== "v3" && version !== "v4") {
    throw new InvalidInputError(`specificationVersion must be "v3" or "v4", got ${String(version)}`, { field: "specificationVersion" });
  }
  const scorers = new Map<string, Promise<Scorer>>();
  const embedders = new Map<string, Promise<Embedder>>();
  const connection = { apiKey: settings.apiKey, headers: settings.headers };

  const scorer = (id: string): Promise<Scorer> => {
    let loading = scorers.get(id);
    if (loading === undefined) {
      const { baseURL } = settings;
      loading =
        baseURL === undefined
          ? loadLocalScorer(id, settings)
          : Promise.resolve().then(() => new RemoteScorer({ ...settings.remoteScorer, ...defined(connection), baseURL, model: id }));
      scorers.set(id, loading);
      loading.catch(() => scorers.get(id) === loading && scorers.delete(id));
    }
    return loading;
  };
  const embedder = (id: string): Promise<Embedder> => {
    let loading = embedders.get(id);
    if (loading === undefined) {
      const { baseURL } = settings;
      loading =
        baseURL === undefined
          ? loadLocalEmbedder(id, settings)
          : Promise.resolve().then(() => new RemoteEmbedder({ ...settings.remoteEmbedder, ...defined(connection), baseURL, model: id }));
      embedders.set(id, loading);
      loading.catch(() => embedders.get(id) === loading && embedders.delete(id));
    }
    return loading;
  };

  // The provider owns the shared models, so the models it hands out get loaders that never close them.
  return {
    rerankingModel(idOrFolder, options = {}) {
      const model = { ...options, scorer: () => scorer(idOrFolder), modelId: idOrFolder };
      return version === "v4" ? new RerankKitRerankingModelV4(model) : new RerankKitRerankingModel(model);
    },
    embeddingModel(idOrFolder, options = {}) {
      const model = { ...options, embedder: () => embedder(idOrFolder), modelId: idOrFolder, remote: settings.baseURL !== undefined };
      return version === "v4" ? new RerankKitEmbeddingModelV4(model) : new RerankKitEmbeddingModel(model);
    },
    async close() {
      const all = [...scorers.values(), ...embedders.values()];
      scorers.clear();
      embedders.clear();
      const loaded = await Promise.allSettled(all);
      await Promise.all(
        loaded.map((r) => (r.status === "fulfilled" ? (r.value as { close?: () => Promise<void> }).close?.() : undefined)),
      );
    },
  } as RerankKitProvider<"v3"> | RerankKitProvider<"v4">;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
