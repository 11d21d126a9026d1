import { OpenAPIHono } from "@hono/zod-openapi";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { AppEnv } from "./app-env.js";
import type { ServerContext } from "./context.js";
import { apiKeyAuth } from "./http/auth.js";
import { toErrorResponse } from "./http/error-response.js";
import { HttpError } from "./http/http-error.js";
import { jsonOnly } from "./http/json-only.js";
import { requestLogger } from "./http/request-log.js";
import { toValidationError } from "./http/validation.js";
import { registerClassify } from "./routes/classify.js";
import { registerCohereEmbed } from "./routes/cohere-embed.js";
import { registerDocs } from "./routes/docs.js";
import { registerEmbedSparse } from "./routes/embed-sparse.js";
import { registerEmbeddings } from "./routes/embeddings.js";
import { registerGenerativeScoring } from "./routes/generative-scoring.js";
import { registerInfo } from "./routes/info.js";
import { registerInvocations } from "./routes/invocations.js";
import { registerPooling } from "./routes/pooling.js";
import { registerRerank } from "./routes/rerank.js";
import { registerScore } from "./routes/score.js";
import { registerTokenize } from "./routes/tokenize.js";

/**
 * Builds the Hono app: metrics, CORS (only if asked), API key, body limit and JSON-only
 * middleware, then the routes the model can serve. Errors of every kind are answered by
 * {@link toErrorResponse}; unknown paths by `{"detail":"Not Found"}` as on vLLM.
 * @internal
 */
export function createApp(ctx: ServerContext): OpenAPIHono<AppEnv> {
  const { options } = ctx;
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw toValidationError(result.error, (result as { data?: unknown }).data, result.target === "json" ? "body" : result.target);
    },
  });
  const known = new Set<string>();
  app.use("*", async (c, next) => {
    const start = performance.now();
    await next();
    // While shutting down, ask clients not to reuse the connection.
    if (ctx.closing) c.res.headers.set("connection", "close");
    const route = known.has(c.req.path) ? c.req.path : "other";
    ctx.metrics.observeRequest(route, c.res.status, (performance.now() - start) / 1000);
  });
  app.use("*", requestLogger(options.requestLog, options.modelNames[0] as string));
  if (options.cors) {
    const origin = options.cors === true ? "*" : options.cors;
    app.use("*", cors({ origin }));
  }
  if (options.apiKey) app.use("*", apiKeyAuth(options.apiKey, options.publicDocs ? ["/openapi.json"] : []));
  app.use(
    "*",
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () => {
        throw new HttpError(413, "Request Entity Too Large", `The request body exceeds ${options.maxBodyBytes} bytes.`);
      },
    }),
  );
  app.use("*", jsonOnly());

  // vLLM enables the scoring API only for num_labels == 1: a multi-class classifier has no score.
  const classifier = options.classifier;
  const multiClass = classifier !== undefined && (classifier as unknown) === options.scorer && classifier.labels.length > 1;
  if (!multiClass) {
    registerScore(app, ctx);
    registerRerank(app, ctx);
  }
  if (options.embedder) {
    registerEmbeddings(app, ctx);
    registerCohereEmbed(app, ctx);
  }
  // TEI's sparse route, for SPLADE and bge-m3.
  if (options.sparseEmbedder) registerEmbedSparse(app, ctx);
  // As vLLM: /classify exists only for classifiers.
  if (options.classifier) registerClassify(app, ctx);
  registerPooling(app, ctx);
  registerGenerativeScoring(app, ctx);
  if (options.tokenizer) registerTokenize(app, ctx, options.tokenizer);
  registerInfo(app, ctx);
  registerDocs(app);
  for (const r of app.routes) known.add(r.path);
  registerInvocations(app, known);
  known.add("/invocations");

  // As FastAPI: a known path with the wrong method is 405, anything else 404.
  app.notFound((c) =>
    known.has(c.req.path) ? c.json({ detail: "Method Not Allowed" }, 405) : c.json({ detail: "Not Found" }, 404),
  );
  app.onError((error, c) => {
    const answer = toErrorResponse(error);
    return c.json(answer.body, answer.status as ContentfulStatusCode, answer.headers);
  });
  return app;
}
