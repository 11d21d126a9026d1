/**
 * Request logging, one line per request as vLLM's server logs them: method, path, status,
 * duration, the served model and the prompt tokens the request used. A 5xx answer is written in
 * every format, `off` included, with its error message: a failing server must never be silent.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.js";

/** How requests are logged: `off` (5xx answers only, as text), `text` or `json` (every request). */
export type RequestLogFormat = "off" | "text" | "json";

/** Where and how requests are logged (`createServer({ requestLog })`). */
export interface RequestLogOptions {
  /** The format. @default "off" */
  format?: RequestLogFormat;
  /** Writes one line (newline included). @default process.stderr.write */
  write?: (line: string) => void;
}

/** One logged request. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  /** Wall time from the request's arrival to its answer, in ms (0.1 ms resolution). */
  durationMs: number;
  /** The served model name, when the request ran the model. */
  model: string | undefined;
  /** Prompt tokens the request used, when it ran the model. */
  promptTokens: number | undefined;
  /** The error message of a failed request. */
  error: string | undefined;
}

/** {@link RequestLogOptions} with defaults applied. @internal */
export interface ResolvedRequestLog {
  format: RequestLogFormat;
  write: (line: string) => void;
}

const FORMATS: readonly RequestLogFormat[] = ["off", "text", "json"];

/** Defaults for `requestLog`, which may be a format name or the options object. @internal */
export function resolveRequestLog(option: RequestLogFormat | RequestLogOptions | undefined): ResolvedRequestLog {
  const o = typeof option === "string" ? { format: option } : (option ?? {});
  const format = o.format ?? "off";
  if (!FORMATS.includes(format)) throw new TypeError(`requestLog format must be one of ${FORMATS.join(", ")}, got ${String(format)}`);
  return { format, write: o.write ?? ((line) => void process.stderr.write(line)) };
}

/** One line for `entry` in `format` (`off` writes 5xx answers as text). @internal */
export function formatRequestLine(entry: RequestLogEntry, format: RequestLogFormat): string {
  if (format === "json") {
    return `${JSON.stringify({
      time: new Date().toISOString(),
      method: entry.method,
      path: entry.path,
      status: entry.status,
      duration_ms: entry.durationMs,
      model: entry.model ?? null,
      prompt_tokens: entry.promptTokens ?? null,
      ...(entry.error !== undefined && { error: entry.error }),
    })}\n`;
  }
  const parts = [`rerank-kit: ${entry.method} ${entry.path} ${entry.status} ${entry.durationMs} ms`];
  if (entry.model !== undefined) parts.push(`model=${entry.model}`);
  if (entry.promptTokens !== undefined) parts.push(`prompt_tokens=${entry.promptTokens}`);
  if (entry.error !== undefined) parts.push(`error=${JSON.stringify(entry.error)}`);
  return `${parts.join(" ")}\n`;
}

/**
 * The middleware that logs each request once its answer is ready. Routes that run the model
 * leave the prompt tokens in the context (`promptTokens`); `model` is the served name then.
 * @internal
 */
export function requestLogger(log: ResolvedRequestLog, model: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const status = c.res.status;
    if (log.format === "off" && status < 500) return;
    const promptTokens = c.get("promptTokens");
    const entry: RequestLogEntry = {
      method: c.req.method,
      path: c.req.path,
      status,
      durationMs: Math.round((performance.now() - start) * 10) / 10,
      model: promptTokens === undefined ? undefined : model,
      promptTokens,
      error: status >= 500 && c.error ? c.error.message : undefined,
    };
    try {
      log.write(formatRequestLine(entry, log.format === "json" ? "json" : "text"));
    } catch {
      // A broken log sink must not turn an answered request into a failure; the answer still goes out.
    }
  };
}
