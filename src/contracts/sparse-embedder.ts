/**
 * The {@link SparseEmbedder} contract: one sparse vector over the vocabulary per text (SPLADE,
 * inference-free SPLADE, bge-m3's lexical weights), for the sparse half of hybrid search.
 *
 * @module
 */
import type { EmbedKind } from "./embedder.js";
import type { Progress, Usage } from "./vocabulary.js";

/**
 * A sparse vector over a vocabulary: `indices` strictly increasing, `values` non-zero, both the
 * same length. Qdrant, Milvus, Pinecone and OpenSearch take sparse vectors in this shape.
 */
export interface SparseVector {
  /** Vocabulary ids (dimensions), strictly increasing. */
  indices: Uint32Array;
  /** The weight of each id in `indices`; never 0. */
  values: Float32Array;
}

/** Options for {@link SparseEmbedder.embedSparse}. */
export interface SparseEmbedOptions {
  /**
   * Queries and documents may be encoded differently: inference-free SPLADE looks query tokens
   * up in a weight table and runs the model on documents only. @default "document"
   */
  kind?: EmbedKind;
  /** Keep at most this many entries, the largest first (sentence-transformers' `max_active_dims`); an integer >= 1. */
  topK?: number;
  /** Drop entries at or below this weight; a number >= 0. */
  threshold?: number;
  /**
   * Truncate texts longer than the model's limit. When `false`, a too-long text throws a
   * `ContextLengthError` (what a server answers without `truncate_prompt_tokens`). @default true
   */
  truncate?: boolean;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Called as texts complete. */
  onProgress?: (progress: Progress) => void;
}

/** Sparse vectors in input order, with the tokens they cost. */
export interface SparseEmbedResponse {
  /** One vector per text, in input order. */
  vectors: SparseVector[];
  /** Tokens processed. */
  usage: Usage;
}

/** Something that turns texts into sparse vectors over its vocabulary. */
export interface SparseEmbedder {
  /** The model id or folder. */
  readonly model: string;
  /** Size of the vocabulary the indices point into. */
  readonly vocabularySize: number;
  /**
   * One sparse vector per text, in input order.
   * @throws {InvalidInputError} for an empty text or one that keeps no token after truncation.
   * @throws {InvalidOptionError} for a `topK` that is not an integer >= 1 or a negative `threshold`.
   */
  embedSparse(texts: string[], options?: SparseEmbedOptions): Promise<SparseVector[]>;
  /** Like {@link SparseEmbedder.embedSparse}, with token usage. */
  embedSparseWithUsage(texts: string[], options?: SparseEmbedOptions): Promise<SparseEmbedResponse>;
  /**
   * The vector's entries as `[token, weight]`, the heaviest first (sentence-transformers'
   * `SparseEncoder.decode`), for inspecting what a model matched on.
   * @param topK keep the first `topK` entries (an integer >= 1); all by default
   */
  decode(vector: SparseVector, topK?: number): Array<[string, number]>;
}

/**
 * A text's lexical weight at each position, in token order, with the token ids they belong to
 * (vLLM's `token_classify` output of bge-m3: the first and last special tokens are left out).
 */
export interface TokenWeights {
  /** The token id at each position. */
  ids: Uint32Array;
  /** The weight at each position (relu'd, so >= 0); the same length as `ids`. */
  weights: Float32Array;
}

/**
 * Something that gives per-position lexical weights (bge-m3's sparse head before its per-id max),
 * which a server answers on `/pooling` task `token_classify` as vLLM does.
 */
export interface TokenWeightEmbedder {
  /**
   * Per-position weights per text, in input order.
   * @throws {InvalidInputError} for an empty text or one that keeps no token after truncation.
   */
  embedTokenWeights(texts: string[], options?: Pick<SparseEmbedOptions, "signal" | "onProgress" | "truncate">): Promise<TokenWeights[]>;
}
