import { ContextLengthError } from "../../errors/context-length-error.js";
import type { ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import type { Tokenizer } from "../../contracts/tokenizer.js";
import { TRUNCATION_TOO_LARGE } from "./scoring-options.js";

/** The completion-form input of `/v1/embeddings` and `/pooling`. */
export type CompletionInput = string | string[] | number[] | number[][];

/** What a request's prompts became: token-id sequences (vLLM's engine inputs) or plain texts. */
export type RenderedPrompts = { kind: "tokens"; sequences: number[][] } | { kind: "texts"; texts: string[] };

/** The request fields that shape rendering. */
export interface RenderFields {
  truncate_prompt_tokens?: number | null | undefined;
  truncation_side?: "left" | "right" | null | undefined;
  add_special_tokens?: boolean | null | undefined;
}

/** Splits `input` into its prompts: texts, or token-id lists. @throws {HttpError} 400 for `[]`. */
export function splitInput(input: CompletionInput): { texts: string[] } | { ids: number[][] } {
  if (typeof input === "string") return { texts: [input] };
  if (input.length === 0) throw badRequest("You must pass at least one prompt", "input");
  if (input.every((x): x is string => typeof x === "string")) return { texts: input };
  if (input.every((x): x is number => typeof x === "number")) return { ids: [input] };
  return { ids: input as number[][] };
}

/**
 * Renders prompts to token ids with the model's tokenizer, as vLLM's renderer does: text gets the
 * special tokens unless `add_special_tokens` is false, token ids are used as given;
 * `truncate_prompt_tokens` keeps N tokens (-1 = max_model_len, 0 = none) from the side
 * `truncation_side` names (default right, i.e. the first N); without it, a prompt over the limit
 * is a 400.
 * @throws {HttpError} 400 for a truncation size over the limit, an empty token list, or a prompt
 *   left empty ("The decoder prompt cannot be empty", as vLLM).
 * @throws {ContextLengthError} for a prompt over the limit without truncation.
 */
export async function renderSequences(
  tokenizer: Tokenizer,
  prompts: { texts: string[] } | { ids: number[][] },
  body: RenderFields,
): Promise<number[][]> {
  const max = tokenizer.maxLength;
  const limit = truncationLimit(body.truncate_prompt_tokens, max);
  const addSpecialTokens = body.add_special_tokens ?? true;
  const sequences =
    "texts" in prompts
      ? await Promise.all(prompts.texts.map(async (t) => (await tokenizer.tokenize(t, { addSpecialTokens })).ids))
      : prompts.ids.map((ids, i) => {
          if (ids.length === 0) throw badRequest(`input[${i}] must not be an empty list of token ids`, "input");
          return ids;
        });
  return sequences.map((ids) => {
    let kept = ids;
    if (limit === undefined) {
      if (ids.length > max) throw new ContextLengthError(max, ids.length);
    } else if (ids.length > limit) {
      kept = body.truncation_side === "left" ? ids.slice(ids.length - limit) : ids.slice(0, limit);
    }
    // truncate_prompt_tokens: 0 keeps nothing (vLLM's newest renderer), and an empty prompt is
    // refused by vLLM's engine with this message; so is "" without special tokens.
    if (kept.length === 0) throw badRequest(EMPTY_PROMPT, "input");
    return kept;
  });
}

/** vLLM's engine message for a prompt with no tokens. */
export const EMPTY_PROMPT = "The decoder prompt cannot be empty";

/**
 * The token budget `truncate_prompt_tokens` asks for: undefined when unset, max_model_len for -1.
 * @throws {HttpError} 400 with vLLM's message when it exceeds max_model_len.
 */
export function truncationLimit(value: number | null | undefined, max: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value > max) throw badRequest(TRUNCATION_TOO_LARGE);
  return value === -1 ? max : value;
}

/** vLLM's removed pooling parameters: `normalize`, even `null`, is a 400 naming its replacement. */
export function rejectRemovedParameters(body: Record<string, unknown>): void {
  if (Object.hasOwn(body, "normalize")) {
    throw badRequest("Parameter `normalize` was removed; use `use_activation` instead.", "normalize");
  }
}

/**
 * Checks `dimensions` as vLLM's `PoolingParams` does: only Matryoshka models accept it, only
 * the declared sizes when the model lists them, and never below 1.
 * @throws {HttpError} 400 with vLLM's message.
 */
export function checkDimensions(ctx: ServerContext, dimensions: number | null | undefined, served: string): number | undefined {
  if (dimensions === null || dimensions === undefined) return undefined;
  const m = ctx.options.matryoshka;
  if (!m) {
    throw badRequest(
      `Model '${served}' does not support Matryoshka embeddings; dimensions must be unset (received dimensions=${dimensions}).`,
      "dimensions",
    );
  }
  if (m.dimensions && !m.dimensions.includes(dimensions)) {
    throw badRequest(`Model '${served}' only supports Matryoshka dimensions [${m.dimensions.join(", ")}], got ${dimensions}.`, "dimensions");
  }
  if (dimensions < 1) throw badRequest(`Model '${served}' only supports dimensions of at least 1, got ${dimensions}.`, "dimensions");
  return dimensions;
}
