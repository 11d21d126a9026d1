import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../types.js";
import type { CoalesceStrategy } from "./coalescer.js";
import { joinScores, planningTarget, runPlannedSplit, runSplit, splitLanes } from "./split-call.js";
import { splitUsage } from "./split-usage.js";
import type { PairScorer } from "./vllm-bi-encoder.js";

/** Scoring options that decide whether two requests may share a call, without signal/progress. */
export type BatchableOptions = Omit<ScoreOptions, "signal" | "onProgress">;

/** One score request as explicit N:N pairs (`queries[i]` with `documents[i]`, equal lengths). */
export interface PairsItem {
  queries: ScoreInput[];
  documents: ScoreInput[];
}

/** How score requests share a call. */
export type ScoreStrategy = CoalesceStrategy<PairsItem, ScoreResponse, BatchableOptions>;

/**
 * Score requests: pairs are concatenated into one `scoreWithUsage` call and the scores and usage
 * split back ({@link splitUsage}). Size is the pair count. A split call of a model whose answers
 * do not depend on the batch cuts the pairs into ranges of about equal text length, one
 * `scoreWithUsage` each, and joins them ({@link joinScores}); a model whose answers do (q8) but
 * that can plan its micro-batches (a cross-encoder pool) is cut along those micro-batches
 * ({@link runPlannedSplit}); any other model is never split.
 */
export function scoreStrategy(
  scorer: PairScorer,
  onBatch?: (pairs: number, requests: number) => void,
): ScoreStrategy {
  // A model whose answers depend on the batch (q8) splits only along its own micro-batches.
  const planner = (scorer as { batchInvariant?: unknown }).batchInvariant === true ? undefined : planningTarget(scorer);
  return {
    kind: "score",
    size: (item) => item.queries.length,
    lanes: () => (planner ? Math.max(1, planner.idleWorkers) : splitLanes(scorer)),
    async run(items, options, signal, parts) {
      const queries = items.flatMap((m) => m.queries);
      const documents = items.flatMap((m) => m.documents);
      onBatch?.(queries.length, items.length);
      const call = (q: ScoreInput[], d: ScoreInput[], s: AbortSignal): Promise<ScoreResponse> => scorer.scoreWithUsage(q, d, { ...options, signal: s });
      let response: ScoreResponse;
      if (parts < 2) response = await call(queries, documents, signal);
      else if (!planner) {
        const weights = queries.map((q, i) => chars(q) + chars(documents[i] as ScoreInput));
        response = await runSplit(weights, parts, signal, (start, end, part) => call(queries.slice(start, end), documents.slice(start, end), part), joinScores);
      } else response = await runPlannedSplit(planner, queries, documents, options, parts, signal, call);
      if (response.scores.length !== queries.length) {
        throw new Error(`The scorer returned ${response.scores.length} scores for ${queries.length} pairs`);
      }
      return splitUsage(response, items.map((m) => m.queries.length), queries, documents);
    },
  };
}

/** A score input's size for balancing parts: its text length (a multimodal input's JSON length). */
function chars(input: ScoreInput): number {
  return typeof input === "string" ? input.length : JSON.stringify(input).length;
}
