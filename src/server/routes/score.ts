import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { checkCount, checkModel, nowSeconds, primaryModel, responseId, withAdmission, type ServerContext } from "../context.js";
import type { AppEnv } from "../app-env.js";
import { errorResponses, jsonBody } from "../schemas/common.js";
import { ScoreRequestSchema, ScoreResponseSchema, type ScoreRequest } from "../schemas/score.js";
import { asList, explicitPairs, validateScoreInputs, type Inputs } from "./score-inputs.js";
import { toScoreOptions } from "./scoring-options.js";
import { resolveMediaItems } from "../media/index.js";
import type { ScoreInput } from "../../types.js";

/** Registers `POST /score` and its deprecated alias `POST /v1/score`. */
export function registerScore(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  for (const path of ["/score", "/v1/score"]) {
    const route = createRoute({
      method: "post",
      path,
      tags: ["scoring"],
      summary: path === "/score" ? "Score query/document pairs (1:1, 1:N or N:N)" : "Alias of /score",
      request: { body: jsonBody(ScoreRequestSchema) },
      responses: {
        200: { description: "Scores in pair order", content: { "application/json": { schema: ScoreResponseSchema } } },
        ...errorResponses,
      },
    });
    app.openapi(route, async (c) => {
      const body = c.req.valid("json");
      checkModel(ctx, body.model);
      const { queries, documents } = pickPair(body);
      const q = asList(queries);
      const d = asList(documents);
      validateScoreInputs(ctx, q, d);
      const pairs = explicitPairs(q, d);
      checkCount(ctx, pairs.documents.length, "documents");
      const options = toScoreOptions(body, ctx.options.tokenizer?.maxLength);
      const result = await withAdmission(ctx, c, async (signal) => {
        const [queries, documents] = await resolveMediaItems(ctx.media, [{ field: "queries", items: pairs.queries }, { field: "documents", items: pairs.documents }], signal);
        return ctx.coalescer.submit(ctx.score, { queries: queries as ScoreInput[], documents: documents as ScoreInput[] }, options, signal);
      });
      const tokens = result.usage.promptTokens;
      return c.json(
        {
          id: responseId(c, "score"),
          object: "list" as const,
          created: nowSeconds(),
          model: primaryModel(ctx),
          data: result.scores.map((score, index) => ({ index, object: "score" as const, score })),
          usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null },
        },
        200,
      );
    });
  }
}

/** vLLM's field-name pairs, in the order its union tries them. */
const PAIRS = [
  ["queries", "documents"],
  ["queries", "items"],
  ["data_1", "data_2"],
  ["text_1", "text_2"],
] as const;

/** The queries and documents of whichever field-name pair the request used. */
function pickPair(body: ScoreRequest): { queries: Inputs; documents: Inputs } {
  const fields = body as Record<string, unknown>;
  for (const [q, d] of PAIRS) {
    if (fields[q] !== undefined && fields[d] !== undefined) {
      return { queries: fields[q] as Inputs, documents: fields[d] as Inputs };
    }
  }
  // Unreachable: the schema requires one complete pair.
  throw new TypeError("no queries/documents pair in the request");
}
