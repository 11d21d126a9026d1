import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkModel, nowSeconds, primaryModel, responseId, type ServerContext } from "../context.js";
import { ClassificationRequestSchema, ClassificationResponseSchema } from "../schemas/classify.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { classifyRequest } from "./classify-request.js";

/**
 * Registers `POST /classify` (vLLM's classification API) for sequence classifiers: one
 * `{index, label, probs, num_classes}` per input, `label` from the model's `id2label`.
 */
export function registerClassify(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  const route = createRoute({
    method: "post",
    path: "/classify",
    tags: ["pooling"],
    summary: "Classify texts, token ids or a chat (labels and class probabilities)",
    request: { body: jsonBody(ClassificationRequestSchema) },
    responses: {
      200: { description: "One classification per input", content: { "application/json": { schema: ClassificationResponseSchema } } },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    checkModel(ctx, body.model);
    const { classifications, promptTokens } = await classifyRequest(ctx, c, body);
    return c.json(
      {
        id: responseId(c, "classify"),
        object: "list" as const,
        created: nowSeconds(),
        model: primaryModel(ctx),
        data: classifications.map((k, index) => ({ index, label: k.label ?? null, probs: k.probs, num_classes: k.probs.length })),
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0, prompt_tokens_details: null },
      },
      200,
    );
  });
}
