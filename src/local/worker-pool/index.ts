export { WorkerScorer, type WorkerOf, type AnyWorkerScorer } from "./worker-scorer.js";
export { loadWorkerScorer, type WorkerScorerOptions } from "./start-pool.js";
export { WorkerBiEncoder, WorkerLateInteraction, WorkerClassifier, type EmbedTokenSequences } from "./deprecated-names.js";
export type { WorkerOption, WorkerPoolShape } from "./worker-option.js";
