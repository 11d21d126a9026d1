import type { ScoreInput } from "../../types.js";
import type { RemoteRerankOptions, RemoteScoreOptions } from "../options.js";
import { arrayField, indexedScores, readUsage } from "../validate.js";
import type { ParsedScores, RerankCall, RerankDialect } from "./types.js";

/**
 * vLLM's per-call fields (`use_activation`, `max_tokens_per_doc`, ...), only those the caller set,
 * so older servers see nothing new unless asked.
 */
export function vllmExtras(options: RemoteScoreOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (options.activation !== undefined) out.use_activation = options.activation;
  if (options.maxTokensPerDoc) out.max_tokens_per_doc = options.maxTokensPerDoc;
  if (options.maxTokensPerQuery) out.max_tokens_per_query = options.maxTokensPerQuery;
  if (options.truncatePromptTokens !== undefined) out.truncate_prompt_tokens = options.truncatePromptTokens;
  // vLLM truncates only when asked: `truncate: true` asks for the model's limit (-1).
  else if (options.truncate === true) out.truncate_prompt_tokens = -1;
  if (options.truncationSide !== undefined) out.truncation_side = options.truncationSide;
  if (options.instruction !== undefined) out.instruction = options.instruction;
  if (options.priority !== undefined) out.priority = options.priority;
  if (options.cacheSalt !== undefined) out.cache_salt = options.cacheSalt;
  if (options.chatTemplateKwargs !== undefined) out.chat_template_kwargs = { ...options.chatTemplateKwargs };
  return out;
}

/**
 * The body of one vLLM `/score` request: one query (1:N) or a list zipped with the documents (N:N).
 *
 * @param fields - Body field names, e.g. `["text_1", "text_2"]`.
 */
export function vllmScoreBody(
  model: string | undefined,
  fields: readonly [string, string],
  queries: ScoreInput | ScoreInput[],
  documents: ScoreInput[],
  options: RemoteScoreOptions,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (model !== undefined) body.model = model;
  body[fields[0]] = queries;
  body[fields[1]] = documents;
  return Object.assign(body, vllmExtras(options));
}

/** Validates and reads a vLLM `/score` answer: `data[].{index, score}` for exactly `n` pairs. */
export function parseVllmScore(url: string, body: unknown, n: number): ParsedScores {
  const data = arrayField(url, body, "data");
  const scores = indexedScores(url, body, data, { n, expectedCount: n, scoreKey: "score", field: "data" });
  return { scores, usage: readUsage(body) };
}

/** vLLM `/rerank` (also what `/v1/rerank` and `/v2/rerank` answer). */
export const vllmDialect: RerankDialect = {
  name: "vllm",
  rerankPath: "/rerank",
  fromRoot: true,
  serverTopN: true,
  multiModal: true,
  defaultMaxDocuments: 256,
  checkOptions: () => undefined,
  rerankBody(call: RerankCall) {
    const body: Record<string, unknown> = {};
    if (call.model !== undefined) body.model = call.model;
    body.query = call.query;
    body.documents = call.documents;
    if (call.topN) body.top_n = call.topN;
    return Object.assign(body, vllmExtras(call.options as RemoteRerankOptions));
  },
  parseRerank: parseRelevanceResults,
};

/** Reads `results[].{index, relevance_score}` (vLLM, Cohere, Jina, Infinity). */
export function parseRelevanceResults(url: string, body: unknown, n: number, expectedCount: number): ParsedScores {
  const results = arrayField(url, body, "results");
  const scores = indexedScores(url, body, results, {
    n,
    expectedCount,
    scoreKey: "relevance_score",
    field: "results",
  });
  return { scores, usage: readUsage(body) };
}
