import { InvalidInputError } from "../errors/invalid-input-error.js";
import { InvalidScoreError } from "../errors/invalid-score-error.js";
import type { RankedResult, ScoreInput } from "../types.js";

/** Options for {@link rankScores}. */
export interface RankOptions {
  /** Keep the best `topN`; `0` or `undefined` keeps all. */
  topN?: number | undefined;
  /** Drop results scoring below this value. */
  scoreThreshold?: number | undefined;
}

/**
 * Sorts documents by score, highest first. Ties keep input order (a stable sort, as vLLM's
 * Python `sorted`). `index` points into `documents`.
 *
 * @throws {InvalidScoreError} if any score is NaN or not a number: a NaN would sort arbitrarily
 *   and silently corrupt the ranking.
 */
export function rankScores(
  scores: readonly number[],
  documents: readonly ScoreInput[],
  options: RankOptions = {},
): RankedResult[] {
  validateRankOptions(options);
  if (scores.length !== documents.length) {
    throw new InvalidScoreError(`Expected ${documents.length} scores, got ${scores.length}`, {
      index: Math.min(scores.length, documents.length),
    });
  }
  assertRankable(scores);
  const results: RankedResult[] = scores.map((score, index) => ({
    index,
    score,
    document: documents[index] as ScoreInput,
  }));
  // Array.prototype.sort is stable since ES2019.
  results.sort((a, b) => b.score - a.score);
  return cutResults(results, options);
}

/** Applies `scoreThreshold` then `topN` to results already sorted by score. */
export function cutResults<T extends { score: number }>(sorted: T[], options: RankOptions = {}): T[] {
  let out = sorted;
  if (options.scoreThreshold !== undefined) {
    const t = options.scoreThreshold;
    out = out.filter((r) => r.score >= t);
  }
  if (options.topN !== undefined && options.topN > 0 && options.topN < out.length) {
    out = out.slice(0, options.topN);
  }
  return out;
}

/** @throws {InvalidScoreError} naming the first score that is NaN or not a number. */
export function assertRankable(scores: readonly number[]): void {
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (typeof s !== "number" || Number.isNaN(s)) {
      throw new InvalidScoreError(`Score ${i} is ${String(s)}; refusing to rank a non-number`, { index: i });
    }
  }
}

/** @throws {InvalidInputError} if `topN` is negative or not an integer, or `scoreThreshold` is NaN. */
export function validateRankOptions(options: RankOptions): void {
  const { topN, scoreThreshold } = options;
  if (topN !== undefined && (!Number.isInteger(topN) || topN < 0)) {
    throw new InvalidInputError(`topN must be a non-negative integer, got ${String(topN)}`, { field: "topN" });
  }
  if (scoreThreshold !== undefined && (typeof scoreThreshold !== "number" || Number.isNaN(scoreThreshold))) {
    throw new InvalidInputError(`scoreThreshold must be a number, got ${String(scoreThreshold)}`, {
      field: "scoreThreshold",
    });
  }
}
