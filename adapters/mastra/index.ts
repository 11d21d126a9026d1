/**
 * Mastra adapter: {@link RerankKitRelevanceScorer}, a `RelevanceScoreProvider` for
 * `@mastra/rag`'s `rerankWithScorer` that batches its per-document calls into one model call.
 *
 * @module
 */
export { RerankKitRelevanceScorer } from "./relevance-scorer.js";
export type { RerankKitRelevanceScorerOptions } from "./relevance-scorer.js";
export type { LocalModelSettings } from "../shared/local-model.js";
