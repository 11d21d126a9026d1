import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkCount, withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { EmbedSparseRequestSchema, EmbedSparseResponseSchema } from "../schemas/tei.js";

/**
 * Registers TEI's `POST /embed_sparse`: one sparse vector per input as `[{ index, value }]`,
 * indices increasing and zeros dropped, documents encoded as documents (the document route of an
 * inference-free SPLADE model). Errors use vLLM's envelope, as every route of this server.
 */
export function registerEmbedSparse(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  const route = createRoute({
    method: "post",
    path: "/embed_sparse",
    tags: ["pooling"],
    summary: "Sparse vectors of texts (Hugging Face TEI)",
    request: { body: jsonBody(EmbedSparseRequestSchema) },
    responses: {
      200: { description: "Per input, its non-zero entries", content: { "application/json": { schema: EmbedSparseResponseSchema } } },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const sparse = ctx.options.sparseEmbedder;
    if (!sparse) throw badRequest("This model has no sparse embeddings.");
    if (body.prompt_name !== undefined && body.prompt_name !== null) throw badRequest("`prompt_name` is not supported: texts are embedded as given.", "prompt_name");
    if (body.truncation_direction && body.truncation_direction.toLowerCase() === "left") {
      throw badRequest("`truncation_direction` left is not supported; this server truncates on the right.", "truncation_direction");
    }
    const texts = typeof body.inputs === "string" ? [body.inputs] : body.inputs;
    if (texts.length === 0) throw badRequest("`inputs` cannot be empty.", "inputs");
    checkCount(ctx, texts.length, "inputs");
    const vectors = await withAdmission(ctx, c, (signal) =>
      withSlot(ctx, () => sparse.embedSparse(texts, { signal, truncate: body.truncate ?? false })),
    );
    return c.json(
      vectors.map((v) => Array.from(v.indices, (index, k) => ({ index, value: v.values[k] as number }))),
      200,
    );
  });
}
