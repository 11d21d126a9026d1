/**
 * The public vocabulary of rerank-kit: score types, the {@link Scorer} and
 * {@link Embedder} contracts that local models and remote servers both
 * implement, and their option and result types.
 *
 * @module
 */

/**
 * The three score types of vLLM's score API: the one list that validation, the CLI's choices and
 * the docs read.
 *
 * - `cross-encoder`: the pair goes through one model, which outputs a logit (then an activation).
 * - `bi-encoder`: query and document are embedded separately; the score is their cosine.
 * - `late-interaction`: per-token embeddings (ColBERT); the score is MaxSim.
 */
export const SCORE_TYPES = ["cross-encoder", "bi-encoder", "late-interaction"] as const;

/** One of {@link SCORE_TYPES}: what a scorer computes. */
export type ScoreType = (typeof SCORE_TYPES)[number];

/** One part of a multimodal input, as in OpenAI chat content parts. Only remote servers accept these. */
export type ContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } }
  | { type: "video_url"; video_url: { url: string } }
  | { type: "image_embeds"; image_embeds: unknown };

/** A multimodal query or document: one item made of several parts (vLLM >= 0.16 semantics). */
export interface MultiModalInput {
  content: ContentPart[];
}

/** A query or document: plain text, or (remote scorers only) a multimodal item. */
export type ScoreInput = string | MultiModalInput;

/** Token counts of one call, counted as vLLM counts them. */
export interface Usage {
  /** Tokens fed to the model(s). */
  promptTokens: number;
  /** Equal to `promptTokens` for scoring and embeddings. */
  totalTokens: number;
}

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

/** Progress of a long call. */
export interface Progress {
  /** Items (pairs or texts) finished so far. */
  done: number;
  /** Items in the whole call. */
  total: number;
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

/** Whether a text is embedded as a query or as a document (selects prompts and prefixes). */
export type EmbedKind = "query" | "document";

/** Options for {@link Embedder.embed}. */
export interface EmbedOptions {
  /** Selects the query or document prompt. @default "document" */
  kind?: EmbedKind;
  /**
   * Prepend the model's query/document prompt (or the configured prefix). `false` embeds the texts
   * exactly as given, as vLLM's `/v1/embeddings` does. @default true
   */
  prompt?: boolean;
  /** Matryoshka: keep the first `dimensions` values, then re-normalize. */
  dimensions?: number;
  /** Apply the model's normalization (vLLM `use_activation`). @default true */
  normalize?: boolean;
  /**
   * Truncate texts longer than the model's limit. When `false`, a too-long text throws a
   * `ContextLengthError`. @default true
   */
  truncate?: boolean;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Called as texts complete. */
  onProgress?: (progress: Progress) => void;
}

/** Embeddings in input order, with the tokens they cost. */
export interface EmbedResponse {
  /** One vector per text, in input order. */
  embeddings: Float32Array[];
  /** Tokens processed. */
  usage: Usage;
}

/** Something that turns texts into one vector each (a bi-encoder, local or remote). */
export interface Embedder {
  /** The model id or folder. */
  readonly model: string;
  /** One vector per text, in input order. */
  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** Like {@link Embedder.embed}, with token usage. */
  embedWithUsage(texts: string[], options?: EmbedOptions): Promise<EmbedResponse>;
}

/** Per-token embeddings of one text (late interaction). */
export interface TokenEmbeddings {
  /** Row-major `[tokens, dim]` values. */
  data: Float32Array;
  /** Number of rows. */
  tokens: number;
  /** Width of each row. */
  dim: number;
}

/** Something that turns texts into per-token vectors (a ColBERT model). */
export interface TokenEmbedder {
  /** The model id or folder. */
  readonly model: string;
  /** One matrix per text, in input order; only the tokens that take part in MaxSim. */
  embedTokens(texts: string[], options?: EmbedOptions): Promise<TokenEmbeddings[]>;
}

/** True when `x` implements {@link Embedder}. */
export function isEmbedder(x: unknown): x is Embedder {
  return typeof (x as Embedder | undefined)?.embed === "function";
}

/** True when `x` implements {@link TokenEmbedder}. */
export function isTokenEmbedder(x: unknown): x is TokenEmbedder {
  return typeof (x as TokenEmbedder | undefined)?.embedTokens === "function";
}

/** One text's tokens, as the model's tokenizer produces them. */
export interface Tokenization {
  /** Token ids. */
  ids: number[];
  /** Token strings, aligned with `ids`. */
  tokens: string[];
}

/**
 * Tokenizer access that local scorers offer, for servers (`/tokenize`) and long-document
 * strategies (chunk-and-max in the LangChain adapter).
 */
export interface TokenizerAccess {
  /** The longest sequence (special tokens included) the model accepts. */
  readonly maxLength: number;
  /** Tokenizes one text. @default addSpecialTokens true */
  tokenize(text: string, options?: { addSpecialTokens?: boolean }): Tokenization;
  /**
   * How many document tokens fit in one pair with `query` before truncation kicks in
   * (model limit minus the query and the special tokens).
   */
  documentTokenBudget(query: string): number;
  /**
   * Splits `text` into windows of at most `maxTokens` tokens that overlap by `overlapTokens`,
   * decoded back to text. A text that fits is returned as a single window.
   */
  splitIntoWindows(text: string, maxTokens: number, overlapTokens: number): string[];
}

/** True when `x` implements {@link TokenizerAccess}. */
export function isTokenizerAccess(x: unknown): x is TokenizerAccess {
  return typeof (x as TokenizerAccess | undefined)?.splitIntoWindows === "function";
}

/** Options of {@link Classifier.classify} and {@link Classifier.classifySequences}. */
export interface ClassifyOptions {
  /** Cancels the call; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * Turn logits into probabilities (vLLM `use_activation`): softmax over the labels, sigmoid for a
   * one-label model or a `multi_label_classification` config, none for `regression`.
   * `false` returns the raw logits in `probs`. @default true
   */
  activation?: boolean;
  /** Cut texts longer than the model's limit; `false` throws a `ContextLengthError`. @default true */
  truncate?: boolean;
  /** Keep at most this many tokens, special tokens included (`-1` = the model's limit). `classify` only. */
  truncatePromptTokens?: number;
  /** Which end `truncatePromptTokens` cuts from. @default "right" */
  truncationSide?: "left" | "right";
  /** Called as work completes. */
  onProgress?: (progress: Progress) => void;
}

/** The classification of one text (one row of vLLM's `/classify` answer). */
export interface Classification {
  /** The model's raw logits, one per label. */
  logits: number[];
  /** Class probabilities (the logits after the activation; equal to `logits` with `activation: false`). */
  probs: number[];
  /** Index of the most likely class (argmax of `probs`, first on ties). */
  index: number;
  /** That class's name from `config.json` `id2label`, if it has one. */
  label: string | undefined;
  /** Tokens the model saw for this text, special tokens included. */
  tokens: number;
}

/** Classifications in input order, with the tokens they cost. */
export interface ClassifyResponse {
  /** One per input, in input order. */
  classifications: Classification[];
  /** Tokens processed. */
  usage: Usage;
}

/**
 * A sequence classifier that labels single texts (a cross-encoder run on one text, no pair):
 * what vLLM's `classify` task and `/classify` route serve.
 */
export interface Classifier {
  /** The model id or folder. */
  readonly model: string;
  /** Label names by class index (`config.json` `id2label`), `undefined` where unnamed. */
  readonly labels: readonly (string | undefined)[];
  /** Classifies texts, each encoded alone (`[CLS] text [SEP]`) with the model's special tokens. */
  classify(texts: string[], options?: ClassifyOptions): Promise<ClassifyResponse>;
  /** Classifies token-id sequences exactly as given (special tokens included, no truncation). */
  classifySequences(sequences: number[][], options?: ClassifyOptions): Promise<ClassifyResponse>;
}

/** True when `x` implements {@link Classifier}. */
export function isClassifier(x: unknown): x is Classifier {
  const c = x as Partial<Classifier> | undefined;
  return typeof c?.classify === "function" && typeof c.classifySequences === "function" && Array.isArray(c.labels);
}
