import { InvalidInputError } from "../errors/invalid-input-error.js";
import type { OptionSpec } from "../options/check-options.js";
import { CLIENT_OPTION_RULES, validateClientOptions } from "./option-rules.js";
import type { RemoteClientOptions } from "./options.js";
import type { TransportConfig } from "./transport.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "./read-body.js";
import { normalizeBaseURL } from "./url.js";

/** Default per-attempt timeout. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Default retries after the first attempt. */
export const DEFAULT_MAX_RETRIES = 2;
/** Default requests in flight per client. */
export const DEFAULT_MAX_CONCURRENCY = 4;
/** Default cool-down of a failed replica. */
export const DEFAULT_REPLICA_COOLDOWN_MS = 10_000;

/** Transport settings plus the client's concurrency, validated and defaulted. */
export interface ClientConfig extends TransportConfig {
  /** Requests in flight at once. */
  maxConcurrency: number;
}

/**
 * Validates a remote client's options against `spec` (every name known, every value in its rule;
 * `spec` defaults to the connection options alone) and fills in the connection defaults. The
 * caller's object and its `headers` are copied, never modified.
 *
 * @param where - The client, for messages (`RemoteScorer`).
 * @throws {InvalidInputError} naming the bad option ({@link InvalidOptionError} for a misspelled or
 *   unknown name, or a value outside its rule).
 */
export function resolveClientConfig(options: RemoteClientOptions, spec: OptionSpec = CLIENT_OPTION_RULES, where = "VllmClient"): ClientConfig {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options must be an object with a `baseURL`", { field: "options" });
  }
  validateClientOptions(options, spec, where);
  const raw = options.baseURL;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new InvalidInputError("`baseURL` must name at least one server", { field: "baseURL" });
  const baseURLs = list.map((u, i) => normalizeBaseURL(u, Array.isArray(raw) ? `baseURL[${i}]` : "baseURL"));
  return {
    baseURLs,
    apiKey: options.apiKey,
    headers: options.headers ? { ...options.headers } : undefined,
    timeoutMs: positiveNumber(options.timeoutMs, "timeoutMs", DEFAULT_TIMEOUT_MS),
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    maxConcurrency: options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
    replicaCooldownMs: options.replicaCooldownMs ?? DEFAULT_REPLICA_COOLDOWN_MS,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    fetch: options.fetch,
    sleep: options.sleep,
  };
}

/** `value` if it is a positive integer, `fallback` if undefined. @throws {InvalidInputError} */
export function positiveInt(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new InvalidInputError(`\`${field}\` must be a positive integer, got ${String(value)}`, { field });
  }
  return value;
}

/** `value` if it is a non-negative integer, `fallback` if undefined. @throws {InvalidInputError} */
export function nonNegativeInt(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidInputError(`\`${field}\` must be a non-negative integer, got ${String(value)}`, { field });
  }
  return value;
}

/** `value` if it is a positive finite number, `fallback` if undefined. @throws {InvalidInputError} */
export function positiveNumber(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(`\`${field}\` must be a positive number, got ${String(value)}`, { field });
  }
  return value;
}

/** Validates the per-call transport overrides. @throws {InvalidInputError} */
export function checkCallOverrides(options: { timeoutMs?: unknown; maxRetries?: unknown }): void {
  positiveNumber(options.timeoutMs, "timeoutMs", 1);
  nonNegativeInt(options.maxRetries, "maxRetries", 0);
}
