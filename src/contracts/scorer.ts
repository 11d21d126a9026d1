/**
 * The {@link Scorer} contract: what local models and remote servers both implement to score
 * queries against documents, with its options and results.
 *
 * @module
 */
import type { Progress, ScoreInput, ScoreType, Usage } from "./vocabulary.js";

/** Options accepted by every scoring call. All are optional; none is written back. */
export interface ScoreOptions {
  /** Cancels the call; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * Apply the model's activation (vLLM `use_activation`). `undefined` uses the model's default
   * (sigmoid for one-label cross-encoders unless the model's config says otherwise).
   * `false` returns raw logits for cross-encoders and skips per-token L2 normalization for
   * late interaction (which changes MaxSim); for bi-encoders cosine is unaffected.
   */
  activation?: boolean;
  /**
   * Keep at most this many tokens of each document, before the pair is built (vLLM
   * `max_tokens_per_doc`, i.e. `only_second` truncation). `0` or `undefined` = off.
   */
  maxTokensPerDoc?: number;
  /** Keep at most this many tokens of each query (vLLM `max_tokens_per_query`). `0` or `undefined` = off. */
  maxTokensPerQuery?: number;
  /**
   * Truncate each rendered prompt to this many tokens (vLLM `truncate_prompt_tokens`);
   * `-1` means the model's maximum length.
   */
  truncatePromptTokens?: number;
  /**
   * How a pair longer than the model's limit is cut: `longest_first` (the Rust tokenizers rule
   * sentence-transformers uses) or `only_second` (only the document, as FlagEmbedding and vLLM's
   * `max_tokens_per_doc`). @default "longest_first"
   */
  truncationStrategy?: "longest_first" | "only_second";
  /** Which end `truncatePromptTokens` cuts from. @default "right" */
  truncationSide?: "left" | "right";
  /** Instruction for instruction-aware rerankers (vLLM `instruction`). */
  instruction?: string;
  /**
   * Extra variables for the model's score template (vLLM `chat_template_kwargs`), e.g.
   * `{ instruct: "..." }`. Only scorers that render a template read them.
   */
  chatTemplateKwargs?: Record<string, unknown>;
  /**
   * Truncate inputs longer than the model's limit (longest-first for pairs). When `false`, such an
   * input throws a `ContextLengthError` instead, as vLLM does without `truncate_prompt_tokens`.
   * @default true
   */
  truncate?: boolean;
  /** Called as work completes, e.g. to drive a progress bar. */
  onProgress?: (progress: Progress) => void;
}

/** Options for {@link Scorer.rerank}. */
export interface RerankOptions extends ScoreOptions {
  /** Keep only the best `topN` results. `0` or `undefined` keeps all (vLLM `top_n`). */
  topN?: number;
  /** Drop results whose score is below this value (applied after the activation). */
  scoreThreshold?: number;
}

/** One reranked document. */
export interface RankedResult {
  /** Position of the document in the caller's list. */
  index: number;
  /** The score (after the activation unless `activation: false`). Higher is more relevant. */
  score: number;
  /** The document as the caller passed it. */
  document: ScoreInput;
}

/** Scores in pair order, with the tokens they cost. */
export interface ScoreResponse {
  /** One score per pair, in pair order. */
  scores: number[];
  /** Tokens processed. */
  usage: Usage;
  /**
   * Tokens of each pair, in pair order, counted as in `usage` (optional; local scorers fill it).
   * A server that merges several requests into one call uses it to split `usage` exactly.
   */
  pairTokens?: number[];
}

/** Reranked results with the tokens they cost. */
export interface RerankResponse {
  /** Results sorted by score descending (stable on ties), cut to `topN`. */
  results: RankedResult[];
  /** Tokens processed for all documents, including those `topN` dropped. */
  usage: Usage;
}

/**
 * Something that scores queries against documents: a local model or a remote server.
 *
 * Pairing follows vLLM: 1 query and 1 document, 1 query and N documents, or N queries and
 * N documents zipped pairwise. N:1, N:M and empty lists are rejected with an
 * `InvalidInputError` carrying vLLM's message.
 */
export interface Scorer {
  /** Which score type this scorer computes. */
  readonly scoreType: ScoreType;
  /** The model id or folder it serves. */
  readonly model: string;
  /**
   * Scores in pair order.
   * @throws {InvalidInputError} on empty lists, N:1 or N:M shapes, or non-string texts.
   */
  score(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options?: ScoreOptions,
  ): Promise<number[]>;
  /** Like {@link Scorer.score}, with token usage. */
  scoreWithUsage(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options?: ScoreOptions,
  ): Promise<ScoreResponse>;
  /**
   * Documents sorted by score descending (stable on ties), `index` into `documents`.
   * @throws {InvalidInputError} on an empty list or non-string texts.
   * @throws {InvalidScoreError} when the model produced NaN.
   */
  rerank(query: ScoreInput, documents: ScoreInput[], options?: RerankOptions): Promise<RankedResult[]>;
  /** Like {@link Scorer.rerank}, with token usage. */
  rerankWithUsage(
    query: ScoreInput,
    documents: ScoreInput[],
    options?: RerankOptions,
  ): Promise<RerankResponse>;
  /** Releases sessions, workers and sockets. The scorer cannot be used afterwards. */
  close(): Promise<void>;
}
