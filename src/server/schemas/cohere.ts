import { z } from "@hono/zod-openapi";

/** Cohere embedding types `/v2/embed` can return. */
export const COHERE_EMBEDDING_TYPES = ["float", "int8", "uint8", "binary", "ubinary", "base64"] as const;

/** `POST /v2/embed` body (Cohere embed v2, as vLLM's `CohereEmbedRequest`). */
export const CohereEmbedRequestSchema = z
  .looseObject({
    model: z.string(),
    input_type: z.string().nullish(),
    texts: z.array(z.string()).nullish(),
    images: z.array(z.string()).nullish(),
    inputs: z
      .array(
        z.looseObject({
          content: z.array(
            z.looseObject({
              type: z.enum(["text", "image_url"]),
              text: z.string().nullish(),
              image_url: z.record(z.string(), z.string()).nullish(),
            }),
          ),
        }),
      )
      .nullish(),
    output_dimension: z.number().int().nullish(),
    embedding_types: z.array(z.enum(COHERE_EMBEDDING_TYPES)).nullish(),
    truncate: z.enum(["NONE", "START", "END"]).optional(),
    max_tokens: z.number().int().nullish(),
    priority: z.number().int().optional(),
  })
  .openapi("CohereEmbedRequest");

/** Parsed `/v2/embed` body. */
export type CohereEmbedRequest = z.infer<typeof CohereEmbedRequestSchema>;

/** `POST /v2/embed` answer; only the requested embedding types are present. */
export const CohereEmbedResponseSchema = z
  .object({
    id: z.string(),
    embeddings: z.object({
      float: z.array(z.array(z.number())).optional(),
      int8: z.array(z.array(z.number().int())).optional(),
      uint8: z.array(z.array(z.number().int())).optional(),
      binary: z.array(z.array(z.number().int())).optional(),
      ubinary: z.array(z.array(z.number().int())).optional(),
      base64: z.array(z.string()).optional(),
    }),
    texts: z.array(z.string()).optional(),
    meta: z.object({
      api_version: z.object({ version: z.string() }),
      billed_units: z.object({ input_tokens: z.number().int(), image_tokens: z.number().int().optional(), images: z.number().int().optional() }),
      tokens: z.object({ input_tokens: z.number().int() }),
    }),
    response_type: z.literal("embeddings_by_type"),
  })
  .openapi("CohereEmbedResponse");
