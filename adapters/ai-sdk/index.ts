/**
 * Vercel AI SDK adapters: rerank-kit scorers as `RerankingModelV3` for `rerank()`, and embedders
 * as `EmbeddingModelV3` for `embed()` and `embedMany()` (ai 6 and 7), with
 * {@link createRerankKit} as the provider. The V4 forms are in `rerank-kit/ai-sdk/v4`.
 *
 * @module
 */
export { createRerankKit } from "./provider.js";
export type { RerankKitProvider, RerankKitProviderSettings, RerankingModelOptions, EmbeddingModelOptions } from "./provider.js";
export { RerankKitRerankingModel } from "./reranking-model.js";
export type { RerankKitRerankingModelSettings } from "./reranking-model.js";
export { RerankKitEmbeddingModel } from "./embedding-model.js";
export type { RerankKitEmbeddingModelSettings } from "./embedding-model.js";
export { PROVIDER_OPTIONS_KEY } from "./provider-options.js";
export type { RerankKitRerankProviderOptions, RerankKitEmbedProviderOptions } from "./provider-options.js";
export type { LocalModelSettings } from "../shared/local-model.js";
