import { z } from "@hono/zod-openapi";

/** `POST /embed_sparse` body (Hugging Face TEI's `EmbedSparseRequest`, text inputs). */
export const EmbedSparseRequestSchema = z
  .looseObject({
    inputs: z.union([z.string(), z.array(z.string())]),
    truncate: z.boolean().nullish().openapi({ description: "Truncate inputs longer than the model's limit; without it a too-long input is a 400." }),
    truncation_direction: z.enum(["right", "left", "Right", "Left"]).nullish().openapi({ description: "Only right truncation is supported." }),
    prompt_name: z.string().nullish().openapi({ description: "Not supported: texts are embedded as given." }),
  })
  .openapi("EmbedSparseRequest");

/** One non-zero entry of a sparse vector, as TEI answers it. */
const SparseValueSchema = z.object({ index: z.number().int(), value: z.number() }).openapi("SparseValue");

/** `POST /embed_sparse` response: per input, its non-zero entries by increasing index. */
export const EmbedSparseResponseSchema = z.array(z.array(SparseValueSchema)).openapi("EmbedSparseResponse");
