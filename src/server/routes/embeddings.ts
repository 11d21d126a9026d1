import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Embedder } from "../../types.js";
import type { AppEnv } from "../app-env.js";
import { checkCount, checkModel, nowSeconds, primaryModel, responseId, withAdmission, withSlot, type ServerContext } from "../context.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { EmbeddingRequestSchema, EmbeddingResponseSchema } from "../schemas/pooling.js";
import { inputTexts, toBase64, toEmbedOptions } from "./pooling-inputs.js";

/** Registers `POST /v1/embeddings` (OpenAI-compatible, float and base64). */
export function registerEmbeddings(app: OpenAPIHono<AppEnv>, ctx: ServerContext, embedder: Embedder): void {
  const route = createRoute({
    method: "post",
    path: "/v1/embeddings",
    tags: ["pooling"],
    summary: "Embed texts (OpenAI embeddings API)",
    request: { body: jsonBody(EmbeddingRequestSchema) },
    responses: {
      200: { description: "One vector per input", content: { "application/json": { schema: EmbeddingResponseSchema } } },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    checkModel(ctx, body.model);
    const texts = inputTexts(body);
    checkCount(ctx, texts.length, "input");
    const options = toEmbedOptions(body, ctx.options.tokenizer?.maxLength);
    const { embeddings, usage } = await withAdmission(ctx, c, (signal) =>
      withSlot(ctx, () => embedder.embedWithUsage(texts, { ...options, prompt: false, signal })),
    );
    const base64 = body.encoding_format === "base64";
    return c.json(
      {
        id: responseId(c, "embd"),
        object: "list" as const,
        created: nowSeconds(),
        model: primaryModel(ctx),
        data: embeddings.map((e, index) => ({
          index,
          object: "embedding" as const,
          embedding: base64 ? toBase64(e) : Array.from(e),
        })),
        usage: {
          prompt_tokens: usage.promptTokens,
          total_tokens: usage.totalTokens,
          completion_tokens: 0,
          prompt_tokens_details: null,
        },
      },
      200,
    );
  });
}
