export { loadWorkerScorer, WorkerScorer, WorkerBiEncoder, WorkerLateInteraction, WorkerClassifier, type EmbedTokenSequences } from "./worker-scorer.js";
export type { WorkerScorerOptions } from "./worker-scorer.js";
export type { WorkerOption, WorkerPoolShape } from "./worker-option.js";
