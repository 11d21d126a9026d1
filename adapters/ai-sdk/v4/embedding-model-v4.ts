import type { EmbeddingModelV4, EmbeddingModelV4CallOptions, EmbeddingModelV4Result } from "@ai-sdk/provider";
import { EmbeddingCore, type RerankKitEmbeddingModelSettings } from "../embedding-model.js";

/**
 * The `EmbeddingModelV4` form of `RerankKitEmbeddingModel` (from `rerank-kit/ai-sdk`), for `ai` 7 only: it also takes
 * `embed({ dimensions })` (Matryoshka truncation, then re-normalization). Needs `@ai-sdk/provider` 4.
 */
export class RerankKitEmbeddingModelV4 implements EmbeddingModelV4 {
  /** The AI SDK embedding specification this model implements. */
  readonly specificationVersion = "v4" as const;
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
    this.core = new EmbeddingCore(settings, "RerankKitEmbeddingModelV4");
    this.provider = this.core.provider;
    this.modelId = this.core.modelId;
    this.supportsParallelCalls = this.core.supportsParallelCalls;
  }

  /**
   * Embeds `options.values`, cut to `options.dimensions` when given. Called by `embed()` / `embedMany()`.
   * @throws {InvalidInputError} on non-string values or bad provider options.
   * @throws {AbortError} when `options.abortSignal` fires.
   */
  async doEmbed(options: EmbeddingModelV4CallOptions): Promise<EmbeddingModelV4Result> {
    const { embeddings, usage, warnings, providerMetadata } = await this.core.run(options);
    return { embeddings, usage, warnings, providerMetadata };
  }

  /** Closes the embedder if this model loaded it; an embedder passed in is left to its owner. */
  close(): Promise<void> {
    return this.core.embedder.close();
  }
}
