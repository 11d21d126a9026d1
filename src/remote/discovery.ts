import { AbortError } from "../errors/abort-error.js";
import { APIError } from "./errors/api-error.js";
import { MalformedResponseError } from "./errors/malformed-response-error.js";
import type { Transport } from "./transport.js";
import { arrayField } from "./validate.js";

/** One model a server lists. */
export interface ModelInfo {
  /** The model id to pass as `model`. */
  id: string;
  /** `owned_by`, when given. */
  ownedBy?: string;
  /** vLLM's `max_model_len` (TEI: `max_input_length`), when given. */
  maxModelLen?: number;
  /** The entry as the server sent it. */
  raw: Record<string, unknown>;
}

/** The health of one replica. */
export interface HealthStatus {
  /** The replica's base URL. */
  baseURL: string;
  /** True when `/health` answered 2xx. */
  ok: boolean;
  /** HTTP status, when the server answered. */
  status?: number;
  /** Why the check failed, when it did. */
  error?: Error;
}

/** Where a server lists its models. */
export type ModelsRoute = "openai" | "infinity" | "tei";

/** The models route of a dialect. */
export function modelsRoute(dialect: string): ModelsRoute {
  return dialect === "infinity" || dialect === "tei" ? dialect : "openai";
}

/**
 * Lists models: `GET /v1/models` (vLLM, OpenAI-compatible), `{baseURL}/models` (Infinity), or
 * TEI's `GET /info` (one model).
 * @throws {APIError}, {@link ConnectionError}, {@link TimeoutError}, {@link MalformedResponseError}
 */
export async function fetchModels(transport: Transport, route: ModelsRoute, signal?: AbortSignal): Promise<ModelInfo[]> {
  if (route === "tei") {
    const r = await transport.request({ method: "GET", path: "/info", fromRoot: false, signal });
    const info = r.data as Record<string, unknown> | null;
    if (typeof info !== "object" || info === null || typeof info.model_id !== "string") {
      throw new MalformedResponseError(r.url, "expected an object with a string `model_id`", { body: r.data });
    }
    const model: ModelInfo = { id: info.model_id, raw: info };
    if (typeof info.max_input_length === "number") model.maxModelLen = info.max_input_length;
    return [model];
  }
  const infinity = route === "infinity";
  const response = await transport.request({
    method: "GET",
    path: infinity ? "/models" : "/v1/models",
    fromRoot: !infinity,
    signal,
  });
  return arrayField(response.url, response.data, "data").map((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (typeof e !== "object" || e === null || typeof e.id !== "string") {
      throw new MalformedResponseError(response.url, `data[${i}].id is missing`, { body: response.data });
    }
    const info: ModelInfo = { id: e.id, raw: e };
    if (typeof e.owned_by === "string") info.ownedBy = e.owned_by;
    if (typeof e.max_model_len === "number") info.maxModelLen = e.max_model_len;
    return info;
  });
}

/**
 * Checks `GET /health` on every replica (no retries), in configuration order. A down replica is
 * reported, not thrown.
 * @throws {AbortError} only when `signal` fires.
 */
export async function checkHealth(
  transport: Transport,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<HealthStatus[]> {
  return Promise.all(
    transport.replicas.urls.map(async (baseURL): Promise<HealthStatus> => {
      try {
        const r = await transport.request(
          { method: "GET", path: "/health", json: false, maxRetries: 0, timeoutMs: options.timeoutMs ?? 5000, signal: options.signal },
          baseURL,
        );
        return { baseURL, ok: true, status: r.status };
      } catch (error) {
        if (error instanceof AbortError) throw error;
        const status = error instanceof APIError ? error.status : undefined;
        return { baseURL, ok: false, ...(status === undefined ? {} : { status }), error: error as Error };
      }
    }),
  );
}
