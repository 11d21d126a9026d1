/**
 * The AI SDK adapters in their V4 form (`RerankingModelV4`, `EmbeddingModelV4`), for ai 7 with
 * `@ai-sdk/provider` 4. They behave as the V3 models of `rerank-kit/ai-sdk` (which ai 7 also
 * takes); ai 7 then calls them without its compatibility proxy, and `embed({ dimensions })` is
 * typed. Kept apart so that `rerank-kit/ai-sdk` type-checks against `@ai-sdk/provider` 3 (ai 6).
 *
 * @module
 */
import { buildProvider, type RerankKitProvider, type RerankKitProviderSettings } from "../provider.js";
import { RerankKitEmbeddingModelV4 } from "./embedding-model-v4.js";
import { RerankKitRerankingModelV4 } from "./reranking-model-v4.js";

export { RerankKitRerankingModelV4, RerankKitEmbeddingModelV4 };

/**
 * Like `createRerankKit` from `rerank-kit/ai-sdk`, with V4 models.
 * @example
 * ```ts
 * import { embed } from "ai";
 * import { createRerankKit } from "rerank-kit/ai-sdk/v4";
 *
 * const rerankKit = createRerankKit();
 * const { embedding } = await embed({ model: rerankKit.embeddingModel("nomic-ai/nomic-embed-text-v1.5"), value: "hi", dimensions: 256 });
 * ```
 */
export function createRerankKit(settings: RerankKitProviderSettings = {}): RerankKitProvider<RerankKitRerankingModelV4, RerankKitEmbeddingModelV4> {
  return buildProvider(settings, (s) => new RerankKitRerankingModelV4(s), (s) => new RerankKitEmbeddingModelV4(s));
}
