import { ContextLengthError } from "../../errors/context-length-error.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { longestFirst, truncateIds } from "../../scoring/truncation.js";
import type { ScoreOptions } from "../../types.js";
import type { EncodedSequence } from "../runtime/run-batches.js";
import type { TextTokenizer } from "./text-tokenizer.js";

/** The truncation options of one scoring call that shape pair encoding. */
export type PairTruncation = Pick<
  ScoreOptions,
  "truncate" | "maxTokensPerDoc" | "maxTokensPerQuery" | "truncatePromptTokens" | "truncationSide" | "truncationStrategy"
>;

/**
 * Encodes a (query, document) pair as the Python references do: per-text token caps first
 * (vLLM `max_tokens_per_query` / `max_tokens_per_doc`), then Rust `LongestFirst` truncation of the
 * two texts to the model limit minus the special tokens, then the special tokens and segment ids.
 * `truncatePromptTokens` (vLLM `truncate_prompt_tokens`) then cuts the whole prompt.
 *
 * @throws {ContextLengthError} when the pair is too long and `truncate` is false.
 */
export function encodePair(
  tokenizer: TextTokenizer,
  queryIds: readonly number[],
  docIds: readonly number[],
  maxLength: number,
  options: PairTruncation = {},
): EncodedSequence {
  let q = options.maxTokensPerQuery ? truncateIds(queryIds, options.maxTokensPerQuery) : [...queryIds];
  let d = options.maxTokensPerDoc ? truncateIds(docIds, options.maxTokensPerDoc) : [...docIds];
  const specials = tokenizer.pairSpecials;
  const limit = resolvePromptLimit(maxLength, options);
  const total = q.length + d.length + specials;
  if (total > maxLength && options.truncate === false && options.truncatePromptTokens === undefined) {
    throw new ContextLengthError(maxLength, total);
  }
  if (total > limit) {
    if (options.truncationSide === "left") {
      // vLLM keeps the last N tokens of the rendered prompt; special tokens at the start go first.
      const encoded = tokenizer.pair(q, d);
      return { ids: encoded.ids.slice(-limit), typeIds: encoded.typeIds.slice(-limit) };
    }
    if (options.truncationStrategy === "only_second") {
      const keep = limit - specials - q.length;
      if (keep < 0) {
        throw new InvalidInputError(
          `The query alone (${q.length} tokens) exceeds the ${limit}-token limit; only_second truncation cannot fit it`,
          { field: "queries" },
        );
      }
      d = truncateIds(d, keep);
    } else {
      [q, d] = fitPair(q, d, limit - specials);
    }
  }
  return tokenizer.pair(q, d);
}

function fitPair(q: number[], d: number[], budget: number): [number[], number[]] {
  const [keepQ, keepD] = longestFirst(q.length, d.length, budget);
  return [truncateIds(q, keepQ), truncateIds(d, keepD)];
}

/**
 * The token limit for one prompt: the model's `maxLength`, or `truncatePromptTokens` (`-1` = the
 * model limit).
 * @throws {InvalidInputError} with vLLM's messages for values out of range.
 */
export function resolvePromptLimit(maxLength: number, options: Pick<ScoreOptions, "truncatePromptTokens">): number {
  const t = options.truncatePromptTokens;
  if (t === undefined || t === -1) return maxLength;
  if (!Number.isInteger(t) || t < -1) {
    throw new InvalidInputError(`truncatePromptTokens must be an integer >= -1, got ${String(t)}`, {
      field: "truncatePromptTokens",
    });
  }
  if (t > maxLength) {
    throw new InvalidInputError(
      "truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.",
      { field: "truncatePromptTokens" },
    );
  }
  return t;
}

/**
 * The token ids of one text as {@link encodePair} / {@link encodeSingle} will use them with these
 * options and `maxLength`. When truncation keeps the head of the text (truncation on, right side,
 * both texts cut by LongestFirst), no text contributes more than `maxLength` tokens, so only a
 * head of a long text is tokenized (see `TextTokenizer.encodeHead`): the kept tokens are the
 * same, and a 1M-word document costs milliseconds. Otherwise (`truncate: false`, whose error
 * reports the full count; left truncation; `only_second`) the whole text is tokenized.
 */
export function encodeText(tokenizer: TextTokenizer, text: string, maxLength: number, options: PairTruncation = {}): number[] {
  const whole =
    options.truncationSide === "left" ||
    options.truncationStrategy === "only_second" ||
    (options.truncate === false && options.truncatePromptTokens === undefined);
  return whole ? tokenizer.encode(text) : tokenizer.encodeHead(text, maxLength);
}

/**
 * Encodes one text with its special tokens, truncated to `limit` (keeping the special tokens).
 * @throws {ContextLengthError} when too long and `truncate` is false.
 */
export function encodeSingle(
  tokenizer: TextTokenizer,
  ids: readonly number[],
  maxLength: number,
  options: PairTruncation = {},
): EncodedSequence {
  const specials = tokenizer.singleSpecials;
  const total = ids.length + specials;
  if (total > maxLength && options.truncate === false && options.truncatePromptTokens === undefined) {
    throw new ContextLengthError(maxLength, total);
  }
  const limit = resolvePromptLimit(maxLength, options);
  if (total <= limit) return tokenizer.single(ids);
  if (options.truncationSide === "left") {
    const encoded = tokenizer.single(ids);
    return { ids: encoded.ids.slice(-limit), typeIds: encoded.typeIds.slice(-limit) };
  }
  return tokenizer.single(truncateIds(ids, limit - specials));
}
