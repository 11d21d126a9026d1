import { InvalidInputError } from "./errors/invalid-input-error.js";
import { SCORE_OPTION_RULES } from "./options/call-options.js";
import { checkOption } from "./options/check-options.js";
import { rankScores, validateRankOptions } from "./scoring/ranking.js";
import type {
  RankedResult,
  RerankOptions,
  RerankResponse,
  ScoreInput,
  ScoreOptions,
  ScoreResponse,
  Scorer,
  ScoreType,
} from "./types.js";

/**
 * Shared plumbing for {@link Scorer} implementations: `score`, `rerank` and `rerankWithUsage`
 * are derived from one `scoreWithUsage`, so every scorer ranks, cuts and validates the same way.
 * Subclasses may override `rerankWithUsage` (a remote `/rerank` endpoint does).
 */
export abstract class BaseScorer implements Scorer {
  abstract readonly scoreType: ScoreType;
  abstract readonly model: string;

  abstract scoreWithUsage(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options?: ScoreOptions,
  ): Promise<ScoreResponse>;

  abstract close(): Promise<void>;

  async score(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options?: ScoreOptions,
  ): Promise<number[]> {
    return (await this.scoreWithUsage(queries, documents, options)).scores;
  }

  async rerank(query: ScoreInput, documents: ScoreInput[], options?: RerankOptions): Promise<RankedResult[]> {
    return (await this.rerankWithUsage(query, documents, options)).results;
  }

  async rerankWithUsage(
    query: ScoreInput,
    documents: ScoreInput[],
    options: RerankOptions = {},
  ): Promise<RerankResponse> {
    checkRerankArguments(query, documents);
    checkOption("topN", options.topN, SCORE_OPTION_RULES.topN, "rerank");
    checkOption("scoreThreshold", options.scoreThreshold, SCORE_OPTION_RULES.scoreThreshold, "rerank");
    validateRankOptions(options);
    // topN and scoreThreshold are applied here; scoreWithUsage refuses options it does not know.
    const { topN: _topN, scoreThreshold: _threshold, ...scoreOptions } = options;
    const { scores, usage } = await this.scoreWithUsage(query, documents, scoreOptions);
    return { results: rankScores(scores, documents, options), usage };
  }
}

/**
 * Validates the shape of a rerank call: one query, a non-empty list of documents.
 * @throws {InvalidInputError}
 */
export function checkRerankArguments(query: unknown, documents: unknown): void {
  if (Array.isArray(query)) {
    throw new InvalidInputError("rerank takes a single query, got an array", { field: "query" });
  }
  if (!Array.isArray(documents)) {
    throw new InvalidInputError("rerank takes an array of documents", { field: "documents" });
  }
  if (documents.length === 0) {
    throw new InvalidInputError("At least one text_pair element must be given", { field: "documents" });
  }
}
