import type { EmbeddingModelV3, EmbeddingModelV3CallOptions, EmbeddingModelV3Result } from "@ai-sdk/provider";
import { has, InvalidInputError, RemoteEmbedder, throwIfAborted } from "../../src/index.js";
import type { Embedder } from "../../src/index.js";
import { Lazy } from "../shared/local-model.js";
import { embedCall, type EmbedOutcome } from "./embed-call.js";
import type { RerankKitEmbedProviderOptions } from "./provider-options.js";

/** Settings of {@link RerankKitEmbeddingModel}. None is written back. */
export interface RerankKitEmbeddingModelSettings {
  /** A bi-encoder (local, worker or remote), or a function loading one on first use (then owned and closed by `close()`). */
  embedder: Embedder | (() => Promise<Embedder>);
  /** The id the AI SDK logs. @default the embedder's `model` (required with a loader function) */
  modelId?: string;
  /** The provider name the AI SDK logs. @default "rerank-kit" */
  provider?: string;
  /**
   * Whether the model runs as a remote client. It decides `supportsParallelCalls`: a remote
   * client sends requests concurrently, while a local model runs one call at a time, so
   * parallel calls would only queue. @default true for a `RemoteEmbedder`, else false
   */
  remote?: boolean;
  /**
   * Defaults for every call; a call's `providerOptions.rerankKit` overrides them. Set
   * `kind: "query"` on a model used to embed queries of an asymmetric model (e5, bge).
   * @default { kind: "document" }
   */
  embedOptions?: RerankKitEmbedProviderOptions;
}

/** The parts both specification versions share. @internal */
export class EmbeddingCore {
  readonly provider: string;
  readonly modelId: string;
  readonly embedder: Lazy<Embedder>;
  readonly defaults: RerankKitEmbedProviderOptions;
  readonly supportsParallelCalls: boolean;

  constructor(settings: RerankKitEmbeddingModelSettings, kind: string) {
    const embedder = settings?.embedder as unknown;
    if (!has(embedder, "embed") && typeof embedder !== "function") {
      throw new InvalidInputError(`${kind} needs an embedder (a bi-encoder scorer or a RemoteEmbedder)`, { field: "embedder" });
    }
    const modelId = settings.modelId ?? (has(embedder, "embed") ? embedder.model : undefined);
    if (typeof modelId !== "string") throw new InvalidInputError(`${kind} needs a modelId when given a loader`, { field: "modelId" });
    this.modelId = modelId;
    this.provider = settings.provider ?? "rerank-kit";
    this.embedder = new Lazy<Embedder>(settings.embedder);
    this.defaults = { kind: "document", ...settings.embedOptions };
    this.supportsParallelCalls = settings.remote ?? embedder instanceof RemoteEmbedder;
  }

  async run(call: EmbeddingModelV3CallOptions & { dimensions?: number }): Promise<EmbedOutcome> {
    throwIfAborted(call.abortSignal);
    const embedder = await this.embedder.get();
    throwIfAborted(call.abortSignal);
    return embedCall(embedder, call, this.defaults);
  }
}

/**
 * An AI SDK `EmbeddingModelV3` over any rerank-kit {@link Embedder}, for `embed()` and
 * `embedMany()` from `ai` 6 and 7. Vectors come back in input order with `usage.tokens`.
 * `maxEmbeddingsPerCall` is `Infinity` because rerank-kit splits work itself (token-budget
 * micro-batches locally, `maxTextsPerRequest` remotely), so `embedMany` sends one call.
 *
 * @example
 * ```ts
 * import { embedMany } from "ai";
 * import { loadWorkerScorer, type Embedder } from "rerank-kit";
 * import { RerankKitEmbeddingModel } from "rerank-kit/ai-sdk";
 *
 * const embedder = (await loadWorkerScorer("Xenova/bge-small-en-v1.5")) as unknown as Embedder;
 * const { embeddings } = await embedMany({ model: new RerankKitEmbeddingModel({ embedder }), values: ["a", "b"] });
 * ```
 */
export class RerankKitEmbeddingModel implements EmbeddingModelV3 {
  /** The AI SDK embedding specification this model implements. */
  readonly specificationVersion = "v3" as const;
  /** Provider name, for the AI SDK's logs and telemetry. */
  readonly provider: string;
  /** Model id, for the AI SDK's logs and telemetry. */
  readonly modelId: string;
  /** No limit: rerank-kit batches internally. */
  readonly maxEmbeddingsPerCall = Infinity;
  /** True for a remote client, false for a local model (see the `remote` setting). */
  readonly supportsParallelCalls: boolean;
  // Not a #private field: ai 7 calls V3 models through a Proxy, where `this` is the proxy.
  private readonly core: EmbeddingCore;

  /** @throws {InvalidInputError} without an embedder, or without a `modelId` for a loader. */
  constructor(settings: RerankKitEmbeddingModelSettings) {
    this.core = new EmbeddingCore(settings, "RerankKitEmbeddingModel");
    this.provider = this.core.provider;
    this.modelId = this.core.modelId;
    this.supportsParallelCalls = this.core.supportsParallelCalls;
  }

  /**
   * Embeds `options.values`. Called by `embed()` / `embedMany()`; not for direct use.
   * @throws {InvalidInputError} on non-string values or bad provider options.
   * @throws {AbortError} when `options.abortSignal` fires.
   */
  async doEmbed(options: EmbeddingModelV3CallOptions): Promise<EmbeddingModelV3Result> {
    const { embeddings, usage, warnings, providerMetadata } = await this.core.run(options);
    return { embeddings, usage, warnings, providerMetadata };
  }

  /** Closes the embedder if this model loaded it; an embedder passed in is left to its owner. */
  close(): Promise<void> {
    return this.core.embedder.close();
  }
}
