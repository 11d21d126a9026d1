import { checkCount, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { renderChat, type ChatFields } from "./chat.js";
import { rejectRemovedParameters, renderSequences, splitInput, type CompletionInput, type RenderFields } from "./prompts.js";

/** The fields of a completion- or chat-form pooling request that decide its prompts. */
export interface PromptFields extends RenderFields, ChatFields {
  input?: CompletionInput;
}

/**
 * Renders the prompts of a completion-form (`input`: text, texts, token ids) or chat-form
 * (`messages`) request to token ids, as vLLM's renderer does, so the model runs exactly what
 * usage counts. Chat prompts take no extra special tokens unless `add_special_tokens` asks.
 * @throws {HttpError} 400 for vLLM's input errors (no prompt, empty prompt, too many inputs,
 *   a truncation size over the limit, a removed parameter) or a server without a tokenizer.
 */
export async function renderRequest(ctx: ServerContext, body: PromptFields & Record<string, unknown>): Promise<number[][]> {
  rejectRemovedParameters(body);
  const tokenizer = ctx.options.tokenizer;
  if (!tokenizer) throw badRequest("This server has no tokenizer, so it cannot render prompts.");
  const chat = body.messages !== undefined;
  const prompts = chat ? { texts: [renderChat(ctx, body, false)] } : splitInput(body.input as CompletionInput);
  checkCount(ctx, "texts" in prompts ? prompts.texts.length : prompts.ids.length, "input");
  return renderSequences(tokenizer, prompts, chat ? { ...body, add_special_tokens: body.add_special_tokens ?? false } : body);
}
