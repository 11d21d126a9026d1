/**
 * Words every contract shares: score types, inputs, token usage and progress.
 *
 * @module
 */

/**
 * The score types: the three of vLLM's score API, and sparse (SPLADE-style dot products of
 * sparse vectors). The one list that validation, the CLI's choices and the docs read.
 *
 * - `cross-encoder`: the pair goes through one model, which outputs a logit (then an activation).
 * - `bi-encoder`: query and document are embedded separately; the score is their cosine.
 * - `late-interaction`: per-token embeddings (ColBERT); the score is MaxSim.
 * - `sparse`: sparse lexical vectors (SPLADE); the score is their dot product.
 */
export const SCORE_TYPES = ["cross-encoder", "bi-encoder", "late-interaction", "sparse"] as const;

/** The three score types of vLLM's score API, the ones a remote scoring server can compute. */
export const VLLM_SCORE_TYPES = ["cross-encoder", "bi-encoder", "late-interaction"] as const satisfies readonly (typeof SCORE_TYPES)[number][];

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

/** Progress of a long call. */
export interface Progress {
  /** Items (pairs or texts) finished so far. */
  done: number;
  /** Items in the whole call. */
  total: number;
}

/**
 * A value, or a promise of it: what a contract returns when in-process implementations answer
 * synchronously and worker-thread proxies asynchronously. Callers `await` it either way.
 */
export type MaybePromise<T> = T | Promise<T>;
