import { APIError } from "./api-error.js";

/** HTTP 409: a conflicting request; retried with backoff. */
export class ConflictError extends APIError {
  override name = "ConflictError";
}
