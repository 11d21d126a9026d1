import { InvalidOptionError } from "../errors/invalid-option-error.js";
import { nearMisses } from "./near-miss.js";

/** What one option accepts. `undefined` is always accepted (it means "not set"). */
export type OptionRule =
  | { readonly kind: "integer"; readonly min?: number; readonly max?: number; readonly note?: string }
  | { readonly kind: "number" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "boolean" }
  | { readonly kind: "string" }
  | { readonly kind: "function" }
  | { readonly kind: "signal" }
  | { readonly kind: "object" }
  | { readonly kind: "any"; readonly note: string };

/** Option name -> rule: the options one call or constructor honours. */
export type OptionSpec = Readonly<Record<string, OptionRule>>;

/** Where options are checked, for the messages and for telling "misspelled" from "not here". */
export interface OptionContext {
  /** Who takes the options, e.g. `CrossEncoderScorer.score` or `loadScorer`. */
  readonly where: string;
  /**
   * Option names that exist elsewhere in rerank-kit (other families, other methods). One of these
   * given here is refused as "not supported here" rather than "unknown"; they are also offered
   * as near misses.
   */
  readonly known?: readonly string[];
  /** Why the `known` names are refused here (appended to the message). */
  readonly unsupportedReason?: string;
}

/** The text naming what a rule accepts, used in messages and `InvalidOptionError.allowed`. */
export function describeRule(rule: OptionRule): string {
  switch (rule.kind) {
    case "integer": {
      const range =
        rule.min !== undefined && rule.max !== undefined
          ? ` from ${rule.min} to ${rule.max}`
          : rule.min !== undefined
            ? ` >= ${rule.min}`
            : rule.max !== undefined
              ? ` <= ${rule.max}`
              : "";
      return `an integer${range}${rule.note ? ` (${rule.note})` : ""}`;
    }
    case "number":
      return "a number (not NaN)";
    case "enum":
      return rule.values.map((v) => JSON.stringify(v)).join(" | ");
    case "boolean":
      return "true or false";
    case "string":
      return "a string";
    case "function":
      return "a function";
    case "signal":
      return "an AbortSignal";
    case "object":
      return "an object";
    case "any":
      return rule.note;
  }
}

function valid(rule: OptionRule, value: unknown): boolean {
  switch (rule.kind) {
    case "integer":
      return (
        typeof value === "number" &&
        Number.isInteger(value) &&
        (rule.min === undefined || value >= rule.min) &&
        (rule.max === undefined || value <= rule.max)
      );
    case "number":
      return typeof value === "number" && !Number.isNaN(value);
    case "enum":
      return typeof value === "string" && rule.values.includes(value);
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "function":
      return typeof value === "function";
    case "signal":
      return typeof value === "object" && value !== null && typeof (value as AbortSignal).aborted === "boolean";
    case "object":
      return typeof value === "object" && value !== null;
    case "any":
      // Checked by the code that reads it; listed so the name is known.
      return true;
  }
}

/** Checks one value against its rule. @throws {InvalidOptionError} naming the option and what it accepts. */
export function checkOption(name: string, value: unknown, rule: OptionRule, where: string): void {
  if (value === undefined || valid(rule, value)) return;
  const allowed = describeRule(rule);
  const shown = typeof value === "string" ? JSON.stringify(value) : typeof value === "function" ? "a function" : String(value);
  throw new InvalidOptionError(`${where}: option \`${name}\` must be ${allowed}, got ${shown}`, { option: name, allowed });
}

/**
 * Validates an options object at a public boundary: every set key must be in `spec` (a
 * misspelling gets "did you mean", a name that belongs elsewhere gets "not supported here"), and
 * every value must satisfy its rule. Plain JavaScript callers get the check TypeScript would
 * have given them. `null`/`undefined` options pass; keys whose value is `undefined` are ignored.
 *
 * @throws {InvalidOptionError} for the first offending option.
 * @example
 * ```ts
 * validateOptions({ top_n: 3 }, { topN: { kind: "integer", min: 0 } }, { where: "rerank" });
 * // InvalidOptionError: rerank: unknown option `top_n` (did you mean `topN`?)
 * ```
 */
export function validateOptions(options: unknown, spec: OptionSpec, context: OptionContext): void {
  if (options === undefined || options === null) return;
  const { where } = context;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidOptionError(`${where}: options must be an object, got ${Array.isArray(options) ? "an array" : typeof options}`, {
      option: "options",
      allowed: "an object",
    });
  }
  const accepted = Object.keys(spec);
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = spec[name];
    if (rule) {
      checkOption(name, value, rule, where);
      continue;
    }
    const allowed = accepted.join(", ");
    if (context.known?.includes(name)) {
      const reason = context.unsupportedReason ? ` ${context.unsupportedReason}` : "";
      throw new InvalidOptionError(
        `${where}: option \`${name}\` is not supported here and would be ignored.${reason} Accepted options: ${allowed}`,
        { option: name, allowed },
      );
    }
    const suggestions = nearMisses(name, [...new Set([...accepted, ...(context.known ?? [])])]);
    const hint = suggestions.length > 0 ? ` (did you mean ${suggestions.map((s) => `\`${s}\``).join(" or ")}?)` : "";
    throw new InvalidOptionError(`${where}: unknown option \`${name}\`${hint}. Accepted options: ${allowed}`, {
      option: name,
      allowed,
      suggestions,
    });
  }
}
