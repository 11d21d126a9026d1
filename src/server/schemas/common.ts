import { z } from "@hono/zod-openapi";

/** One multimodal content part (OpenAI chat part); passed through to scorers that accept it. */
export const ContentPartSchema = z.looseObject({ type: z.string() }).openapi("ContentPart");

/** A query or document: text, or `{content: [parts]}` (one multimodal item). */
export const ScoreInputSchema = z
  .union([z.string(), z.looseObject({ content: z.array(ContentPartSchema) })])
  .openapi("ScoreInput");

/** Fields shared by every pooling request (vLLM `pooling/base/protocol.py`). Unknown fields are ignored. */
export const poolingFields = {
  model: z.string().nullish().openapi({ description: "Served model name; omitted = the served model." }),
  user: z.string().nullish(),
  truncate_prompt_tokens: z
    .number()
    .int()
    .min(-1)
    .nullish()
    .openapi({ description: "Keep N tokens of each prompt; -1 = max_model_len. Unset: too-long input is a 400." }),
  truncation_side: z.enum(["left", "right"]).nullish(),
  priority: z.number().int().optional().openapi({ description: "Accepted for compatibility; ignored." }),
  request_id: z.string().optional(),
  padding: z.enum(["max_length", "do_not_pad"]).nullish().openapi({ description: "Accepted for compatibility; ignored." }),
  mm_processor_kwargs: z.record(z.string(), z.unknown()).nullish().openapi({ description: "Accepted; text models ignore it." }),
  cache_salt: z.string().min(1).max(1024).nullish().openapi({ description: "Accepted; there is no prefix cache." }),
};

/** Fields shared by `/score` and `/rerank` (vLLM `pooling/scoring/protocol.py`). */
export const scoringFields = {
  ...poolingFields,
  max_tokens_per_query: z.number().int().optional().openapi({ description: "0 = off." }),
  max_tokens_per_doc: z.number().int().optional().openapi({ description: "0 = off." }),
  use_activation: z.boolean().nullish(),
  instruction: z.string().nullish(),
  chat_template_kwargs: z
    .record(z.string(), z.unknown())
    .nullish()
    .openapi({ description: "Variables for the model's score template (e.g. instruct), as vLLM's chat_template_kwargs." }),
};

/** vLLM's `UsageInfo` dump. */
export const UsageSchema = z
  .object({
    prompt_tokens: z.number().int(),
    total_tokens: z.number().int(),
    completion_tokens: z.number().int().optional(),
    prompt_tokens_details: z.null().optional(),
  })
  .openapi("Usage");

/** vLLM's nested error envelope. */
export const ErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.number().int(),
    }),
  })
  .openapi("ErrorResponse");

/** The error answers every POST route can give. */
export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorSchema } } },
  404: { description: "Unknown model", content: { "application/json": { schema: ErrorSchema } } },
  503: { description: "Server busy (see Retry-After)", content: { "application/json": { schema: ErrorSchema } } },
} as const;

/** A JSON request body config for `createRoute`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true } as const;
}

/**
 * vLLM's list envelope (`id`, `object: "list"`, `created`, `model`, `data`, `usage`) around one
 * kind of item; score, embeddings and pooling answers share it.
 */
export function listResponseSchema<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    id: z.string(),
    object: z.literal("list"),
    created: z.number().int(),
    model: z.string(),
    data: z.array(item),
    usage: UsageSchema,
  });
}
