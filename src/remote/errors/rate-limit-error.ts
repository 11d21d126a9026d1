import { APIError } from "./api-error.js";

/** HTTP 429: the server is overloaded or rate-limits you; retried after `Retry-After`. */
export class RateLimitError extends APIError {
  override name = "RateLimitError";
}
