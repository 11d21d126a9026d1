import { InvalidInputError } from "../errors/invalid-input-error.js";
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
 * Validates the connection options shared by the scorer and the embedder and fills in defaults.
 * The caller's object and its `headers` are copied, never modified.
 *
 * @throws {InvalidInputError} naming the bad option.
 */
export function resolveClientConfig(options: RemoteClientOptions): ClientConfig {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options must be an object with a `baseURL`", { field: "options" });
  }
  const raw = options.baseURL;
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new InvalidInputError("`baseURL` must name at least one server", { field: "baseURL" });
  const baseURLs = list.map((u, i) => normalizeBaseURL(u, Array.isArray(raw) ? `baseURL[${i}]` : "baseURL"));
  if (options.model !== undefined && typeof options.model !== "string") {
    throw new InvalidInputError("`model` must be a string", { field: "model" });
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new InvalidInputError("`fetch` must be a function", { field: "fetch" });
  }
  if (options.headers !== undefined && (typeof options.headers !== "object" || options.headers === null)) {
    throw new InvalidInputError("`headers` must be an object of strings", { field: "headers" });
  }
  return {
    baseURLs,
    apiKey: options.apiKey,
    headers: options.headers ? { ...options.headers } : undefined,
    timeoutMs: positiveNumber(options.timeoutMs, "timeoutMs", DEFAULT_TIMEOUT_MS),
    maxRetries: nonNegativeInt(options.maxRetries, "maxRetries", DEFAULT_MAX_RETRIES),
    maxConcurrency: positiveInt(options.maxConcurrency, "maxConcurrency", DEFAULT_MAX_CONCURRENCY),
    replicaCooldownMs: nonNegativeInt(options.replicaCooldownMs, "replicaCooldownMs", DEFAULT_REPLICA_COOLDOWN_MS),
    maxResponseBytes: positiveInt(options.maxResponseBytes, "maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES),
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
