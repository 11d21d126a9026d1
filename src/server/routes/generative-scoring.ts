/**
 * `POST /generative_scoring` (vLLM's generative scoring): the probability that each item's prompt
 * (query + item, or item + query) is followed by the first of `label_token_ids`, read from a
 * causal LM's next-token distribution. Served by models with the `nextToken` capability (LLM
 * rerankers loaded with their full LM head); others answer a 400 that says why.
 * @module
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { has } from "../../contracts/capabilities.js";
import type { AppEnv } from "../app-env.js";
import { checkCount, checkModel, nowSeconds, primaryModel, responseId, withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { errorResponses, jsonBody, UsageSchema } from "../schemas/common.js";

const tokenIds = z.array(z.number().int());

/** vLLM's `GenerativeScoringRequest`. */
export const GenerativeScoringRequestSchema = z
  .looseObject({
    model: z.string().nullish(),
    query: z.union([z.string(), tokenIds]).openapi({ description: "The query text or its token ids." }),
    items: z.union([z.array(z.string()), z.array(tokenIds)]).openapi({ description: "Item texts, or their token ids." }),
    label_token_ids: tokenIds.openapi({ description: "Token ids whose next-token probabilities are computed; the score is the first one's." }),
    apply_softmax: z.boolean().default(true).openapi({ description: "true: softmax over the label tokens only; false: the model's probabilities over its whole vocabulary." }),
    item_first: z.boolean().default(false).openapi({ description: "true: item + query; false: query + item." }),
    add_special_tokens: z.boolean().default(true).openapi({ description: "Special tokens for a text query (items never get them)." }),
    priority: z.number().int().optional().openapi({ description: "Accepted for compatibility; ignored." }),
    request_id: z.string().optional(),
    cache_salt: z.string().min(1).max(1024).nullish().openapi({ description: "Accepted; there is no prefix cache." }),
  })
  .openapi("GenerativeScoringRequest");

/** vLLM's `GenerativeScoringResponse`. */
export const GenerativeScoringResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal("list"),
    created: z.number().int(),
    model: z.string(),
    data: z.array(z.object({ index: z.number().int(), object: z.literal("score"), score: z.number() })),
    usage: UsageSchema,
  })
  .openapi("GenerativeScoringResponse");

/** Registers `POST /generative_scoring`. */
export function registerGenerativeScoring(app: OpenAPIHono<AppEnv>, ctx: ServerContext): void {
  const route = createRoute({
    method: "post",
    path: "/generative_scoring",
    tags: ["scoring"],
    summary: "Next-token probabilities of label tokens after query + item (causal LMs with their LM head)",
    request: { body: jsonBody(GenerativeScoringRequestSchema) },
    responses: {
      200: { description: "One score per item", content: { "application/json": { schema: GenerativeScoringResponseSchema } } },
      ...errorResponses,
    },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    checkModel(ctx, body.model);
    const lm = ctx.options.scorer;
    if (!has(lm, "nextToken")) {
      throw badRequest(
        `The model \`${primaryModel(ctx)}\` does not support generative scoring: it needs a causal language model with its LM head (an LLM reranker such as Qwen3-Reranker).`,
      );
    }
    // vLLM's checks, in its order.
    for (const id of body.label_token_ids) {
      if (id < 0 || id >= lm.vocabularySize) {
        throw badRequest(`label_token_id ${id} is out of vocabulary range [0, ${lm.vocabularySize}). Please provide valid token IDs.`);
      }
    }
    if (body.label_token_ids.length === 0) throw badRequest("label_token_ids must contain at least one token ID.");
    if (body.items.length === 0) throw badRequest("items must contain at least one item.");
    checkCount(ctx, body.items.length, "items");
    const tokenizer = ctx.options.tokenizer;
    const encode = async (text: string, special: boolean): Promise<number[]> => {
      if (!tokenizer) throw badRequest("Tokenizer not available. Cannot process generative scoring request.");
      return (await tokenizer.tokenize(text, { addSpecialTokens: special })).ids;
    };
    const query = typeof body.query === "string" ? await encode(body.query, body.add_special_tokens) : body.query;
    // As vLLM: items never get special tokens, and a prompt keeps max_model_len - 1 tokens (room for one output token).
    const keep = tokenizer ? tokenizer.maxLength - 1 : Number.MAX_SAFE_INTEGER;
    const prompts = await Promise.all(
      (body.items as Array<string | number[]>).map(async (item) => {
        const ids = typeof item === "string" ? await encode(item, false) : item;
        return (body.item_first ? [...ids, ...query] : [...query, ...ids]).slice(0, keep);
      }),
    );
    const result = await withAdmission(ctx, c, (signal) => withSlot(ctx, () => lm.nextTokenLogProbs(prompts, body.label_token_ids, { signal })));
    const prompt = result.usage.promptTokens;
    // One output token per item, as vLLM counts its max_tokens=1 generation.
    const completion = prompts.length;
    return c.json(
      {
        id: responseId(c, "generative-scoring"),
        object: "list" as const,
        created: nowSeconds(),
        model: primaryModel(ctx),
        data: result.logProbs.map((row, index) => ({ index, object: "score" as const, score: firstLabelProbability(row, body.apply_softmax) })),
        usage: { prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion },
      },
      200,
    );
  });
}

/**
 * The first label's probability: softmax over the label tokens' log-probabilities (vLLM's
 * `apply_softmax`), or its own probability over the whole vocabulary.
 */
export function firstLabelProbability(logProbs: number[], applySoftmax: boolean): number {
  const first = logProbs[0] as number;
  if (!applySoftmax) return Math.exp(first);
  const max = Math.max(...logProbs);
  const sum = logProbs.reduce((s, lp) => s + Math.exp(lp - max), 0);
  return Math.exp(first - max) / sum;
}
