import { z } from "@hono/zod-openapi";
import { listResponseSchema, poolingFields } from "./common.js";
import { chatInputFields } from "./pooling.js";

const classifyFields = {
  ...poolingFields,
  use_activation: z.boolean().nullish().openapi({ description: "false returns raw logits in probs. Default true." }),
};

/**
 * `POST /classify` body (vLLM `ClassificationRequest`): the completion form (`input`: text, texts,
 * token ids or lists of token ids) or the chat form (`messages`).
 */
export const ClassificationRequestSchema = z
  .union([
    z.looseObject({
      ...classifyFields,
      input: z.union([z.string(), z.array(z.string()), z.array(z.number().int()), z.array(z.array(z.number().int()))]),
      add_special_tokens: z.boolean().optional().openapi({ description: "Default true for text input." }),
    }),
    z.looseObject({ ...classifyFields, ...chatInputFields }),
  ])
  .openapi("ClassificationRequest");

/** Parsed `/classify` body. */
export type ClassificationRequest = z.infer<typeof ClassificationRequestSchema>;

/** `POST /classify` answer (vLLM `ClassificationResponse`). */
export const ClassificationResponseSchema = listResponseSchema(
  z.object({
    index: z.number().int(),
    label: z.string().nullable().openapi({ description: "id2label of the most likely class (null when unnamed)." }),
    probs: z.array(z.number()),
    num_classes: z.number().int(),
  }),
).openapi("ClassificationResponse");
