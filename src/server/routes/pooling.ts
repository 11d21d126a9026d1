import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkCount, checkModel, nowSeconds, primaryModel, responseId, withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { PoolingRequestSchema, PoolingResponseSchema } from "../schemas/pooling.js";
import { bytesResponse, jsonValue, outputEncoding, type PooledOutput } from "./embed-output.js";
import { embedRequest } from "./embed-request.js";
import { checkDimensions, rejectRemovedParameters, splitInput, truncationLimit, type CompletionInput } from "./prompts.js";

const REMOVED: Record<string, string> = { score: "classify", encode: "token_embed" };

/** Python's rendering of a tuple of strings, as in vLLM's "Supported tasks: ('embed',)". */
function pyTuple(items: string[]): string {
  const inner = items.map((t) => `'${t}'`).join(", ");
  return items.length === 1 ? `(${inner},)` : `(${inner})`;
}

/** Registers `POST /pooling` with the tasks the model allows (`embed`, `token_embed`). */
export function registerPooling(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  const { embedder, tokenEmbedder, tokenizer } = ctx.options;
  const supported = [...(embedder ? ["embed"] : []), ...(tokenEmbedder ? ["token_embed"] : [])];
  const route = createRoute({
    method: "post",
    path: "/pooling",
    tags: ["pooling"],
    summary: `Pooled outputs (tasks: ${supported.join(", ") || "none"})`,
    request: { body: jsonBody(PoolingRequestSchema) },
    responses: {
      200: { description: "One output per input", content: { "application/json": { schema: PoolingResponseSchema } } },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    checkModel(ctx, body.model);
    const task = body.task ?? supported[0] ?? "embed";
    if (REMOVED[task]) throw badRequest(`The task \`${task}\` was removed; use \`${REMOVED[task]}\` instead.`, "task");
    if (!supported.includes(task)) {
      throw badRequest(`Unsupported task: '${task}' Supported tasks: ${pyTuple(supported)}`, "task");
    }
    const encoding = outputEncoding(body);
    let outcome: { outputs: PooledOutput[]; promptTokens: number };
    if (task === "embed") {
      outcome = await embedRequest(ctx, c, body);
    } else {
      rejectRemovedParameters(body);
      if ("messages" in body && body.messages !== undefined) {
        throw badRequest("Chat-style `messages` input needs a chat template, and this server has none; send `input`.", "messages");
      }
      const prompts = splitInput((body as { input: CompletionInput }).input);
      if (!("texts" in prompts)) {
        throw badRequest("Token-id input is not supported for token_embed by this server; send text.", "input");
      }
      const texts = prompts.texts;
      checkCount(ctx, texts.length, "input");
      checkDimensions(ctx, body.dimensions, primaryModel(ctx));
      const max = tokenizer?.maxLength;
      const limit = max === undefined ? undefined : truncationLimit(body.truncate_prompt_tokens, max);
      if (limit !== undefined && limit !== max) {
        throw badRequest("truncate_prompt_tokens other than -1 (max_model_len) is not supported for token_embed by this server.", "truncate_prompt_tokens");
      }
      const options = {
        truncate: body.truncate_prompt_tokens !== null && body.truncate_prompt_tokens !== undefined,
        ...(body.use_activation !== null && body.use_activation !== undefined && { normalize: body.use_activation }),
      };
      outcome = await withAdmission(ctx, c, (signal) =>
        withSlot(ctx, async () => {
          const matrices = await tokenEmbedder!.embedTokens(texts, { ...options, signal });
          let promptTokens = 0;
          for (const [i, m] of matrices.entries()) {
            // Count what the tokenizer produced, as vLLM does; MaxSim matrices may skip tokens.
            promptTokens += tokenizer ? Math.min((await tokenizer.tokenize(texts[i] as string)).ids.length, tokenizer.maxLength) : m.tokens;
          }
          return { outputs: matrices.map((m) => ({ data: m.data, shape: [m.tokens, m.dim] })), promptTokens };
        }),
      );
    }
    const id = responseId(c, "pooling");
    const created = nowSeconds();
    const model = primaryModel(ctx);
    if (encoding.format === "bytes" || encoding.format === "bytes_only") {
      return bytesResponse(outcome.outputs, encoding, { id, created, model, promptTokens: outcome.promptTokens }) as never;
    }
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
