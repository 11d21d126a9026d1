import type { Context } from "hono";
import { withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import type { Classification } from "../../types.js";
import { renderRequest, type PromptFields } from "./render-request.js";

/** Classifications of one request and the tokens they cost. */
export interface ClassifyOutcome {
  classifications: Classification[];
  promptTokens: number;
}

/**
 * Classifies the prompts of a `/classify` or `/pooling` (task classify) request: rendered to
 * token ids here (text, token ids, chat messages, `truncate_prompt_tokens`), then run as given.
 * @throws {HttpError} 400 for vLLM's input errors, or when the server has no classifier.
 */
export async function classifyRequest(
  ctx: ServerContext,
  c: Context,
  body: PromptFields & { use_activation?: boolean | null | undefined } & Record<string, unknown>,
): Promise<ClassifyOutcome> {
  const classifier = ctx.options.classifier;
  if (!classifier) throw badRequest("This model has no classifier.");
  const sequences = await renderRequest(ctx, body);
  const activation = body.use_activation ?? undefined;
  const result = await withAdmission(ctx, c, (signal) =>
    withSlot(ctx, () => classifier.classifySequences(sequences, { signal, ...(activation !== undefined && { activation }) })),
  );
  return { classifications: result.classifications, promptTokens: result.usage.promptTokens };
}
