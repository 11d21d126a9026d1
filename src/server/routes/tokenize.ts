import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { checkModel, type ServerContext } from "../context.js";
import { has } from "../../contracts/capabilities.js";
import type { Tokenizer } from "../../contracts/tokenizer.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { renderChat, type ChatFields } from "./chat.js";
import { DetokenizeRequestSchema, DetokenizeResponseSchema, TokenizeRequestSchema, TokenizeResponseSchema } from "../schemas/info.js";

/** Registers `POST /tokenize`, `POST /detokenize` and (if enabled) `GET /tokenizer_info`. */
export function registerTokenize(app: OpenAPIHono<AppEnv>, ctx: ServerContext, tokenizer: Tokenizer): void {
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
    // The chat form renders with the chat template (generation prompt on by default, special
    // tokens off, as vLLM's TokenizeChatRequest); the completion form adds special tokens.
    const chat = !("prompt" in body);
    const text = chat ? renderChat(ctx, body as ChatFields, true) : (body.prompt as string);
    const addSpecialTokens = (body.add_special_tokens as boolean | undefined) ?? !chat;
    const t = await tokenizer.tokenize(text, { addSpecialTokens });
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

  if (has(tokenizer, "detokenize")) {
    const detokenize = tokenizer.detokenize.bind(tokenizer);
    const detokenizeRoute = createRoute({
      method: "post",
      path: "/detokenize",
      tags: ["tokenizer"],
      summary: "Decode token ids with the model's tokenizer",
      request: { body: jsonBody(DetokenizeRequestSchema) },
      responses: {
        200: { description: "The text", content: { "application/json": { schema: DetokenizeResponseSchema } } },
        ...errorResponses,
      },
    });
    app.openapi(detokenizeRoute, async (c) => {
      const body = c.req.valid("json");
      checkModel(ctx, body.model);
      return c.json({ prompt: await detokenize(body.tokens, { skipSpecialTokens: false }) }, 200);
    });
  }

  if (ctx.options.tokenizerInfo) {
    const config = has(tokenizer, "metadata") ? tokenizer.tokenizerConfig : {};
    app.openapi(
      createRoute({
        method: "get",
        path: "/tokenizer_info",
        tags: ["tokenizer"],
        summary: "The tokenizer's configuration (vLLM --enable-tokenizer-info-endpoint)",
        responses: { 200: { description: "tokenizer_config.json fields", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } } },
      }),
      (c) => {
        // As vLLM's get_tokenizer_info: the tokenizer's init kwargs, its class, and the limit.
        const { added_tokens_decoder: _decoder, ...rest } = config as Record<string, unknown>;
        return c.json({ ...rest, tokenizer_class: config["tokenizer_class"] ?? null, model_max_length: tokenizer.maxLength }, 200);
      },
    );
  }
}
