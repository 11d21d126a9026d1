import { InvalidInputError } from "./invalid-input-error.js";

/**
 * An input is longer than the model accepts and truncation was off. The message is vLLM's, so a
 * server can pass it through unchanged.
 */
export class ContextLengthError extends InvalidInputError {
  override name = "ContextLengthError";
  /** The model's limit in tokens. */
  readonly maxLength: number;
  /** Tokens the input needed. */
  readonly inputTokens: number;

  constructor(maxLength: number, inputTokens: number, options?: ErrorOptions & { field?: string }) {
    super(
      `This model's maximum context length is ${maxLength} tokens. However, you requested 0 output tokens ` +
        `and your prompt contains at least ${inputTokens} input tokens, for a total of at least ${inputTokens} ` +
        `tokens. Please reduce the length of the input prompt or the number of requested output tokens.`,
      options,
    );
    this.maxLength = maxLength;
    this.inputTokens = inputTokens;
  }
}
