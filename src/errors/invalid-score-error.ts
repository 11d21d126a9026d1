import { RerankKitError } from "./rerank-kit-error.js";

/** A model or server produced a score that cannot be ranked (NaN or not a number). */
export class InvalidScoreError extends RerankKitError {
  override name = "InvalidScoreError";
  /** Index of the first offending score in pair order. */
  readonly index: number;

  constructor(message: string, options: ErrorOptions & { index: number }) {
    super(message, options);
    this.index = options.index;
  }
}
