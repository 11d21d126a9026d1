import { InvalidInputError } from "./invalid-input-error.js";

/**
 * An option is misspelled, unknown, not honoured by this scorer family, or has a value outside
 * its range (a negative count, `NaN`, `1.5` for an integer, a string outside an enum). Thrown
 * before any work starts, so a wrong option never silently changes scores. An
 * {@link InvalidInputError} (and so a `TypeError`) whose `field` is the option name.
 */
export class InvalidOptionError extends InvalidInputError {
  override name = "InvalidOptionError";
  /** The option at fault, e.g. `top_n` or `maxTokensPerDoc`. */
  readonly option: string;
  /** What the option accepts (`"an integer >= 0"`, `"sigmoid | identity"`), or the accepted option names. */
  readonly allowed: string;
  /** Accepted option names close to a misspelled one (`["topN"]` for `top_n`); empty otherwise. */
  readonly suggestions: readonly string[];

  constructor(message: string, details: { option: string; allowed: string; suggestions?: readonly string[] }) {
    super(message, { field: details.option });
    this.option = details.option;
    this.allowed = details.allowed;
    this.suggestions = details.suggestions ?? [];
  }
}
