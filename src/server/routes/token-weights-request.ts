import type { Context } from "hono";
import { checkCount, withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import type { PooledOutput } from "./embed-output.js";
import { rejectRemovedParameters, splitInput, truncationLimit, type CompletionInput } from "./prompts.js";
import type { TokenEmbedFields } from "./token-embed-request.js";

/**
 * Per-position lexical weights for `/pooling` task `token_classify` on bge-m3, as vLLM's
 * `BgeM3EmbeddingModel` answers it: one weight per token, the first and last special tokens left
 * out, so a client pairs them with `/tokenize`'s ids (without the first) and keeps the largest
 * weight per id. Text input only; `truncate_prompt_tokens` -1 (or max_model_len) truncates.
 * @throws {HttpError} 400 for chat or token-id input, or another truncation size.
 */
export async function tokenWeightsRequest(
  ctx: ServerContext,
  c: Context,
  body: TokenEmbedFields & Record<string, unknown>,
): Promise<{ outputs: PooledOutput[]; promptTokens: number }> {
  rejectRemovedParameters(body);
  const { tokenWeightEmbedder, tokenizer } = ctx.options;
  if (!tokenWeightEmbedder) throw badRequest("This model has no per-token weights.", "task");
  if (body.messages !== undefined) throw badRequest("Chat-style `messages` input is not supported for token_classify; send `input`.", "messages");
  const prompts = splitInput(body.input as CompletionInput);
  if (!("texts" in prompts)) throw badRequest("Token-id input is not supported for token_classify; send text.", "input");
  const max = tokenizer?.maxLength;
  const limit = max === undefined ? undefined : truncationLimit(body.truncate_prompt_tokens, max);
  if (limit !== undefined && limit !== max) {
    throw badRequest("truncate_prompt_tokens other than -1 (max_model_len) is not supported for token_classify.", "truncate_prompt_tokens");
  }
  const texts = prompts.texts;
  checkCount(ctx, texts.length, "input");
  const weights = await withAdmission(ctx, c, (signal) =>
    withSlot(ctx, () => tokenWeightEmbedder.embedTokenWeights(texts, { signal, truncate: limit !== undefined })),
  );
  return {
    outputs: weights.map((w) => ({ data: w.weights, shape: [w.weights.length] })),
    // The two special tokens the output leaves out were still processed.
    promptTokens: weights.reduce((n, w) => n + w.ids.length + 2, 0),
  };
}
