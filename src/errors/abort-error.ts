import { RerankKitError } from "./rerank-kit-error.js";

/** The caller's `AbortSignal` fired; the call stopped and its partial work was discarded. */
export class AbortError extends RerankKitError {
  override name = "AbortError";
  constructor(message = "The operation was aborted.", options?: ErrorOptions) {
    super(message, options);
  }
}

/** Throws an {@link AbortError} (with the signal's reason as `cause`) if `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortError("The operation was aborted.", { cause: signal.reason });
  }
}
