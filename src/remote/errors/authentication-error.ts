import { APIError } from "./api-error.js";

/** HTTP 401: missing or wrong API key. Not retried. */
export class AuthenticationError extends APIError {
  override name = "AuthenticationError";
}
