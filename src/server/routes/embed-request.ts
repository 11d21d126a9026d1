import type { Context } from "hono";
import { checkCount, primaryModel, withAdmission, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { renderChat, type ChatFields } from "./chat.js";
import type { PooledOutput } from "./embed-output.js";
import { checkDimensions, rejectRemovedParameters, renderSequences, splitInput, type CompletionInput, type RenderFields } from "./prompts.js";
import { checkTruncation } from "./scoring-options.js";
import { chatItem, embedMixed, imageTextEmbedder } from "./image-embed.js";

/** The fields of an embeddings-like request this module reads. */
export interface EmbedFields extends RenderFields, ChatFields {
  input?: CompletionInput;
  dimensions?: number | null | undefined;
  use_activation?: boolean | null | undefined;
}

/** Vectors of one embeddings-like request and the tokens they cost. */
export interface EmbedOutcome {
  outputs: PooledOutput[];
  promptTokens: number;
}

/**
 * Embeds the prompts of a `/v1/embeddings` or `/pooling` (task embed) request through the shared
 * request coalescer. With a sequence embedder, prompts are rendered to token ids here (token-id
 * input, any `truncate_prompt_tokens`, exact usage); otherwise text goes to the embedder as
 * given and only `truncate_prompt_tokens` -1 (or max_model_len) is possible.
 * @throws {HttpError} 400 for vLLM's input errors.
 */
export async function embedRequest(ctx: ServerContext, c: Context, body: EmbedFields & Record<string, unknown>): Promise<EmbedOutcome> {
  rejectRemovedParameters(body);
  const embed = ctx.embed;
  if (!embed) throw badRequest("This model has no embedder.");
  const chat = body.messages !== undefined;
  // CLIP / SigLIP: one conversation is one text or one image (vLLM's multimodal embeddings).
  if (chat && imageTextEmbedder(ctx)) return embedMixed(ctx, c, [chatItem(ctx, body)], body);
  const prompts = chat ? { texts: [renderChat(ctx, body, false)] } : splitInput(body.input as CompletionInput);
  // Chat prompts already carry the template's special tokens (vLLM's chat default).
  const renderBody = chat ? { ...body, add_special_tokens: body.add_special_tokens ?? false } : body;
  checkCount(ctx, "texts" in prompts ? prompts.texts.length : prompts.ids.length, "input");
  const dimensions = checkDimensions(ctx, body.dimensions, primaryModel(ctx));
  const options = {
    ...(dimensions !== undefined && { dimensions }),
    ...(body.use_activation !== null && body.use_activation !== undefined && { normalize: body.use_activation }),
  };
  const tokenizer = ctx.options.tokenizer;
  let result;
  const tokens = embed.tokens;
  if (tokenizer && tokens) {
    const sequences = await renderSequences(tokenizer, prompts, renderBody);
    result = await withAdmission(ctx, c, (signal) => ctx.coalescer.submit(tokens, sequences, options, signal));
  } else {
    if (chat) throw badRequest("Chat-style `messages` input needs an embedder that takes token ids (a local bi-encoder).", "messages");
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
    result = await withAdmission(ctx, c, (signal) => ctx.coalescer.submit(embed.texts, prompts.texts, { ...options, truncate }, signal));
  }
  return {
    outputs: result.embeddings.map((data) => ({ data, shape: [data.length] })),
    promptTokens: result.promptTokens,
  };
}
