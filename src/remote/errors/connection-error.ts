import { RerankKitError } from "../../errors/rerank-kit-error.js";

/**
 * No usable HTTP answer: the connection was refused or reset (also mid-body), DNS failed, or the
 * socket closed. Retried with backoff. The original error is the `cause`.
 */
export class ConnectionError extends RerankKitError {
  override name = "ConnectionError";
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL of the failed request. */
  readonly url: string;

  constructor(method: string, url: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`${method} ${url} failed to connect or was cut off${cause}`, options);
    this.method = method;
    this.url = url;
  }
}
