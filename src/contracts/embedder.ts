/**
 * The {@link Embedder} contract: one vector per text (a bi-encoder, local or remote).
 *
 * @module
 */
import type { Progress, Usage } from "./vocabulary.js";

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
