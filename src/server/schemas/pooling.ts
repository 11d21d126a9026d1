import { z } from "@hono/zod-openapi";
import { listResponseSchema, poolingFields } from "./common.js";

const textInput = z.union([
  z.string(),
  z.array(z.string()),
  z.array(z.number().int()),
  z.array(z.array(z.number().int())),
]);

const embedFields = {
  ...poolingFields,
  input: textInput,
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().nullish(),
  use_activation: z.boolean().nullish(),
};

/** `POST /v1/embeddings` body (OpenAI embeddings, vLLM extras). */
export const EmbeddingRequestSchema = z.looseObject(embedFields).openapi("EmbeddingRequest");

/** Parsed `/v1/embeddings` body. */
export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;

/** `POST /v1/embeddings` answer. */
export const EmbeddingResponseSchema = listResponseSchema(
  z.object({
    index: z.number().int(),
    object: z.literal("embedding"),
    embedding: z.union([z.array(z.number()), z.string()]),
  }),
).openapi("EmbeddingResponse");

/** `POST /pooling` body. */
export const PoolingRequestSchema = z
  .looseObject({ ...embedFields, task: z.string().nullish() })
  .openapi("PoolingRequest");

/** Parsed `/pooling` body. */
export type PoolingRequest = z.infer<typeof PoolingRequestSchema>;

/** `POST /pooling` answer: `data` is a vector (`embed`) or a `[tokens][dim]` matrix (`token_embed`). */
export const PoolingResponseSchema = listResponseSchema(
  z.object({
    index: z.number().int(),
    object: z.literal("pooling"),
    data: z.union([z.array(z.number()), z.array(z.array(z.number())), z.string()]),
  }),
).openapi("PoolingResponse");
