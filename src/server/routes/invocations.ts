import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { validationFailed } from "../http/http-error.js";
import { errorResponses, jsonBody } from "../schemas/common.js";

/**
 * Registers `POST /invocations` (SageMaker): like vLLM, routes the body to the first API whose
 * shape it has: rerank (`query` + `documents`), score (a queries/documents pair), then
 * embeddings, classification or pooling (`input` / `messages`; `task` picks pooling).
 */
export function registerInvocations(app: OpenAPIHono<AppEnv>, paths: ReadonlySet<string>): void {
  const route = createRoute({
    method: "post",
    path: "/invocations",
    tags: ["scoring"],
    summary: "SageMaker entry: dispatches to /rerank, /score, /v1/embeddings, /classify or /pooling by body shape",
    request: { body: jsonBody(z.looseObject({}).openapi("InvocationRequest")) },
    responses: { 200: { description: "The answer of the chosen route" }, ...errorResponses },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json") as Record<string, unknown>;
    const has = (...keys: string[]): boolean => keys.every((k) => body[k] !== undefined);
    let target: string | undefined;
    if (has("query", "documents")) target = "/rerank";
    else if (has("queries", "documents") || has("queries", "items") || has("data_1", "data_2") || has("text_1", "text_2")) {
      target = "/score";
    } else if (has("input") || has("messages")) {
      if (has("task")) target = "/pooling";
      else if (paths.has("/v1/embeddings")) target = "/v1/embeddings";
      else target = paths.has("/classify") ? "/classify" : "/pooling";
    }
    if (!target) {
      throw validationFailed("Cannot tell the request type: send a rerank, score, embeddings or pooling body.");
    }
    const url = new URL(target, c.req.url);
    const headers = new Headers(c.req.raw.headers);
    headers.delete("content-length");
    return app.fetch(new Request(url, { method: "POST", headers, body: JSON.stringify(body), signal: c.req.raw.signal }));
  });
}
