import { RerankKitError } from "../../errors/rerank-kit-error.js";

/**
 * A 2xx answer that cannot be trusted: not JSON, a missing or mistyped field, the wrong number
 * of results, an index out of range or repeated, a score that is not a finite number. Not
 * retried: the whole call rejects rather than return a partial or corrupt result.
 */
export class MalformedResponseError extends RerankKitError {
  override name = "MalformedResponseError";
  /** URL of the request whose answer was malformed. */
  readonly url: string;
  /** The parsed body, or the raw text when it was not JSON. */
  readonly body: unknown;

  constructor(url: string, problem: string, options?: ErrorOptions & { body?: unknown }) {
    super(`Malformed response from ${url}: ${problem}`, options);
    this.url = url;
    this.body = options?.body;
  }
}
