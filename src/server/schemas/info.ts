import { z } from "@hono/zod-openapi";

/** `POST /tokenize` body (completion form). */
export const TokenizeRequestSchema = z
  .looseObject({
    model: z.string().nullish(),
    prompt: z.string(),
    add_special_tokens: z.boolean().optional(),
    return_token_strs: z.boolean().optional(),
  })
  .openapi("TokenizeRequest");

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
