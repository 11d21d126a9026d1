import type { Context } from "hono";
import { checkCount, primaryModel, withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import type { OutputEncoding, PooledOutput } from "./embed-output.js";
import { checkDimensions, rejectRemovedParameters, splitInput, truncationLimit, type CompletionInput } from "./prompts.js";
import { renderRequest, type PromptFields } from "./render-request.js";
import { checkResponseSize, rememberWidth, tokenWidth } from "./response-budget.js";

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
 *
 * The answer's size is checked before the request's inference (tokens x width in `encoding`,
 * against `maxResponseBytes`); the tokens are counted first, and that count is the usage.
 * @throws {HttpError} 400 for vLLM's input errors, or what a text-only token embedder cannot do;
 *   413 for an answer over `maxResponseBytes`.
 */
export async function tokenEmbedRequest(
  ctx: ServerContext,
  c: Context,
  body: TokenEmbedFields & Record<string, unknown>,
  encoding: OutputEncoding,
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
        // Count what the tokenizer produces, as vLLM does (MaxSim matrices may skip tokens), before
        // the model runs: the count bounds the answer's rows for the size check.
        let counted: number | undefined;
        if (tokenizer) {
          const dim = await tokenWidth(ctx, () => tokenEmbedder.embedTokens(["a"], { ...options, signal }));
          counted = 0;
          for (const text of texts) {
            signal.throwIfAborted();
            counted += Math.min((await tokenizer.tokenize(text)).ids.length, tokenizer.maxLength);
            // Checked as the count grows: an oversized request is refused after the texts that
            // reach the limit, not after tokenizing all of them.
            checkResponseSize(ctx, counted * dim, encoding);
          }
        }
        const matrices = await tokenEmbedder.embedTokens(texts, { ...options, signal });
        rememberWidth(ctx, matrices[0]?.dim);
        // Without a tokenizer the rows are known only now; still before any text is formatted.
        checkResponseSize(ctx, matrices.reduce((n, m) => n + m.data.length, 0), encoding);
        const promptTokens = counted ?? matrices.reduce((n, m) => n + m.tokens, 0);
        return { outputs: matrices.map((m) => ({ data: m.data, shape: [m.tokens, m.dim] })), promptTokens };
      }),
    );
  }
  if (!tokenSequenceEmbedder) throw badRequest("This model has no per-token embeddings.", "task");
  const sequences = await renderRequest(ctx, body);
  const rows = sequences.reduce((n, s) => n + s.length, 0);
  const matrices = await withAdmission(ctx, c, (signal) =>
    withSlot(ctx, async () => {
      const run = (input: number[][]) => tokenSequenceEmbedder.embedTokenSequences(input, { signal, ...(normalize !== undefined && { normalize }) });
      // A few ids of the first prompt are enough to learn the row width.
      checkResponseSize(ctx, rows * (await tokenWidth(ctx, () => run([(sequences[0] as number[]).slice(0, 4)]))), encoding);
      const result = await run(sequences);
      rememberWidth(ctx, result[0]?.dim);
      return result;
    }),
  );
  return {
    outputs: matrices.map((m) => ({ data: m.data, shape: [m.tokens, m.dim] })),
    promptTokens: rows,
  };
}
