import { ContextLengthError } from "../errors/context-length-error.js";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import type { EncodedSequence } from "./runtime/run-batches.js";

/**
 * Checks token-id sequences a caller wants run exactly as given (the server renders and truncates
 * prompts itself, as vLLM does) and wraps them for the model: segment ids 0, full attention.
 * @throws {InvalidInputError} for a non-list, an empty sequence or a non-integer id, naming the index.
 * @throws {ContextLengthError} for a sequence longer than `maxLength`.
 */
export function asGivenSequences(sequences: unknown, maxLength: number): EncodedSequence[] {
  if (!Array.isArray(sequences)) throw new InvalidInputError("sequences must be an array of token-id lists", { field: "sequences" });
  return sequences.map((ids: unknown, i) => {
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
      throw new InvalidInputError(`sequences[${i}] must be a non-empty list of token ids`, { field: `sequences[${i}]` });
    }
    if (ids.length > maxLength) throw new ContextLengthError(maxLength, ids.length);
    return { ids: [...(ids as number[])], typeIds: ids.map(() => 0) };
  });
}
