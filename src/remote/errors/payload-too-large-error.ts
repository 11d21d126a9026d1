import { APIError } from "./api-error.js";

/** HTTP 413: the request is too large (e.g. TEI's batch size limit); lower `maxDocumentsPerRequest`. Not retried. */
export class PayloadTooLargeError extends APIError {
  override name = "PayloadTooLargeError";
}
