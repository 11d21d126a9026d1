/**
 * Helpers that the adapters (and tests, bench) share with the core but that the package does not
 * export: no `package.json` entry point reaches this file, so these can change without a major
 * version. Adapters import src/ only through `src/index.ts`, `src/remote/index.ts` and this file.
 *
 * @module
 */
export { rankScores } from "./scoring/ranking.js";
export { validateOptions } from "./options/check-options.js";
export type { OptionRule, OptionSpec, OptionContext } from "./options/check-options.js";
