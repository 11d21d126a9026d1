import { APIError } from "./api-error.js";

/** HTTP 422: the body failed validation (FastAPI, TEI tokenizer/validation errors). Not retried. */
export class UnprocessableEntityError extends APIError {
  override name = "UnprocessableEntityError";
}
