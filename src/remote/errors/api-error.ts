import { RerankKitError } from "../../errors/rerank-kit-error.js";

/** What an {@link APIError} is built from: the answer, and the request it answered. */
export interface APIErrorInit {
  /** HTTP status of the answer. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** Human-readable message taken from the error envelope. */
  message: string;
  /** Error type from the envelope (`BadRequestError`, `Bad Request`, TEI `Validation`, ...). */
  type?: string | undefined;
  /** The offending parameter from the envelope (e.g. `body.top_n`). */
  param?: string | undefined;
  /** The `code` from the envelope, when present. */
  code?: string | number | undefined;
  /** HTTP method of the request. */
  method: string;
  /** Full URL of the request. */
  url: string;
  /** The request id sent (`X-Request-Id`) or echoed by the server. */
  requestId?: string | undefined;
}

/**
 * A server answered with a non-2xx status. Subclasses name the status
 * (`BadRequestError` for 400, `RateLimitError` for 429, ...); the client builds one from the
 * response and picks the class by status. The message states the method, URL,
 * status and the server's own message.
 */
export class APIError extends RerankKitError {
  override name = "APIError";
  /** HTTP status. */
  readonly status: number;
  /** Response headers (e.g. `retry-after`). */
  readonly headers: Headers;
  /** Parsed error body (JSON) or its raw text. */
  readonly body: unknown;
  /** The server's message, without the method/URL prefix. */
  readonly serverMessage: string;
  /** Error type from the envelope, if any. */
  readonly type: string | undefined;
  /** Offending parameter from the envelope, if any. */
  readonly param: string | undefined;
  /** Envelope `code`, if any. */
  readonly code: string | number | undefined;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL of the failed request. */
  readonly url: string;
  /** Request id (`X-Request-Id`) sent or echoed, if any. */
  readonly requestId: string | undefined;

  constructor(init: APIErrorInit, options?: ErrorOptions) {
    const type = init.type ? ` ${init.type}` : "";
    const param = init.param ? ` (param: ${init.param})` : "";
    // A server's message is quoted up to 2000 characters: a 50 MB error body made a 50M-character message.
    const text = String(init.message ?? "");
    const message = text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length - 2000} more characters)` : text;
    super(`${init.method} ${init.url} failed with ${init.status}${type}: ${message}${param}`, options);
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.serverMessage = init.message;
    this.type = init.type;
    this.param = init.param;
    this.code = init.code;
    this.method = init.method;
    this.url = init.url;
    this.requestId = init.requestId;
  }
}
