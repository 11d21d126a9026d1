const BRAND = Symbol.for("rerank-kit.error");

/**
 * The base of every error rerank-kit throws. `instanceof RerankKitError` is true for all of
 * them, including {@link InvalidInputError}, which extends `TypeError`.
 */
export class RerankKitError extends Error {
  override name = "RerankKitError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }

  // InvalidInputError must stay a TypeError (callers catch TypeError for bad arguments) and still
  // be a RerankKitError, so the base class checks a brand instead of the prototype chain.
  // Subclasses keep the ordinary prototype check.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === RerankKitError) {
      return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** Marks an error object as a rerank-kit error without changing its class. @internal */
export function brandError(error: Error): void {
  (error as unknown as Record<symbol, boolean>)[BRAND] = true;
}
