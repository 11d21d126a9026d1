import { RerankKitError } from "./rerank-kit-error.js";

/** An operation did not finish within its time limit. */
export class TimeoutError extends RerankKitError {
  override name = "TimeoutError";
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, options: ErrorOptions & { timeoutMs: number }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}
