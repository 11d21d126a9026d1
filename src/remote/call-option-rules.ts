import { EMBED_OPTION_RULES, SCORE_OPTION_RULES } from "../options/call-options.js";
import { validateOptions, type OptionRule } from "../options/check-options.js";
import type { RemoteCallOptions } from "./options.js";

/** Rules of the remote-only per-call options. */
const REMOTE_CALL_RULES = {
  priority: { kind: "integer" },
  cacheSalt: { kind: "string" },
  chatTemplateKwargs: { kind: "object" },
  requestId: { kind: "string" },
  timeoutMs: { kind: "number" },
  maxRetries: { kind: "number" },
  headers: { kind: "object" },
} as const satisfies Record<keyof RemoteCallOptions, OptionRule>;

const { topN: _topN, scoreThreshold: _threshold, ...SCORE_ONLY } = SCORE_OPTION_RULES;

/**
 * Validates a remote score or rerank call's options through the same path as the local scorers:
 * unknown or misspelled names get "did you mean", values their range. Whether the dialect can
 * honour a known option is checked afterwards by the dialect itself.
 * @throws {InvalidOptionError}
 */
export function validateRemoteOptions(options: unknown, rerank: boolean, where: string): void {
  const spec = rerank ? { ...SCORE_OPTION_RULES, ...REMOTE_CALL_RULES } : { ...SCORE_ONLY, ...REMOTE_CALL_RULES };
  validateOptions(options, spec, { where, known: ["topN", "scoreThreshold"], unsupportedReason: "Use rerank() for topN and scoreThreshold." });
}

/**
 * Validates a remote embed call's options through the same path: the `EmbedOptions` rules
 * plus the remote extras. Whether the dialect can honour a known option is its own check.
 * @throws {InvalidOptionError}
 */
export function validateRemoteEmbedOptions(options: unknown, where: string): void {
  validateOptions(options, { ...EMBED_OPTION_RULES, ...REMOTE_CALL_RULES }, { where });
}
