import { z } from "@hono/zod-openapi";
import { EMBED_DTYPES, ENDIANNESS } from "../runtime/tensor-bytes.js";
import { listResponseSchema, poolingFields } from "./common.js";

const textInput = z.union([
  z.string(),
  z.array(z.string()),
  z.array(z.number().int()),
  z.array(z.array(z.number().int())),
]);

/** One chat message, as OpenAI's chat API sends it (text content only on this server). */
export const ChatMessageSchema = z
  .looseObject({
    role: z.string(),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
  })
  .openapi("ChatMessage");

const outputFields = {
  encoding_format: z.enum(["float", "base64", "bytes", "bytes_only"]).optional(),
  embed_dtype: z.enum(EMBED_DTYPES).optional().openapi({ description: "Dtype of base64 / bytes output." }),
  endianness: z.enum(ENDIANNESS).optional().openapi({ description: "Byte order of base64 / bytes output." }),
  dimensions: z.number().int().nullish(),
  use_activation: z.boolean().nullish(),
};

const completionFields = {
  ...poolingFields,
  ...outputFields,
  input: textInput,
  add_special_tokens: z.boolean().optional().openapi({ description: "Default true for text input." }),
};

/** The chat form's own fields (vLLM `ChatRequestMixin`), shared by `/v1/embeddings`, `/pooling` and `/classify`. */
export const chatInputFields = {
  messages: z.array(ChatMessageSchema),
  add_generation_prompt: z.boolean().optional(),
  continue_final_message: z.boolean().optional(),
  add_special_tokens: z.boolean().optional().openapi({ description: "Default false for chat input." }),
  chat_template: z.string().nullish(),
  chat_template_kwargs: z.record(z.string(), z.unknown()).nullish(),
};

const chatFields = { ...poolingFields, ...outputFields, ...chatInputFields };

/** `POST /v1/embeddings` body: the completion form (`input`) or the chat form (`messages`). */
export const EmbeddingRequestSchema = z
  .union([z.looseObject(completionFields), z.looseObject(chatFields)])
  .openapi("EmbeddingRequest");

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

const task = z.string().nullish();

/** `POST /pooling` body. */
export const PoolingRequestSchema = z
  .union([z.looseObject({ ...completionFields, task }), z.looseObject({ ...chatFields, task })])
  .openapi("PoolingRequest");

/** Parsed `/pooling` body. */
export type PoolingRequest = z.infer<typeof PoolingRequestSchema>;

/** `POST /pooling` answer: `data` is a vector (`embed`, `classify`) or a `[tokens][dim]` matrix (`token_embed`). */
export const PoolingResponseSchema = listResponseSchema(
  z.object({
    index: z.number().int(),
    object: z.literal("pooling"),
    data: z.union([z.array(z.number()), z.array(z.array(z.number())), z.string()]),
  }),
).openapi("PoolingResponse");
