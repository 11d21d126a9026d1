import type { RerankingModelV4, RerankingModelV4CallOptions, RerankingModelV4Result } from "@ai-sdk/provider";
import { RerankingCore, type RerankKitRerankingModelSettings } from "../reranking-model.js";

/**
 * The `RerankingModelV4` form of `RerankKitRerankingModel` (from `rerank-kit/ai-sdk`), for `ai` 7 only, which then
 * uses it without its V3 compatibility proxy. Same results; needs `@ai-sdk/provider` 4.
 */
export class RerankKitRerankingModelV4 implements RerankingModelV4 {
  /** The AI SDK reranking specification this model implements. */
  readonly specificationVersion = "v4" as const;
  /** Provider name, for the AI SDK's logs and telemetry. */
  readonly provider: string;
  /** Model id, for the AI SDK's logs and telemetry. */
  readonly modelId: string;
  // Not a #private field: ai 7 calls V3 models through a Proxy, where `this` is the proxy.
  private readonly core: RerankingCore;

  /** @throws {InvalidInputError} without a scorer, or without a `modelId` for a loader. */
  constructor(settings: RerankKitRerankingModelSettings) {
    this.core = new RerankingCore(settings, "RerankKitRerankingModelV4");
    this.provider = this.core.provider;
    this.modelId = this.core.modelId;
  }

  /**
   * Ranks `options.documents` against `options.query`. Called by `rerank()`; not for direct use.
   * @throws {InvalidInputError} on a bad `topN`, a missing text field or bad provider options.
   * @throws {AbortError} when `options.abortSignal` fires.
   */
  async doRerank(options: RerankingModelV4CallOptions): Promise<RerankingModelV4Result> {
    const { ranking, warnings, providerMetadata, response } = await this.core.run(options);
    return { ranking, warnings, providerMetadata, response };
  }

  /** Closes the scorer if this model loaded it; a scorer passed in is left to its owner. */
  close(): Promise<void> {
    return this.core.scorer.close();
  }
}
