/**
 * Vercel AI SDK adapters: rerank-kit scorers as `RerankingModelV3` / `V4` for `rerank()`, and
 * embedders as `EmbeddingModelV3` / `V4` for `embed()` and `embedMany()`, with
 * {@link createRerankKit} as the provider.
 *
 * @module
 */
export { createRerankKit } from "./provider.js";
export type { RerankKitProvider, RerankKitProviderSettings, RerankKitModels, RerankingModelOptions, EmbeddingModelOptions } from "./provider.js";
export { RerankKitRerankingModel, RerankKitRerankingModelV4 } from "./reranking-model.js";
export type { RerankKitRerankingModelSettings } from "./reranking-model.js";
export { RerankKitEmbeddingModel, RerankKitEmbeddingModelV4 } from "./embedding-model.js";
export type { RerankKitEmbeddingModelSettings } from "./embedding-model.js";
export { PROVIDER_OPTIONS_KEY } from "./provider-options.js";
export type { RerankKitRerankProviderOptions, RerankKitEmbedProviderOptions } from "./provider-options.js";
export type { LocalModelSettings } from "../shared/local-model.js";
