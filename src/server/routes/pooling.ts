import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkCount, checkModel, nowSeconds, primaryModel, responseId, withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { PoolingRequestSchema, PoolingResponseSchema } from "../schemas/pooling.js";
import { inputTexts, toBase64, toEmbedOptions } from "./pooling-inputs.js";

const REMOVED: Record<string, string> = { score: "classify", encode: "token_embed" };

type Row = number[] | number[][] | string;

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
      const list = supported.map((t) => `'${t}'`).join(", ");
      throw badRequest(`Unsupported task: '${task}' Supported tasks: (${list})`, "task");
    }
    const texts = inputTexts(body);
    checkCount(ctx, texts.length, "input");
    const options = toEmbedOptions(body, tokenizer?.maxLength);
    const base64 = body.encoding_format === "base64";
    const { rows, tokens } = await withAdmission(ctx, c, (signal) =>
      withSlot(ctx, async (): Promise<{ rows: Row[]; tokens: number }> => {
        if (task === "embed" && embedder) {
          const { embeddings, usage } = await embedder.embedWithUsage(texts, { ...options, prompt: false, signal });
          return { rows: embeddings.map((e) => (base64 ? toBase64(e) : Array.from(e))), tokens: usage.promptTokens };
        }
        const matrices = await tokenEmbedder!.embedTokens(texts, { ...options, signal });
        let tokens = 0;
        for (const [i, m] of matrices.entries()) {
          // Count what the tokenizer produced, as vLLM does; MaxSim matrices may skip tokens.
          tokens += tokenizer ? (await tokenizer.tokenize(texts[i] as string)).ids.length : m.tokens;
        }
        const rows = matrices.map((m): Row => {
          if (base64) return toBase64(m.data);
          const data: number[][] = [];
          for (let r = 0; r < m.tokens; r++) data.push(Array.from(m.data.subarray(r * m.dim, (r + 1) * m.dim)));
          return data;
        });
        return { rows, tokens };
      }),
    );
    return c.json(
      {
        id: responseId(c, "pooling"),
        object: "list" as const,
        created: nowSeconds(),
        model: primaryModel(ctx),
        data: rows.map((data, index) => ({ index, object: "pooling" as const, data })),
        usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null },
      },
      200,
    );
  });
}
