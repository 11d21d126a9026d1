import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../types.js";
import type { CoalesceStrategy } from "./coalescer.js";
import { joinScores, runSplit, splitLanes } from "./split-call.js";
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
 * split back ({@link splitUsage}). Size is the pair count. A split call cuts the pairs into
 * ranges of about equal text length, one `scoreWithUsage` each, and joins them ({@link joinScores}).
 */
export function scoreStrategy(
  scorer: PairScorer,
  onBatch?: (pairs: number, requests: number) => void,
): ScoreStrategy {
  return {
    kind: "score",
    size: (item) => item.queries.length,
    lanes: () => splitLanes(scorer),
    async run(items, options, signal, parts) {
      const queries = items.flatMap((m) => m.queries);
      const documents = items.flatMap((m) => m.documents);
      onBatch?.(queries.length, items.length);
      const response =
        parts > 1
          ? await runSplit(
              queries.map((q, i) => chars(q) + chars(documents[i] as ScoreInput)),
              parts,
              signal,
              (start, end, part) => scorer.scoreWithUsage(queries.slice(start, end), documents.slice(start, end), { ...options, signal: part }),
              joinScores,
            )
          : await scorer.scoreWithUsage(queries, documents, { ...options, signal });
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
