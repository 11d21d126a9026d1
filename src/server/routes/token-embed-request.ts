import type { Context } from "hono";
import { checkCount, primaryModel, withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import type { PooledOutput } from "./embed-output.js";
import { checkDimensions, rejectRemovedParameters, splitInput, truncationLimit, type CompletionInput } from "./prompts.js";
import { renderRequest, type PromptFields } from "./render-request.js";

/** The fields of a `/pooling` token_embed request this module reads. */
export interface TokenEmbedFields extends PromptFields {
  dimensions?: number | null | undefined;
  use_activation?: boolean | null | undefined;
}

/**
 * Per-token vectors for `/pooling` task `token_embed`, rows L2-normalized unless
 * `use_activation` is false (vLLM's token-embedding head). With a model that embeds token ids
 * (local bi-encoders and ColBERT models), prompts are rendered here: token-id input, chat
 * messages and any `truncate_prompt_tokens` work and usage counts what the model saw. Plain text
 * with no truncation size goes to the token embedder's own text path, which applies its ColBERT
 * convention (markers, expansion and skiplist with `--colbert-convention model`).
 * @throws {HttpError} 400 for vLLM's input errors, or what a text-only token embedder cannot do.
 */
export async function tokenEmbedRequest(
  ctx: ServerContext,
  c: Context,
  body: TokenEmbedFields & Record<string, unknown>,
): Promise<{ outputs: PooledOutput[]; promptTokens: number }> {
  rejectRemovedParameters(body);
  checkDimensions(ctx, body.dimensions, primaryModel(ctx));
  const { tokenEmbedder, tokenSequenceEmbedder, tokenizer } = ctx.options;
  const normalize = body.use_activation ?? undefined;
  const max = tokenizer?.maxLength;
  const limit = max === undefined ? undefined : truncationLimit(body.truncate_prompt_tokens, max);
  const plainText = body.messages === undefined && typeof body.input === "string"
    ? true
    : body.messages === undefined && Array.isArray(body.input) && body.input.every((x) => typeof x === "string");
  if (tokenEmbedder && (!tokenSequenceEmbedder || !tokenizer || (plainText && (limit === undefined || limit === max)))) {
    if (body.messages !== undefined) throw badRequest("Chat-style `messages` input needs a model that embeds token ids; send `input`.", "messages");
    const prompts = splitInput(body.input as CompletionInput);
    if (!("texts" in prompts)) throw badRequest("Token-id input needs a model that embeds token ids; this one takes text.", "input");
    if (limit !== undefined && limit !== max) {
      throw badRequest("truncate_prompt_tokens other than -1 (max_model_len) needs a model that embeds token ids.", "truncate_prompt_tokens");
    }
    const texts = prompts.texts;
    checkCount(ctx, texts.length, "input");
    const options = { truncate: limit !== undefined, ...(normalize !== undefined && { normalize }) };
    return withAdmission(ctx, c, (signal) =>
      withSlot(ctx, async () => {
        const matrices = await tokenEmbedder.embedTokens(texts, { ...options, signal });
        let promptTokens = 0;
        for (const [i, m] of matrices.entries()) {
          // Count what the tokenizer produced, as vLLM does; MaxSim matrices may skip tokens.
          promptTokens += tokenizer ? Math.min((await tokenizer.tokenize(texts[i] as string)).ids.length, tokenizer.maxLength) : m.tokens;
        }
        return { outputs: matrices.map((m) => ({ data: m.data, shape: [m.tokens, m.dim] })), promptTokens };
      }),
    );
  }
  if (!tokenSequenceEmbedder) throw badRequest("This model has no per-token embeddings.", "task");
  const sequences = await renderRequest(ctx, body);
  const matrices = await withAdmission(ctx, c, (signal) =>
    withSlot(ctx, () => tokenSequenceEmbedder.embedTokenSequences(sequences, { signal, ...(normalize !== undefined && { normalize }) })),
  );
  return {
    outputs: matrices.map((m) => ({ data: m.data, shape: [m.tokens, m.dim] })),
    promptTokens: sequences.reduce((n, s) => n + s.length, 0),
  };
}
