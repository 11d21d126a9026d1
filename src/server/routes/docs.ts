import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.js";
import { VERSION } from "../version.js";
import { DOCS_HTML } from "./docs-page.js";

/** Registers `GET /openapi.json` (built from the routes' own zod schemas) and an offline `/docs` page. */
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
