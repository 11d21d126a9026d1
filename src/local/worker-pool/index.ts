export { loadWorkerScorer, WorkerScorer, WorkerBiEncoder, WorkerLateInteraction } from "./worker-scorer.js";
export type { WorkerScorerOptions } from "./worker-scorer.js";
export type { WorkerOption, WorkerPoolShape } from "./worker-option.js";
