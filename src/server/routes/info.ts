import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { nowSeconds, type ServerContext } from "../context.js";
import { ModelListSchema, VersionSchema } from "../schemas/info.js";
import { VERSION } from "../version.js";
import { workersDown } from "../runtime/readiness.js";

const started = nowSeconds();

/** Registers `/v1/models`, `/health`, `/ping`, `/version`, `/load` and `/metrics`. */
export function registerInfo(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/models",
      tags: ["info"],
      summary: "The served model",
      responses: { 200: { description: "Model list", content: { "application/json": { schema: ModelListSchema } } } },
    }),
    (c) =>
      c.json(
        {
          object: "list" as const,
          data: ctx.options.modelNames.map((id) => ({
            id,
            object: "model" as const,
            created: started,
            owned_by: "rerank-kit",
            root: ctx.options.scorer.model,
            parent: null,
            max_model_len: ctx.options.tokenizer?.maxLength ?? null,
            permission: [] as { object: string }[],
          })),
        },
        200,
      ),
  );
  const { scorer, embedder, tokenEmbedder } = ctx.options;
  const health = (): Response => new Response(null, { status: ctx.closing || workersDown([scorer, embedder, tokenEmbedder]) ? 503 : 200 });
  const healthDoc = { 200: { description: "Serving" }, 503: { description: "Shutting down, or no model worker ready (one is restarting)" } };
  app.openapi(createRoute({ method: "get", path: "/health", tags: ["info"], summary: "Liveness", responses: healthDoc }), health);
  app.openapi(createRoute({ method: "get", path: "/ping", tags: ["info"], summary: "Liveness (SageMaker)", responses: healthDoc }), health);
  app.openapi(createRoute({ method: "post", path: "/ping", tags: ["info"], summary: "Liveness (SageMaker)", responses: healthDoc }), health);
  app.openapi(
    createRoute({
      method: "get",
      path: "/version",
      tags: ["info"],
      summary: "rerank-kit version",
      responses: { 200: { description: "Version", content: { "application/json": { schema: VersionSchema } } } },
    }),
    (c) => c.json({ version: VERSION }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/load",
      tags: ["info"],
      summary: "Requests in flight",
      responses: { 200: { description: "Load" } },
    }),
    (c) => c.json({ server_load: ctx.slots.inFlight }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      tags: ["info"],
      summary: "Prometheus metrics (text format 0.0.4)",
      responses: { 200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } } },
    }),
    (c) => {
      const text = ctx.metrics.render({
        queued: ctx.slots.queued,
        running: ctx.slots.running,
        inFlight: ctx.slots.inFlight,
      });
      return c.text(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
    },
  );
}
