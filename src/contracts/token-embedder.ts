/**
 * The {@link TokenEmbedder} contract: per-token vectors of texts (late interaction).
 *
 * @module
 */
import type { EmbedOptions } from "./embedder.js";

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
