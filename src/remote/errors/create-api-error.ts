import { APIError, type APIErrorInit } from "./api-error.js";
import { AuthenticationError } from "./authentication-error.js";
import { BadRequestError } from "./bad-request-error.js";
import { ConflictError } from "./conflict-error.js";
import { InternalServerError } from "./internal-server-error.js";
import { NotFoundError } from "./not-found-error.js";
import { parseErrorBody } from "./parse-error-body.js";
import { PayloadTooLargeError } from "./payload-too-large-error.js";
import { PermissionDeniedError } from "./permission-denied-error.js";
import { RateLimitError } from "./rate-limit-error.js";
import { ScoringNotSupportedError } from "./scoring-not-supported-error.js";
import { UnprocessableEntityError } from "./unprocessable-entity-error.js";

/** The request an error answered. */
export interface FailedRequest {
  /** HTTP method. */
  method: string;
  /** Full URL. */
  url: string;
  /** `X-Request-Id` sent, if any. */
  requestId?: string | undefined;
  /** True for score/rerank routes: a bare FastAPI 404 there means the model cannot score. */
  scoring?: boolean | undefined;
}

/**
 * Builds the {@link APIError} subclass for a non-2xx answer: 400 `BadRequestError`,
 * 401 `AuthenticationError`, 403 `PermissionDeniedError`, 404 `NotFoundError` (or
 * `ScoringNotSupportedError` for vLLM's route-missing 404 on a scoring route), 409 `ConflictError`,
 * 413 `PayloadTooLargeError`, 422 `UnprocessableEntityError`, 429 `RateLimitError`,
 * >= 500 `InternalServerError`; any other status gives a plain `APIError`.
 *
 * @param status - HTTP status.
 * @param headers - Response headers.
 * @param body - Parsed JSON body, or the raw text.
 * @param request - The request that failed.
 * @returns The typed error (not thrown).
 */
export function apiErrorFromResponse(
  status: number,
  headers: Headers,
  body: unknown,
  request: FailedRequest,
): APIError {
  const envelope = parseErrorBody(body);
  const init: APIErrorInit = {
    status,
    headers,
    body,
    ...envelope,
    method: request.method,
    url: request.url,
    requestId: headers.get("x-request-id") ?? request.requestId,
  };
  if (status === 404 && request.scoring && isRouteMissing(body)) {
    init.message =
      'Not Found: the server has no scoring route, so its model cannot score. vLLM registers /score and /rerank only ' +
      "for embedding, token-embedding (ColBERT) and one-label classifier models; check the served model and the base URL";
    return new ScoringNotSupportedError(init);
  }
  const Class = classFor(status);
  return new Class(init);
}

function classFor(status: number): typeof APIError {
  switch (status) {
    case 400:
      return BadRequestError;
    case 401:
      return AuthenticationError;
    case 403:
      return PermissionDeniedError;
    case 404:
      return NotFoundError;
    case 409:
      return ConflictError;
    case 413:
      return PayloadTooLargeError;
    case 422:
      return UnprocessableEntityError;
    case 429:
      return RateLimitError;
    default:
      return status >= 500 ? InternalServerError : APIError;
  }
}

function isRouteMissing(body: unknown): boolean {
  return typeof body === "object" && body !== null && (body as { detail?: unknown }).detail === "Not Found";
}
