import type { EmbedOptions, RerankOptions } from "../types.js";
import { validateOptions, type OptionRule, type OptionSpec } from "./check-options.js";

/** The rule of every {@link RerankOptions} field (which includes every `ScoreOptions` field). */
export const SCORE_OPTION_RULES = {
  signal: { kind: "signal" },
  onProgress: { kind: "function" },
  activation: { kind: "boolean" },
  truncate: { kind: "boolean" },
  maxTokensPerDoc: { kind: "integer", min: 0, note: "0 = off" },
  maxTokensPerQuery: { kind: "integer", min: 0, note: "0 = off" },
  truncatePromptTokens: { kind: "integer", min: -1, note: "-1 = the model's limit" },
  truncationStrategy: { kind: "enum", values: ["longest_first", "only_second"] },
  truncationSide: { kind: "enum", values: ["left", "right"] },
  instruction: { kind: "string" },
  chatTemplateKwargs: { kind: "object" },
  topN: { kind: "integer", min: 0, note: "0 = all" },
  scoreThreshold: { kind: "number" },
} as const satisfies Record<keyof RerankOptions, OptionRule>;

/** The rule of every {@link EmbedOptions} field. */
export const EMBED_OPTION_RULES = {
  signal: { kind: "signal" },
  onProgress: { kind: "function" },
  kind: { kind: "enum", values: ["query", "document"] },
  prompt: { kind: "boolean" },
  dimensions: { kind: "integer", min: 1 },
  normalize: { kind: "boolean" },
  truncate: { kind: "boolean" },
} as const satisfies Record<keyof EmbedOptions, OptionRule>;

/** A name of a {@link RerankOptions} field. */
export type ScoreOptionName = keyof typeof SCORE_OPTION_RULES;
/** A name of an {@link EmbedOptions} field. */
export type EmbedOptionName = keyof typeof EMBED_OPTION_RULES;

function pick<K extends string>(rules: Readonly<Record<K, OptionRule>>, names: readonly K[]): OptionSpec {
  return Object.fromEntries(names.map((n) => [n, rules[n]]));
}

/**
 * Validates the options of a `score` / `scoreWithUsage` call for a scorer that honours exactly
 * `honoured`. Every scorer family calls this with its own list, so an option the family cannot
 * honour (say `instruction` on a cross-encoder, or `topN` on `score()`) is refused with a typed
 * error instead of being silently ignored, and a misspelling gets a "did you mean".
 *
 * @param where e.g. `"CrossEncoderScorer.score"`, for the message
 * @throws {InvalidOptionError} for an unknown, unsupported or out-of-range option.
 */
export function validateScoreOptions(options: unknown, honoured: readonly ScoreOptionName[], where: string): void {
  validateOptions(options, pick(SCORE_OPTION_RULES, honoured), {
    where,
    known: Object.keys(SCORE_OPTION_RULES),
    unsupportedReason: "This scorer family (or this method) cannot honour it.",
  });
}

/**
 * Validates the options of an `embed` / `embedTokens` call for an embedder that honours exactly
 * `honoured`. @throws {InvalidOptionError}
 */
export function validateEmbedOptions(options: unknown, honoured: readonly EmbedOptionName[], where: string): void {
  validateOptions(options, pick(EMBED_OPTION_RULES, honoured), {
    where,
    known: Object.keys(EMBED_OPTION_RULES),
    unsupportedReason: "This embedder cannot honour it.",
  });
}

/** Every `ScoreOptions` field: for scorers (remote ones) that pass them all on. */
export const ALL_SCORE_OPTIONS: readonly ScoreOptionName[] = (Object.keys(SCORE_OPTION_RULES) as ScoreOptionName[]).filter(
  (n) => n !== "topN" && n !== "scoreThreshold",
);
