import { AbortError, throwIfAborted } from "../errors/abort-error.js";
import { TimeoutError } from "../errors/timeout-error.js";
import { sleep as defaultSleep, type Sleep } from "./delay.js";
import { ConnectionError } from "./errors/connection-error.js";
import { apiErrorFromResponse } from "./errors/create-api-error.js";
import { MalformedResponseError } from "./errors/malformed-response-error.js";
import { ReplicaPool } from "./replica-pool.js";
import { retryDelayMs, shouldRetry } from "./retry.js";
import { DEFAULT_MAX_RESPONSE_BYTES, MAX_ERROR_BODY_BYTES, readBodyText } from "./read-body.js";
import { joinURL } from "./url.js";

/** Settings of one {@link Transport}, already validated and defaulted. */
export interface TransportConfig {
  /** Normalized base URLs (replicas). */
  baseURLs: string[];
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string | undefined;
  /** Extra headers on every request. */
  headers?: Record<string, string> | undefined;
  /** Per-attempt time limit. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** How long a failed replica is skipped. */
  replicaCooldownMs: number;
  /** Largest response body read, in bytes (see read-body.ts). @default 64 MiB */
  maxResponseBytes?: number | undefined;
  /** The `fetch` to use. */
  fetch?: typeof globalThis.fetch | undefined;
  /** The backoff wait (tests inject a fast one). */
  sleep?: Sleep | undefined;
}

/** One logical request; retried as a whole. */
export interface RequestSpec {
  /** HTTP method. */
  method: "GET" | "POST";
  /** Path appended to the base URL, e.g. `/score`. */
  path: string;
  /** Strip a trailing `/v1` from the base URL first (vLLM's root routes). @default true */
  fromRoot?: boolean;
  /** JSON body. */
  body?: unknown;
  /** Caller's signal. */
  signal?: AbortSignal | undefined;
  /** Overrides the configured per-attempt timeout. */
  timeoutMs?: number | undefined;
  /** Overrides the configured retries. */
  maxRetries?: number | undefined;
  /** Extra headers for this request. */
  headers?: Record<string, string> | undefined;
  /** Sent as `X-Request-Id`. */
  requestId?: string | undefined;
  /** A score/rerank route: a bare 404 then means the model cannot score. */
  scoring?: boolean | undefined;
  /** Parse a 2xx body as JSON; `false` returns the raw text (e.g. `/health`'s empty body). @default true */
  json?: boolean | undefined;
}

/** A successful (2xx) answer with its JSON body parsed. */
export interface TransportResponse {
  /** Parsed JSON body. */
  data: unknown;
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** The URL that answered. */
  url: string;
}

/**
 * The HTTP layer shared by the remote scorer and embedder: JSON in and out, one
 * `AbortController` per attempt with its own timeout, typed errors, retries with backoff
 * (`retry.ts`) and replica fail-over (`replica-pool.ts`). Knows nothing about dialects.
 */
export class Transport {
  readonly #config: TransportConfig;
  readonly #pool: ReplicaPool;
  readonly #fetch: typeof globalThis.fetch;
  readonly #sleep: Sleep;
  readonly #baseHeaders: Record<string, string>;

  /** @param config - Validated settings. */
  constructor(config: TransportConfig) {
    this.#config = config;
    this.#pool = new ReplicaPool(config.baseURLs, config.replicaCooldownMs);
    this.#fetch = config.fetch ?? globalThis.fetch;
    this.#sleep = config.sleep ?? defaultSleep;
    this.#baseHeaders = {
      accept: "application/json",
      ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
      ...config.headers,
    };
  }

  /** The replica pool (for health checks over every replica). */
  get replicas(): ReplicaPool {
    return this.#pool;
  }

  /**
   * Sends the request, retrying retryable failures on the next healthy replica.
   *
   * @throws {APIError} (a status subclass) for a non-2xx answer that is not retried or ran out of retries.
   * @throws {ConnectionError} when no answer arrived (after retries).
   * @throws {TimeoutError} when every attempt timed out.
   * @throws {MalformedResponseError} when a 2xx body is not JSON, or larger than `maxResponseBytes`.
   * @throws {AbortError} when the caller's signal fired (also during backoff).
   */
  async request(spec: RequestSpec, replica?: string): Promise<TransportResponse> {
    const maxRetries = spec.maxRetries ?? this.#config.maxRetries;
    const timeoutMs = spec.timeoutMs ?? this.#config.timeoutMs;
    const init = this.#init(spec);
    let failed: string | undefined;
    for (let retries = 0; ; retries++) {
      throwIfAborted(spec.signal);
      const base = replica ?? this.#pool.pick(failed);
      const url = joinURL(base, spec.path, spec.fromRoot ?? true);
      try {
        const response = await this.#attempt(url, init, spec, timeoutMs);
        this.#pool.markHealthy(base);
        return response;
      } catch (error) {
        if (retries >= maxRetries || !shouldRetry(error)) throw error;
        this.#pool.markFailed(base);
        failed = base;
        // A fresh replica is tried at once; the same (or a cooling) replica waits for backoff.
        const next = replica ?? this.#pool.pick(base);
        const wait = next !== base && !this.#pool.isCoolingDown(next) ? 0 : retryDelayMs(error, retries);
        if (wait > 0) await this.#sleep(wait, spec.signal);
      }
    }
  }

  #init(spec: RequestSpec): RequestInit {
    const headers: Record<string, string> = { ...this.#baseHeaders, ...spec.headers };
    if (spec.requestId !== undefined) headers["x-request-id"] = spec.requestId;
    if (spec.body === undefined) return { method: spec.method, headers };
    headers["content-type"] = "application/json";
    return { method: spec.method, headers, body: JSON.stringify(spec.body) };
  }

  async #attempt(url: string, init: RequestInit, spec: RequestSpec, timeoutMs: number): Promise<TransportResponse> {
    const { signal } = spec;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let response: Response;
    let text: string;
    const maxBytes = this.#config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    try {
      response = await this.#fetch(url, { ...init, signal: controller.signal });
      // The body is read inside the same timeout and abort scope: a server can stall mid-body.
      // Bounded: response.text() read any size (> 2 GiB aborted the process); an error body is
      // cut rather than refused, since its status already says what happened.
      ({ text } = response.ok
        ? await readBodyText(response, maxBytes, url)
        : await readBodyText(response, Math.min(maxBytes, MAX_ERROR_BODY_BYTES), url, true));
    } catch (cause) {
      if (cause instanceof MalformedResponseError) throw cause;
      if (signal?.aborted) throw new AbortError("The operation was aborted.", { cause: signal.reason });
      if (timedOut) {
        throw new TimeoutError(`${init.method} ${url} timed out after ${timeoutMs} ms`, { timeoutMs, cause });
      }
      throw new ConnectionError(init.method ?? "GET", url, { cause });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    if (!response.ok) {
      const parsed = parseBody(text);
      throw apiErrorFromResponse(response.status, response.headers, parsed.ok ? parsed.value : text, {
        method: init.method ?? "GET",
        url,
        requestId: spec.requestId,
        scoring: spec.scoring,
      });
    }
    if (spec.json === false) return { data: text, status: response.status, headers: response.headers, url };
    const data = parseBody(text);
    if (!data.ok) {
      const hint = /\bNaN\b|\bInfinity\b/.test(text) ? " (it contains NaN or Infinity, which JSON cannot carry)" : "";
      throw new MalformedResponseError(url, `the body is not valid JSON${hint}: ${text.slice(0, 200)}`, {
        body: text,
        cause: data.error,
      });
    }
    return { data: data.value, status: response.status, headers: response.headers, url };
  }
}

function parseBody(text: string): { ok: true; value: unknown } | { ok: false; error: unknown } {
  if (text === "") return { ok: false, error: new SyntaxError("empty body") };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error };
  }
}
