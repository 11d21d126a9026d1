import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { rankScores } from "../../scoring/ranking.js";
import type { ScoreInput } from "../../types.js";
import { checkCount, checkModel, primaryModel, responseId, withAdmission, type ServerContext } from "../context.js";
import type { AppEnv } from "../app-env.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { RerankRequestSchema, RerankResponseSchema } from "../schemas/score.js";
import { validateScoreInputs } from "./score-inputs.js";
import { toScoreOptions } from "./scoring-options.js";
import { resolveMediaItems } from "../media/index.js";

const SUMMARIES: Record<string, string> = {
  "/rerank": "Rerank documents against a query (sorted, stable, top_n)",
  "/v1/rerank": "Alias of /rerank (Jina-compatible path)",
  "/v2/rerank": "Alias of /rerank (Cohere v2 SDK path)",
};

/** The Cohere API version each Cohere-compatible path answers as (Cohere bills 1 search unit per 100 documents). */
const COHERE_VERSION: Record<string, string> = { "/v1/rerank": "1", "/v2/rerank": "2" };

/** Registers `POST /rerank`, `/v1/rerank` and `/v2/rerank`. */
export function registerRerank(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  for (const path of Object.keys(SUMMARIES)) {
    const route = createRoute({
      method: "post",
      path,
      tags: ["scoring"],
      summary: SUMMARIES[path],
      request: { body: jsonBody(RerankRequestSchema) },
      responses: {
        200: { description: "Results, best first", content: { "application/json": { schema: RerankResponseSchema } } },
        ...errorResponses,
      },
    });
    app.openapi(route, async (c) => {
      const body = c.req.valid("json");
      checkModel(ctx, body.model);
      // A bare string or a single {content} item counts as one document; Cohere v1's
      // {text} objects are ranked by their text.
      const given = body.documents as ScoreInput | Array<ScoreInput | { text: string }>;
      const documents = (Array.isArray(given) ? given : [given]).map(cohereText);
      const query = body.query as ScoreInput;
      validateScoreInputs(ctx, [query], documents);
      checkCount(ctx, documents.length, "documents");
      const options = toScoreOptions(body, ctx.options.tokenizer?.maxLength);
      const result = await withAdmission(ctx, c, async (signal) => {
        const [q, docs] = await resolveMediaItems(ctx.media, [{ field: "query", items: [query], single: true }, { field: "documents", items: documents }], signal);
        const served = q?.[0] as ScoreInput;
        return ctx.coalescer.submit(ctx.score, { queries: documents.map(() => served), documents: docs as ScoreInput[] }, options, signal);
      });
      const ranked = rankScores(result.scores, documents, { topN: body.top_n });
      const tokens = result.usage.promptTokens;
      return c.json(
        {
          id: responseId(c, "rerank"),
          model: primaryModel(ctx),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
          results: ranked.map((r) => ({
            index: r.index,
            ...(body.return_documents !== false && {
              document:
                typeof r.document === "string"
                  ? { text: r.document, multi_modal: null }
                  : { text: null, multi_modal: [...r.document.content] },
            }),
            relevance_score: r.score,
          })),
          // Cohere's SDKs (and the AI SDK's provider) require `meta`; vLLM's own clients ignore it.
          ...(COHERE_VERSION[path] && {
            meta: {
              api_version: { version: COHERE_VERSION[path] },
              billed_units: { search_units: Math.max(1, Math.ceil(documents.length / 100)) },
            },
          }),
        },
        200,
      );
    });
  }
}

/** A Cohere v1 `{text}` document as its text; strings and `{content}` items as they are. */
function cohereText(document: ScoreInput | { text: string }): ScoreInput {
  if (typeof document === "object" && !("content" in document)) return document.text;
  return document as ScoreInput;
}
