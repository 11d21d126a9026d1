/**
 * The tokenizer contracts: a model's limit and tokenizer (`/tokenize`, length checks), decoding,
 * and document windows for long-document strategies. Each method may answer synchronously (an
 * in-process model) or with a promise (a worker-thread proxy); callers always `await`.
 *
 * @module
 */
import type { MaybePromise } from "./vocabulary.js";

/** One text's tokens, as the model's tokenizer produces them. */
export interface Tokenization {
  /** Token ids. */
  ids: number[];
  /** Token strings, aligned with `ids`. */
  tokens: string[];
}

/** A model's length limit and tokenizer: what `/tokenize` and the `max_model_len` checks need. */
export interface Tokenizer {
  /** The longest sequence (special tokens included) the model accepts (vLLM `max_model_len`). */
  readonly maxLength: number;
  /** Tokenizes one text, with the model's special tokens unless `addSpecialTokens` is false. */
  tokenize(text: string, options?: { addSpecialTokens?: boolean }): MaybePromise<Tokenization>;
}

/** Decodes token ids back to text (serves `/detokenize` and token-id inputs of ColBERT models). */
export interface Detokenizer {
  /** The text of `ids`; special tokens skipped unless `skipSpecialTokens` is false. */
  detokenize(ids: number[], options?: { skipSpecialTokens?: boolean }): MaybePromise<string>;
}

/**
 * A tokenizer that can cut a long document into windows that fit beside a query (the
 * chunk-and-max strategy of the LangChain adapter).
 */
export interface DocumentWindows extends Tokenizer {
  /**
   * How many document tokens fit in one pair with `query` before truncation kicks in
   * (model limit minus the query and the special tokens).
   */
  documentTokenBudget(query: string): MaybePromise<number>;
  /**
   * Splits `text` into windows of at most `maxTokens` tokens that overlap by `overlapTokens`,
   * decoded back to text. A text that fits is returned as a single window.
   */
  splitIntoWindows(text: string, maxTokens: number, overlapTokens: number): MaybePromise<string[]>;
}
