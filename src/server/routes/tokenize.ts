import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkModel, type ServerContext } from "../context.js";
import type { ServerTokenizer } from "../options.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { TokenizeRequestSchema, TokenizeResponseSchema } from "../schemas/info.js";

/** Registers `POST /tokenize` (completion form). */
export function registerTokenize(app: OpenAPIHono<AppEnv>, ctx: ServerContext, tokenizer: ServerTokenizer): void {
  const route = createRoute({
    method: "post",
    path: "/tokenize",
    tags: ["tokenizer"],
    summary: "Tokenize a prompt with the model's tokenizer",
    request: { body: jsonBody(TokenizeRequestSchema) },
    responses: {
      200: { description: "Token ids", content: { "application/json": { schema: TokenizeResponseSchema } } },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    checkModel(ctx, body.model);
    const t = await tokenizer.tokenize(body.prompt, { addSpecialTokens: body.add_special_tokens ?? true });
    return c.json(
      {
        count: t.ids.length,
        max_model_len: tokenizer.maxLength,
        tokens: t.ids,
        token_strs: body.return_token_strs ? t.tokens : null,
      },
      200,
    );
  });
}
