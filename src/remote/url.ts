import { InvalidInputError } from "../errors/invalid-input-error.js";

/**
 * Validates a base URL and removes trailing slashes.
 * @throws {InvalidInputError} when it is not an absolute http(s) URL.
 */
export function normalizeBaseURL(value: unknown, field = "baseURL"): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidInputError(`\`${field}\` must be a non-empty URL string, got ${String(value)}`, { field });
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch (cause) {
    throw new InvalidInputError(`\`${field}\` is not a valid URL: ${value}`, { field, cause });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidInputError(`\`${field}\` must use http or https, got ${url.protocol}`, { field });
  }
  return url.toString().replace(/\/+$/, "");
}

/** The base URL without a trailing `/v1` (vLLM's `/score`, `/rerank` and `/health` sit at the root). */
export function stripV1(base: string): string {
  return base.replace(/\/v1$/, "");
}

/**
 * Joins a base URL and a path. With `fromRoot`, a base ending in `/v1` is stripped first, so
 * `http://host:8000/v1` + `/score` gives `http://host:8000/score` and + `/v1/models` gives
 * `http://host:8000/v1/models`.
 */
export function joinURL(base: string, path: string, fromRoot = true): string {
  return `${fromRoot ? stripV1(base) : base}${path}`;
}
