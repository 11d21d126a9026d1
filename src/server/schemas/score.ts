import { z } from "@hono/zod-openapi";
import { listResponseSchema, ScoreInputSchema, scoringFields } from "./common.js";

const inputs = z.union([ScoreInputSchema, z.array(ScoreInputSchema)]);

/**
 * `POST /score` body: exactly one of the four field-name pairs vLLM accepts
 * (queries/documents, queries/items, data_1/data_2, text_1/text_2).
 */
export const ScoreRequestSchema = z
  .union([
    z.looseObject({ ...scoringFields, queries: inputs, documents: inputs }),
    z.looseObject({ ...scoringFields, queries: inputs, items: inputs }),
    z.looseObject({ ...scoringFields, data_1: inputs, data_2: inputs }),
    z.looseObject({ ...scoringFields, text_1: inputs, text_2: inputs }),
  ])
  .openapi("ScoreRequest");

/** Parsed `/score` body. */
export type ScoreRequest = z.infer<typeof ScoreRequestSchema>;

/** `POST /score` answer: scores in pair order. */
export const ScoreResponseSchema = listResponseSchema(
  z.object({ index: z.number().int(), object: z.literal("score"), score: z.number() }),
).openapi("ScoreResponse");

/** A Cohere v1 document object: its `text` is what is ranked (other fields are ignored). */
const CohereDocumentSchema = z.looseObject({ text: z.string() }).openapi("CohereDocument");
const rerankDocuments = z.union([ScoreInputSchema, z.array(z.union([ScoreInputSchema, CohereDocumentSchema]))]);

/** `POST /rerank` body. */
export const RerankRequestSchema = z
  .looseObject({
    ...scoringFields,
    query: ScoreInputSchema,
    documents: rerankDocuments,
    top_n: z.number().int().min(0).optional().openapi({ description: "0 = all." }),
    return_documents: z
      .boolean()
      .nullish()
      .openapi({ description: "Cohere's flag: false leaves `document` out of the results. Default: documents are returned, as vLLM." }),
  })
  .openapi("RerankRequest");

/** Parsed `/rerank` body. */
export type RerankRequest = z.infer<typeof RerankRequestSchema>;

/** Cohere's response `meta` (`api_version`, `billed_units`), which Cohere's clients require. */
export const CohereMetaSchema = z
  .object({
    api_version: z.object({ version: z.string() }),
    billed_units: z.looseObject({
      search_units: z.number().int().optional(),
      input_tokens: z.number().int().optional(),
    }),
  })
  .openapi("CohereMeta");

/** `POST /rerank` answer: documents sorted by relevance, highest first. */
export const RerankResponseSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
    results: z.array(
      z.object({
        index: z.number().int(),
        document: z.object({ text: z.string().nullable(), multi_modal: z.array(z.unknown()).nullable() }).optional(),
        relevance_score: z.number(),
      }),
    ),
    meta: CohereMetaSchema.optional().openapi({ description: "Cohere's meta; only on /v1/rerank and /v2/rerank." }),
  })
  .openapi("RerankResponse");
