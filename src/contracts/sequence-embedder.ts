/**
 * Contracts of models that take token-id sequences exactly as given (special tokens included),
 * so a server can render, truncate and count tokens itself, as vLLM does.
 *
 * @module
 */
import type { EmbedOptions, EmbedResponse } from "./embedder.js";
import type { TokenEmbeddings } from "./token-embedder.js";

/**
 * An embedder that also embeds token-id sequences exactly as given (special tokens included).
 * With one, the server renders, truncates and counts tokens itself, as vLLM does, and accepts
 * token-id inputs and any `truncate_prompt_tokens`. Local bi-encoders are one.
 */
export interface SequenceEmbedder {
  /** One vector per sequence; usage counts the sequences' tokens. */
  embedSequences(sequences: number[][], options?: EmbedOptions): Promise<EmbedResponse>;
}

/**
 * A model that gives per-token vectors of token-id sequences exactly as given. With one, `/pooling`
 * `token_embed` takes token ids, any `truncate_prompt_tokens`, and counts usage as vLLM does.
 * Local bi-encoders and ColBERT models are one.
 */
export interface SequenceTokenEmbedder {
  /** One `[tokens, dim]` matrix per sequence, one row per token; rows L2-normalized unless `normalize` is false. */
  embedTokenSequences(
    sequences: number[][],
    options?: Pick<EmbedOptions, "signal" | "onProgress" | "normalize">,
  ): Promise<TokenEmbeddings[]>;
}
