import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { VERSION } from "../version.js";

const DOCS_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>rerank-kit server</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"><p>Loading Swagger UI; offline, read <a href="openapi.json">openapi.json</a>.</p></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>window.onload=()=>{if(window.SwaggerUIBundle)SwaggerUIBundle({url:"openapi.json",dom_id:"#ui"})}</script>
</body></html>`;

/** Registers `GET /openapi.json` (built from the routes' own zod schemas) and a `/docs` page. */
export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "rerank-kit server",
      version: VERSION,
      description: "vLLM-compatible scoring, rerank, embeddings and pooling API served by rerank-kit.",
    },
  });
  app.get("/docs", (c) => c.html(DOCS_HTML));
}
