import { VLLM_SCORE_TYPES } from "../types.js";
import { validateOptions, type OptionRule, type OptionSpec } from "../options/check-options.js";
import type { RemoteClientOptions, RemoteEmbedderOptions, RemoteScorerOptions } from "./options.js";

/**
 * The rules of the connection options every remote client takes. Ranges the rule kinds cannot
 * say (a positive `timeoutMs`, a non-empty `baseURL` list) are checked where the value is read,
 * in `resolveClientConfig`.
 */
export const CLIENT_OPTION_RULES = {
  baseURL: { kind: "any", note: "an http(s) URL or a non-empty list of them" },
  model: { kind: "string" },
  apiKey: { kind: "string" },
  headers: { kind: "object" },
  timeoutMs: { kind: "number" },
  maxRetries: { kind: "integer", min: 0 },
  maxResponseBytes: { kind: "integer", min: 1 },
  maxConcurrency: { kind: "integer", min: 1 },
  replicaCooldownMs: { kind: "integer", min: 0 },
  fetch: { kind: "function" },
  sleep: { kind: "function" },
} as const satisfies Record<keyof RemoteClientOptions, OptionRule>;

/** The rules of {@link RemoteScorerOptions}. */
export const REMOTE_SCORER_RULES = {
  ...CLIENT_OPTION_RULES,
  dialect: { kind: "any", note: "a score dialect name" },
  endpoint: { kind: "enum", values: ["score", "rerank"] },
  scoreType: { kind: "enum", values: VLLM_SCORE_TYPES },
  maxDocumentsPerRequest: { kind: "integer", min: 1 },
  scoreFieldNames: { kind: "any", note: "two non-empty strings" },
  promptTemplate: { kind: "any", note: "a prompt template or its name" },
} as const satisfies Record<keyof RemoteScorerOptions, OptionRule>;

/** The rules of {@link RemoteEmbedderOptions}. */
export const REMOTE_EMBEDDER_RULES = {
  ...CLIENT_OPTION_RULES,
  dialect: { kind: "any", note: "an embeddings dialect name" },
  queryPrefix: { kind: "string" },
  documentPrefix: { kind: "string" },
  encodingFormat: { kind: "enum", values: ["float", "base64"] },
  maxTextsPerRequest: { kind: "integer", min: 1 },
} as const satisfies Record<keyof RemoteEmbedderOptions, OptionRule>;

/** Every option name some remote client takes: a name of another client is "not supported here". */
const KNOWN = Object.keys({ ...REMOTE_SCORER_RULES, ...REMOTE_EMBEDDER_RULES });

/**
 * Checks a remote client's constructor options through the library's one validation path: a
 * misspelled name (`baseUrl`) gets "did you mean `baseURL`", a value outside its rule a typed error.
 * @throws {InvalidOptionError}
 */
export function validateClientOptions(options: unknown, spec: OptionSpec, where: string): void {
  validateOptions(options, spec, { where, known: KNOWN, unsupportedReason: "It belongs to another remote client." });
}
