/**
 * The model metadata contract: the files' settings a server reads to answer as vLLM does
 * (architecture, Matryoshka sizes, chat template, prompts).
 *
 * @module
 */

/** A model's settings as its files declare them. Local scorers and their worker proxies have them. */
export interface ModelMetadata {
  /** The model's `config.json` (architectures, `num_labels`, Matryoshka fields), read-only. */
  readonly modelConfig: Readonly<Record<string, unknown>>;
  /** The model's `tokenizer_config.json` (chat template, special tokens), read-only; `{}` if none. */
  readonly tokenizerConfig: Readonly<Record<string, unknown>>;
  /** The `prompts` of `config_sentence_transformers.json` (e.g. `{ query: "query: " }`); `{}` if none. */
  readonly sentenceTransformersPrompts: Readonly<Record<string, string>>;
}

/** Metadata with nothing declared: what a model without {@link ModelMetadata} reads as. */
export const NO_METADATA: ModelMetadata = Object.freeze({
  modelConfig: Object.freeze({}),
  tokenizerConfig: Object.freeze({}),
  sentenceTransformersPrompts: Object.freeze({}),
});
