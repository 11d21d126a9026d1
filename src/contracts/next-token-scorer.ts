/**
 * The {@link NextTokenScorer} contract: a causal LM that reports the probabilities of chosen
 * next tokens (vLLM's generative scoring).
 *
 * @module
 */
import type { Usage } from "./vocabulary.js";

/** Options of {@link NextTokenScorer.nextTokenLogProbs}. */
export interface NextTokenOptions {
  /** Cancels the call; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** Next-token log-probabilities, one row per sequence. */
export interface NextTokenResponse {
  /** `logProbs[i][k]`: log P(labelTokenIds[k] follows sequence i), log-softmax over the whole vocabulary. */
  logProbs: number[][];
  /** Tokens processed. */
  usage: Usage;
}

/** A causal LM that scores chosen next tokens after token-id sequences given as they are. */
export interface NextTokenScorer {
  /** Size of the LM head's vocabulary: valid token ids are `[0, vocabularySize)`. */
  readonly vocabularySize: number;
  /**
   * The log-probability of each label token as the next token after each sequence.
   * @throws {InvalidInputError} for an empty sequence, an id past the vocabulary, or a model
   *   whose LM head was rewritten to compute the reranker's score only.
   * @throws {ContextLengthError} for a sequence longer than the model's limit.
   */
  nextTokenLogProbs(sequences: number[][], labelTokenIds: number[], options?: NextTokenOptions): Promise<NextTokenResponse>;
}
