import { APIError } from "./api-error.js";

/** HTTP 5xx: the server failed; retried with backoff. */
export class InternalServerError extends APIError {
  override name = "InternalServerError";
}
