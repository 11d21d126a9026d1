import { has, InvalidInputError } from "../../src/index.js";
import type { DocumentWindows, ScoreOptions, Scorer } from "../../src/index.js";

/**
 * What to do with a document longer than the model accepts next to the query.
 * - `truncate`: let the scorer cut it (the tail is never scored).
 * - `chunk-max`: split it into overlapping token windows, score every window, keep the best.
 */
export type LongDocumentStrategy = "truncate" | "chunk-max";

/** Options of the `chunk-max` strategy. */
export interface WindowOptions {
  /** Tokens shared by consecutive windows (capped at half a window). */
  overlapTokens: number;
  /** Windows scored per document at most; the rest of the document is dropped and counted as truncated. */
  maxChunksPerDoc: number;
}

/** Scores of one `chunk-max` call. */
export interface WindowedScores {
  /** Best window score of each document, in document order. */
  scores: number[];
  /** Texts sent to the scorer (windows of all documents). */
  windows: number;
  /** Documents that still lost text because they needed more than `maxChunksPerDoc` windows. */
  truncated: number;
}

/**
 * How many document tokens fit beside `query`, lowered to `maxTokensPerDoc` when that is set.
 * @throws {InvalidInputError} when the query leaves no room for a document.
 */
async function documentBudget(scorer: DocumentWindows, query: string, maxTokensPerDoc: number | undefined): Promise<number> {
  const budget = await scorer.documentTokenBudget(query);
  if (budget < 1) {
    throw new InvalidInputError(`The query leaves no room for document tokens (model limit ${scorer.maxLength})`, {
      field: "query",
    });
  }
  return maxTokensPerDoc ? Math.min(budget, maxTokensPerDoc) : budget;
}

/**
 * Counts documents longer than the scorer's document budget for `query`, i.e. the ones it will
 * truncate. `null` when the scorer exposes no tokenizer (remote scorers): the count is unknown.
 * The tokenizer may answer asynchronously (a worker-thread scorer): all texts are asked at once.
 */
export async function countTruncated(scorer: Scorer, query: string, texts: readonly string[], options: ScoreOptions): Promise<number | null> {
  if (!has(scorer, "windows")) return null;
  const budget = await documentBudget(scorer, query, options.maxTokensPerDoc);
  const lengths = await Promise.all(texts.map(async (text) => (await scorer.tokenize(text, { addSpecialTokens: false })).ids.length));
  return lengths.filter((n) => n > budget).length;
}

/**
 * Scores each document as the maximum over its overlapping windows (MaxP), in one scorer call,
 * so the late-interaction cache and the scorer's batching see every window. The windows may come
 * asynchronously (a worker-thread scorer cuts them in its worker).
 */
export async function scoreWithWindows(
  scorer: Scorer & DocumentWindows,
  query: string,
  texts: readonly string[],
  windowOptions: WindowOptions,
  scoreOptions: ScoreOptions,
): Promise<WindowedScores> {
  const budget = await documentBudget(scorer, query, scoreOptions.maxTokensPerDoc);
  const overlap = Math.min(windowOptions.overlapTokens, Math.floor(budget / 2));
  const flat: string[] = [];
  const owner: number[] = [];
  let truncated = 0;
  const split = await Promise.all(texts.map((text) => scorer.splitIntoWindows(text, budget, overlap)));
  split.forEach((all, i) => {
    let windows = all;
    if (windows.length > windowOptions.maxChunksPerDoc) {
      truncated++;
      windows = windows.slice(0, windowOptions.maxChunksPerDoc);
    }
    for (const window of windows) {
      flat.push(window);
      owner.push(i);
    }
  });
  const windowScores = await scorer.score(query, flat, scoreOptions);
  const scores = texts.map(() => Number.NEGATIVE_INFINITY);
  windowScores.forEach((score, k) => {
    const i = owner[k] as number;
    // NaN must survive the max so that ranking rejects it instead of hiding it.
    scores[i] = Number.isNaN(score) || Number.isNaN(scores[i] as number) ? Number.NaN : Math.max(scores[i] as number, score);
  });
  return { scores, windows: flat.length, truncated };
}
