import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkModel, nowSeconds, primaryModel, responseId, type ServerContext } from "../context.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { EmbeddingRequestSchema, EmbeddingResponseSchema } from "../schemas/pooling.js";
import { bytesResponse, jsonValue, outputEncoding } from "./embed-output.js";
import { embedRequest } from "./embed-request.js";

/** Registers `POST /v1/embeddings` (OpenAI-compatible; float, base64, bytes and bytes_only). */
export function registerEmbeddings(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  const route = createRoute({
    method: "post",
    path: "/v1/embeddings",
    tags: ["pooling"],
    summary: "Embed texts or token ids (OpenAI embeddings API)",
    request: { body: jsonBody(EmbeddingRequestSchema) },
    responses: {
      200: {
        description: "One vector per input (JSON, or raw bytes for encoding_format bytes / bytes_only)",
        content: { "application/json": { schema: EmbeddingResponseSchema } },
      },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    checkModel(ctx, body.model);
    const encoding = outputEncoding(body);
    const { outputs, promptTokens } = await embedRequest(ctx, c, body);
    const id = responseId(c, "embd");
    const created = nowSeconds();
    const model = primaryModel(ctx);
    if (encoding.format === "bytes" || encoding.format === "bytes_only") {
      return bytesResponse(outputs, encoding, { id, created, model, promptTokens }) as never;
    }
    return c.json(
      {
        id,
        object: "list" as const,
        created,
        model,
        data: outputs.map((o, index) => ({ index, object: "embedding" as const, embedding: jsonValue(o, encoding) as number[] | string })),
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0, prompt_tokens_details: null },
      },
      200,
    );
  });
}
