import { InvalidInputError } from "../../errors/invalid-input-error.js";
import type { RemoteRerankOptions } from "../options.js";

/** Per-call options that only some servers understand, keyed by option name. */
const SERVER_OPTIONS = [
  "activation",
  "maxTokensPerDoc",
  "maxTokensPerQuery",
  "truncatePromptTokens",
  "truncationSide",
  "instruction",
  "priority",
  "cacheSalt",
  "chatTemplateKwargs",
] as const;

/** A per-call option that maps to a server field. */
export type ServerOption = (typeof SERVER_OPTIONS)[number];

/**
 * Throws when `options` sets a server option the dialect cannot honour, rather than drop it
 * silently. Defaults do not count: `activation: true`, `maxTokensPerDoc: 0`, `maxTokensPerQuery: 0`.
 *
 * @throws {InvalidInputError} naming the option and the dialect.
 */
export function rejectUnsupported(
  dialect: string,
  options: RemoteRerankOptions,
  supported: readonly ServerOption[],
): void {
  for (const key of SERVER_OPTIONS) {
    const value = options[key];
    if (value === undefined || supported.includes(key)) continue;
    if (key === "activation" && value === true) continue;
    if ((key === "maxTokensPerDoc" || key === "maxTokensPerQuery") && value === 0) continue;
    throw new InvalidInputError(`\`${key}\` is not supported by the ${dialect} dialect`, { field: key });
  }
}
