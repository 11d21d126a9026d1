import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkModel, nowSeconds, primaryModel, responseId, type ServerContext } from "../context.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { PoolingRequestSchema, PoolingResponseSchema } from "../schemas/pooling.js";
import { bytesResponse, jsonValue, outputEncoding, type PooledOutput } from "./embed-output.js";
import { classifyRequest } from "./classify-request.js";
import { embedRequest } from "./embed-request.js";
import { verifyPoolingTask } from "./pooling-tasks.js";
import { tokenEmbedRequest } from "./token-embed-request.js";
import { streamPoolingList } from "../transport/json-stream.js";
import { tokenWeightsRequest } from "./token-weights-request.js";

/**
 * Registers `POST /pooling` running the server's one pooling task (`embed`, `classify`,
 * `token_embed`, or `token_classify` for bge-m3's lexical weights; see {@link verifyPoolingTask}).
 */
export function registerPooling(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  const served = ctx.options.poolingTasks.task;
  const route = createRoute({
    method: "post",
    path: "/pooling",
    tags: ["pooling"],
    summary: `Pooled outputs (task: ${served ?? "none"})`,
    request: { body: jsonBody(PoolingRequestSchema) },
    responses: {
      200: { description: "One output per input", content: { "application/json": { schema: PoolingResponseSchema } } },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    checkModel(ctx, body.model);
    const task = verifyPoolingTask(ctx, body.task);
    const encoding = outputEncoding(body);
    let outcome: { outputs: PooledOutput[]; promptTokens: number };
    if (task === "embed") outcome = await embedRequest(ctx, c, body);
    else if (task === "classify") {
      const { classifications, promptTokens } = await classifyRequest(ctx, c, body);
      outcome = { outputs: classifications.map((k) => ({ data: Float32Array.from(k.probs), shape: [k.probs.length] })), promptTokens };
    } else if (task === "token_classify") outcome = await tokenWeightsRequest(ctx, c, body);
    else outcome = await tokenEmbedRequest(ctx, c, body, encoding);
    const id = responseId(c, "pooling");
    const created = nowSeconds();
    const model = primaryModel(ctx);
    if (encoding.format === "bytes" || encoding.format === "bytes_only") {
      return bytesResponse(outcome.outputs, encoding, { id, created, model, promptTokens: outcome.promptTokens }) as never;
    }
    // Float matrices are streamed row by row: one string of them can exceed V8's string limit.
    if (encoding.format === "float") return streamPoolingList({ id, created, model, promptTokens: outcome.promptTokens }, outcome.outputs) as never;
    const tokens = outcome.promptTokens;
    return c.json(
      {
        id,
        object: "list" as const,
        created,
        model,
        data: outcome.outputs.map((o, index) => ({ index, object: "pooling" as const, data: jsonValue(o, encoding) })),
        usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null },
      },
      200,
    );
  });
}
