import { APIError } from "./api-error.js";

/** HTTP 404: unknown route or unknown model. Not retried. */
export class NotFoundError extends APIError {
  override name = "NotFoundError";
}
