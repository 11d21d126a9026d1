import { APIError } from "./api-error.js";

/** HTTP 400: the server rejected the request (bad field, N:1 shape, prompt too long, wrong Content-Type). Not retried. */
export class BadRequestError extends APIError {
  override name = "BadRequestError";
}
