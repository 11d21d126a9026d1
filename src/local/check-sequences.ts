import { ContextLengthError } from "../errors/context-length-error.js";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import type { ModelFiles } from "./files/model-files.js";
import type { EncodedSequence } from "./runtime/run-batches.js";

const limits = new WeakMap<ModelFiles, number>();

/**
 * The largest token id a model accepts, as vLLM's input processor bounds it: the larger of the
 * tokenizer's largest id (vocabulary and added tokens) and the model's `vocab_size - 1` (some
 * models have embedding rows the tokenizer never emits, some tokenizers have ids past the rows).
 * Computed once per model folder.
 */
export function maxTokenId(files: ModelFiles): number {
  let limit = limits.get(files);
  if (limit !== undefined) return limit;
  limit = Math.max(tokenizerMaxId(files.tokenizerJson), configMaxId(files.config));
  limits.set(files, limit);
  return limit;
}

function configMaxId(config: unknown): number {
  const size = (config as Record<string, unknown> | null)?.["vocab_size"];
  return typeof size === "number" && Number.isInteger(size) && size > 0 ? size - 1 : -1;
}

function tokenizerMaxId(tokenizerJson: unknown): number {
  const json = tokenizerJson as { model?: { vocab?: unknown }; added_tokens?: unknown } | null;
  let max = -1;
  const vocab = json?.model?.vocab;
  if (Array.isArray(vocab)) max = vocab.length - 1; // Unigram: the index is the id
  else if (vocab && typeof vocab === "object") {
    for (const id of Object.values(vocab)) if (typeof id === "number" && id > max) max = id;
  }
  if (Array.isArray(json?.added_tokens)) {
    for (const t of json.added_tokens as Array<{ id?: unknown } | null>) {
      const id = t?.id;
      if (typeof id === "number" && id > max) max = id;
    }
  }
  return max;
}

/**
 * Checks token-id sequences a caller wants run exactly as given (the server renders and truncates
 * prompts itself, as vLLM does) and wraps them for the model: segment ids 0, full attention.
 * An id past the vocabulary is refused with vLLM's message: fed to the graph, an id of 2^32 or more
 * would be written by its low 32 bits (embedding another token without a word), and one just past
 * the vocabulary fails inside ONNX Runtime's Gather.
 * @param maxId the largest id the model accepts ({@link maxTokenId}); no bound when omitted.
 * @throws {InvalidInputError} for a non-list, an empty sequence, a non-integer id, naming the
 *   index, or an id past the vocabulary ("Token id N is out of vocabulary").
 * @throws {ContextLengthError} for a sequence longer than `maxLength`.
 */
export function asGivenSequences(sequences: unknown, maxLength: number, maxId = Number.MAX_SAFE_INTEGER): EncodedSequence[] {
  if (!Array.isArray(sequences)) throw new InvalidInputError("sequences must be an array of token-id lists", { field: "sequences" });
  return sequences.map((ids: unknown, i) => {
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id >= 0)) {
      throw new InvalidInputError(`sequences[${i}] must be a non-empty list of token ids`, { field: `sequences[${i}]` });
    }
    if (ids.length > maxLength) throw new ContextLengthError(maxLength, ids.length);
    const largest = (ids as number[]).reduce((a, b) => (b > a ? b : a), 0);
    if (largest > maxId) throw new InvalidInputError(`Token id ${largest} is out of vocabulary`, { field: `sequences[${i}]` });
    return { ids: [...(ids as number[])], typeIds: ids.map(() => 0) };
  });
}
