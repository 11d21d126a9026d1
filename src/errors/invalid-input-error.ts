import { brandError } from "./rerank-kit-error.js";

/**
 * Bad arguments: a non-string text, an empty list, an unsupported query/document shape, an
 * out-of-range option. A `TypeError` (and a {@link RerankKitError}); thrown before any work starts.
 */
export class InvalidInputError extends TypeError {
  override name = "InvalidInputError";
  /** The argument or field at fault, e.g. `documents[3]` or `topN`. */
  readonly field: string | undefined;

  constructor(message: string, options?: ErrorOptions & { field?: string }) {
    super(message, options);
    this.field = options?.field;
    brandError(this);
  }
}
