import type { ScoreInput, Usage } from "../../types.js";
import type { RemoteRerankOptions, ScoreDialect } from "../options.js";
import type { IndexedScore } from "../validate.js";

/** One rerank request: a query and a chunk of documents. */
export interface RerankCall {
  /** Model name, if configured. */
  model: string | undefined;
  /** The query. */
  query: ScoreInput;
  /** The documents of this request. */
  documents: ScoreInput[];
  /** `top_n` to ask for (servers that support it), or `undefined` for all. */
  topN: number | undefined;
  /** The caller's per-call options. */
  options: RemoteRerankOptions;
}

/** Scores parsed from one answer, with indices into the request's documents. */
export interface ParsedScores {
  /** `{index, score}` pairs. */
  scores: IndexedScore[];
  /** Tokens reported by the server (zeros if none). */
  usage: Usage;
}

/** What the scorer needs to know about a server's rerank wire format. */
export interface RerankDialect {
  /** The dialect's name. */
  readonly name: ScoreDialect;
  /** Route of the rerank call. */
  readonly rerankPath: string;
  /** Strip a trailing `/v1` from the base URL before adding `rerankPath`. */
  readonly fromRoot: boolean;
  /** Whether the server applies `top_n` itself (TEI does not). */
  readonly serverTopN: boolean;
  /** Whether documents may be `{content: [...]}` items. */
  readonly multiModal: boolean;
  /** Default `maxDocumentsPerRequest`. */
  readonly defaultMaxDocuments: number;
  /** Throws an `InvalidInputError` for per-call options this server cannot honour (no silent drops). */
  checkOptions(options: RemoteRerankOptions): void;
  /** The JSON body of one rerank request. */
  rerankBody(call: RerankCall): Record<string, unknown>;
  /** Validates and reads one rerank answer. */
  parseRerank(url: string, body: unknown, n: number, expectedCount: number): ParsedScores;
}
