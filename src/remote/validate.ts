import type { Usage } from "../types.js";
import { MalformedResponseError } from "./errors/malformed-response-error.js";

/** One score and the position (within the request) it belongs to. */
export interface IndexedScore {
  /** Position in the request's document (or pair) list. */
  index: number;
  /** The score. */
  score: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Returns `body[key]` when `body` is an object and the value an array. @throws {MalformedResponseError} */
export function arrayField(url: string, body: unknown, key: string): unknown[] {
  const value = isObj(body) ? body[key] : undefined;
  if (!Array.isArray(value)) {
    throw new MalformedResponseError(url, `expected an object with an array \`${key}\``, { body });
  }
  return value;
}

/** Checks that `body` is a JSON array. @throws {MalformedResponseError} */
export function arrayBody(url: string, body: unknown): unknown[] {
  if (!Array.isArray(body)) throw new MalformedResponseError(url, "expected a JSON array", { body });
  return body;
}

/**
 * Validates `items` as `{index, <scoreKey>}` objects: exactly `expectedCount` of them, every index an
 * integer in `[0, n)` and none repeated, every score a finite number.
 *
 * @param field - The array's name in messages (e.g. `results`).
 * @throws {MalformedResponseError} naming the first problem.
 */
export function indexedScores(
  url: string,
  body: unknown,
  items: unknown[],
  options: { n: number; expectedCount: number; scoreKey: string; field: string },
): IndexedScore[] {
  const { n, expectedCount, scoreKey, field } = options;
  if (items.length !== expectedCount) {
    throw new MalformedResponseError(url, `expected ${expectedCount} ${field}, got ${items.length}`, { body });
  }
  const seen = new Uint8Array(n);
  const out: IndexedScore[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObj(item)) throw new MalformedResponseError(url, `${field}[${i}] is not an object`, { body });
    const index = item.index;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= n) {
      throw new MalformedResponseError(url, `${field}[${i}].index is ${String(index)}, outside [0, ${n})`, { body });
    }
    if (seen[index]) throw new MalformedResponseError(url, `${field}[${i}].index ${index} is repeated`, { body });
    seen[index] = 1;
    const score = item[scoreKey];
    if (typeof score !== "number" || !Number.isFinite(score)) {
      throw new MalformedResponseError(url, `${field}[${i}].${scoreKey} is ${String(score)}, not a finite number`, {
        body,
      });
    }
    out[i] = { index, score };
  }
  return out;
}

/**
 * Reads token usage from vLLM/Infinity/Jina `usage` or Cohere `meta.billed_units`/`meta.tokens`;
 * zeros when the server reports none (Cohere v2, TEI).
 */
export function readUsage(body: unknown): Usage {
  if (!isObj(body)) return { promptTokens: 0, totalTokens: 0 };
  const usage = body.usage;
  if (isObj(usage)) {
    const prompt = num(usage.prompt_tokens) ?? num(usage.total_tokens) ?? 0;
    return { promptTokens: prompt, totalTokens: num(usage.total_tokens) ?? prompt };
  }
  const meta = body.meta;
  if (isObj(meta)) {
    const tokens = isObj(meta.tokens) ? num(meta.tokens.input_tokens) : undefined;
    const billed = isObj(meta.billed_units) ? num(meta.billed_units.input_tokens) : undefined;
    const t = tokens ?? billed ?? 0;
    return { promptTokens: t, totalTokens: t };
  }
  return { promptTokens: 0, totalTokens: 0 };
}

/** Adds two usages. */
export function addUsage(a: Usage, b: Usage): Usage {
  return { promptTokens: a.promptTokens + b.promptTokens, totalTokens: a.totalTokens + b.totalTokens };
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
