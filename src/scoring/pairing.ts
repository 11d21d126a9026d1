import { InvalidInputError } from "../errors/invalid-input-error.js";
import type { ScoreInput } from "../types.js";

/** Queries and documents expanded to equal-length lists, pair `i` = `(queries[i], documents[i])`. */
export interface Pairs<T = ScoreInput> {
  queries: T[];
  documents: T[];
}

/**
 * Expands a score request to explicit pairs with vLLM's rules: 1:1, 1:N (the query repeated)
 * and N:N (zipped). A scalar counts as a list of one.
 *
 * @throws {InvalidInputError} with vLLM's messages for empty lists, N:1 and N:M.
 */
export function toPairs<T>(queries: T | T[], documents: T | T[]): Pairs<T> {
  const q = Array.isArray(queries) ? queries : [queries];
  const d = Array.isArray(documents) ? documents : [documents];
  if (q.length === 0) {
    throw new InvalidInputError("At least one text element must be given", { field: "queries" });
  }
  if (d.length === 0) {
    throw new InvalidInputError("At least one text_pair element must be given", { field: "documents" });
  }
  if (q.length === 1) {
    const only = q[0] as T;
    return { queries: d.map(() => only), documents: [...d] };
  }
  if (q.length === d.length) {
    return { queries: [...q], documents: [...d] };
  }
  throw new InvalidInputError(
    `Input lengths must be either 1:1, 1:N or N:N (got ${q.length} queries and ${d.length} documents)`,
    { field: "queries" },
  );
}

/**
 * Checks that every item is a string.
 * @throws {InvalidInputError} naming the first offending index, e.g. `documents[3] must be a string, got null`.
 */
export function assertTexts(values: readonly unknown[], field: string): asserts values is string[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "string") {
      throw new InvalidInputError(`${field}[${i}] must be a string, got ${describe(v)}`, {
        field: `${field}[${i}]`,
      });
    }
  }
}

/**
 * Checks that every item is a string or a `{content: [...]}` multimodal item.
 * @throws {InvalidInputError} naming the first offending index.
 */
export function assertScoreInputs(values: readonly unknown[], field: string): asserts values is ScoreInput[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "string") continue;
    if (typeof v === "object" && v !== null && Array.isArray((v as { content?: unknown }).content)) continue;
    throw new InvalidInputError(
      `${field}[${i}] must be a string or a {content: [...]} item, got ${describe(v)}`,
      { field: `${field}[${i}]` },
    );
  }
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}
