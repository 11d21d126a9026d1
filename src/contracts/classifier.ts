/**
 * The {@link Classifier} contract: a sequence classifier that labels single texts.
 *
 * @module
 */
import type { Progress, Usage } from "./vocabulary.js";

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
