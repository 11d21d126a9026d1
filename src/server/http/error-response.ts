import { HTTPException } from "hono/http-exception";
import { AbortError } from "../../errors/abort-error.js";
import { ContextLengthError } from "../../errors/context-length-error.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { InvalidScoreError } from "../../errors/invalid-score-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { TimeoutError } from "../../errors/timeout-error.js";
import { DetailError, HttpError } from "./http-error.js";

/** vLLM's nested error envelope (vLLM >= 0.10.1). */
export interface ErrorEnvelope {
  /** The error itself. */
  error: { message: string; type: string; param: string | null; code: number };
}

/** An HTTP answer for a failed request. */
export interface ErrorAnswer {
  /** HTTP status. */
  status: number;
  /** JSON body: the envelope, or a bare `{detail}` / `{error: string}` where vLLM answers so. */
  body: ErrorEnvelope | { detail: string } | { error: string };
  /** Extra headers. */
  headers: Record<string, string>;
}

/** Builds vLLM's `{"error":{message,type,param,code}}`. */
export function envelope(status: number, type: string, message: string, param: string | null = null): ErrorEnvelope {
  return { error: { message, type, param, code: status } };
}

/**
 * The one place where errors become HTTP answers, following vLLM's `create_error_response`:
 * input errors are 400 `BadRequestError` (a too-long input names `input_tokens`), timeouts 504,
 * a client that went away 499, bad scores and everything unexpected 500 `InternalServerError`.
 */
export function toErrorResponse(error: unknown): ErrorAnswer {
  const answer = (status: number, type: string, message: string, param: string | null = null): ErrorAnswer => ({
    status,
    body: envelope(status, type, message, param),
    headers: {},
  });
  if (error instanceof HttpError) {
    return { ...answer(error.status, error.type, error.message, error.param), headers: error.headers };
  }
  if (error instanceof DetailError) return { status: error.status, body: { detail: error.message }, headers: {} };
  if (error instanceof ContextLengthError) return answer(400, "BadRequestError", error.message, "input_tokens");
  if (error instanceof InvalidInputError) return answer(400, "BadRequestError", error.message);
  if (error instanceof TimeoutError) return answer(504, "TimeoutError", error.message);
  if (error instanceof AbortError) return answer(499, "ClientClosedRequest", error.message);
  if (error instanceof InvalidScoreError) return answer(500, "InternalServerError", error.message);
  if (error instanceof ModelLoadError) return answer(500, "InternalServerError", error.message);
  if (error instanceof HTTPException) {
    // Hono's own failures: malformed JSON (400), body too large (413).
    return answer(error.status, phrase(error.status), error.message || phrase(error.status));
  }
  const message = error instanceof Error ? error.message : String(error);
  return answer(500, "InternalServerError", sanitize(message));
}

/** Hides file paths in messages of unexpected errors, as vLLM's `sanitize_message` does. */
function sanitize(message: string): string {
  // The extension must end the name: `/srv/config.json` is not a `.js` path (it became "<path>on").
  return message.replace(/(?:file:\/\/)?\/[\w.@/-]+\.(?:[cm]?[jt]s|node)(?![\w])(?::\d+)*/g, "<path>");
}

function phrase(status: number): string {
  const phrases: Record<number, string> = { 400: "Bad Request", 413: "Request Entity Too Large", 415: "Unsupported Media Type" };
  return phrases[status] ?? "Error";
}
