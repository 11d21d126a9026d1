/**
 * An error that already knows its HTTP answer: status, vLLM error `type`, `param` and extra headers.
 * Route code throws these for protocol-level failures (unknown model, queue full, ...); everything
 * else is mapped by {@link toErrorResponse}.
 */
export class HttpError extends Error {
  /** HTTP status code. */
  readonly status: number;
  /** vLLM error `type`, e.g. `BadRequestError`, `NotFoundError`. */
  readonly type: string;
  /** The request field at fault, or `null`. */
  readonly param: string | null;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    type: string,
    message: string,
    options: { param?: string | null; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }
}

/** 400 `BadRequestError`, vLLM's answer to a request its handlers reject. */
export function badRequest(message: string, param: string | null = null): HttpError {
  return new HttpError(400, "BadRequestError", message, { param });
}

/** 400 with vLLM's request-validation `type` ("Bad Request", the HTTP phrase). */
export function validationFailed(message: string, param: string | null = null): HttpError {
  return new HttpError(400, "Bad Request", message, { param });
}

/** A bare FastAPI-style answer such as `{"detail":"Not Found"}` for routes the model cannot serve. */
export class DetailError extends Error {
  /** HTTP status code. */
  readonly status: number;

  constructor(status: number, detail: string) {
    super(detail);
    this.name = "DetailError";
    this.status = status;
  }
}
