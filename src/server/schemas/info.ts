import { z } from "@hono/zod-openapi";

/** `POST /tokenize` body: the completion form (`prompt`) or the chat form (`messages`). */
export const TokenizeRequestSchema = z
  .union([
    z.looseObject({
      model: z.string().nullish(),
      prompt: z.string(),
      add_special_tokens: z.boolean().optional(),
      return_token_strs: z.boolean().nullish(),
    }),
    z.looseObject({
      model: z.string().nullish(),
      messages: z.array(z.looseObject({ role: z.string() })),
      add_generation_prompt: z.boolean().optional(),
      continue_final_message: z.boolean().optional(),
      add_special_tokens: z.boolean().optional(),
      return_token_strs: z.boolean().nullish(),
      chat_template: z.string().nullish(),
      chat_template_kwargs: z.record(z.string(), z.unknown()).nullish(),
    }),
  ])
  .openapi("TokenizeRequest");

/** `POST /detokenize` body. */
export const DetokenizeRequestSchema = z
  .looseObject({ model: z.string().nullish(), tokens: z.array(z.number().int()) })
  .openapi("DetokenizeRequest");

/** `POST /detokenize` answer. */
export const DetokenizeResponseSchema = z.object({ prompt: z.string() }).openapi("DetokenizeResponse");

/** `POST /tokenize` answer. */
export const TokenizeResponseSchema = z
  .object({
    count: z.number().int(),
    max_model_len: z.number().int(),
    tokens: z.array(z.number().int()),
    token_strs: z.array(z.string()).nullable(),
  })
  .openapi("TokenizeResponse");

/** `GET /v1/models` answer. */
export const ModelListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        id: z.string(),
        object: z.literal("model"),
        created: z.number().int(),
        owned_by: z.string(),
        root: z.string(),
        parent: z.null(),
        max_model_len: z.number().int().nullable(),
        permission: z.array(z.object({ object: z.string() })),
      }),
    ),
  })
  .openapi("ModelList");

/** `GET /version` answer. */
export const VersionSchema = z.object({ version: z.string() }).openapi("Version");
