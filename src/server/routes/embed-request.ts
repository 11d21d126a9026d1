import type { Context } from "hono";
import { checkCount, primaryModel, withAdmission, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { validationErrors } from "../http/validation.js";
import type { PooledOutput } from "./embed-output.js";
import { checkDimensions, rejectRemovedParameters, renderSequences, splitInput, type CompletionInput, type RenderFields } from "./prompts.js";
import { checkTruncation } from "./scoring-options.js";

/** The fields of an embeddings-like request this module reads. */
export interface EmbedFields extends RenderFields {
  input?: CompletionInput;
  messages?: unknown[];
  dimensions?: number | null | undefined;
  use_activation?: boolean | null | undefined;
  add_generation_prompt?: boolean | undefined;
  continue_final_message?: boolean | undefined;
}

/** Vectors of one embeddings-like request and the tokens they cost. */
export interface EmbedOutcome {
  outputs: PooledOutput[];
  promptTokens: number;
}

/**
 * Embeds the prompts of a `/v1/embeddings` or `/pooling` (task embed) request through the shared
 * embedding batcher. With a sequence embedder, prompts are rendered to token ids here (token-id
 * input, any `truncate_prompt_tokens`, exact usage); otherwise text goes to the embedder as
 * given and only `truncate_prompt_tokens` -1 (or max_model_len) is possible.
 * @throws {HttpError} 400 for vLLM's input errors.
 */
export async function embedRequest(ctx: ServerContext, c: Context, body: EmbedFields & Record<string, unknown>): Promise<EmbedOutcome> {
  rejectRemovedParameters(body);
  const batcher = ctx.embedBatcher;
  if (!batcher) throw badRequest("This model has no embedder.");
  if (body.messages !== undefined) {
    if (body.continue_final_message && body.add_generation_prompt) {
      // A model validator in vLLM, so it surfaces as a request-validation error.
      throw validationErrors([
        { type: "value_error", loc: ["body"], msg: "Value error, Cannot set both `continue_final_message` and `add_generation_prompt` to True.", input: body },
      ]);
    }
    throw badRequest("Chat-style `messages` input needs a chat template, and this server has none; send `input`.", "messages");
  }
  const prompts = splitInput(body.input as CompletionInput);
  checkCount(ctx, "texts" in prompts ? prompts.texts.length : prompts.ids.length, "input");
  const dimensions = checkDimensions(ctx, body.dimensions, primaryModel(ctx));
  const options = {
    ...(dimensions !== undefined && { dimensions }),
    ...(body.use_activation !== null && body.use_activation !== undefined && { normalize: body.use_activation }),
  };
  const tokenizer = ctx.options.tokenizer;
  let result;
  if (tokenizer && batcher.acceptsSequences) {
    const sequences = await renderSequences(tokenizer, prompts, body);
    result = await withAdmission(ctx, c, (signal) => batcher.embedSequences(sequences, options, signal));
  } else {
    if (!("texts" in prompts)) {
      throw badRequest("Token-id input needs an embedder that takes token ids (a local bi-encoder); this one takes text.", "input");
    }
    const tpt = body.truncate_prompt_tokens;
    const max = tokenizer?.maxLength;
    checkTruncation(tpt, max);
    if (tpt !== null && tpt !== undefined && tpt !== -1 && tpt !== max) {
      throw badRequest("truncate_prompt_tokens other than -1 (max_model_len) needs an embedder that takes token ids.", "truncate_prompt_tokens");
    }
    const truncate = tpt !== null && tpt !== undefined;
    result = await withAdmission(ctx, c, (signal) => batcher.embedTexts(prompts.texts, { ...options, truncate }, signal));
  }
  return {
    outputs: result.embeddings.map((data) => ({ data, shape: [data.length] })),
    promptTokens: result.promptTokens,
  };
}
