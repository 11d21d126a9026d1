import { APIError } from "./api-error.js";

/** HTTP 403: the key may not use this resource. Not retried. */
export class PermissionDeniedError extends APIError {
  override name = "PermissionDeniedError";
}
