import type { RerankCall, RerankDialect } from "./types.js";
import { rejectUnsupported } from "./unsupported.js";
import { parseRelevanceResults } from "./vllm.js";
import { arrayBody, indexedScores } from "../validate.js";

function base(call: RerankCall, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (call.model !== undefined) body.model = call.model;
  body.query = call.query;
  body.documents = call.documents;
  if (call.topN) body.top_n = call.topN;
  return Object.assign(body, extra);
}

/** Cohere v1 `/v1/rerank` (`documents` as strings; `return_documents: false`). */
export const cohereDialect: RerankDialect = {
  name: "cohere",
  rerankPath: "/v1/rerank",
  fromRoot: true,
  serverTopN: true,
  multiModal: false,
  defaultMaxDocuments: 1000,
  checkOptions: (options) => rejectUnsupported("cohere", options, []),
  rerankBody: (call) => base(call, { return_documents: false }),
  parseRerank: parseRelevanceResults,
};

/** Cohere v2 `/v2/rerank` (`model` required; `max_tokens_per_doc`, `priority`). */
export const cohereV2Dialect: RerankDialect = {
  name: "cohere-v2",
  rerankPath: "/v2/rerank",
  fromRoot: true,
  serverTopN: true,
  multiModal: false,
  defaultMaxDocuments: 1000,
  checkOptions: (options) => rejectUnsupported("cohere-v2", options, ["maxTokensPerDoc", "priority"]),
  rerankBody: (call) => {
    const extra: Record<string, unknown> = {};
    if (call.options.maxTokensPerDoc) extra.max_tokens_per_doc = call.options.maxTokensPerDoc;
    if (call.options.priority !== undefined) extra.priority = call.options.priority;
    return base(call, extra);
  },
  parseRerank: parseRelevanceResults,
};

/** Jina `/v1/rerank` (`model` required; `return_documents: false`). */
export const jinaDialect: RerankDialect = {
  name: "jina",
  rerankPath: "/v1/rerank",
  fromRoot: true,
  serverTopN: true,
  multiModal: false,
  defaultMaxDocuments: 256,
  checkOptions: (options) => rejectUnsupported("jina", options, []),
  rerankBody: (call) => base(call, { return_documents: false }),
  parseRerank: parseRelevanceResults,
};

/** Infinity `{baseURL}/rerank` (the base URL carries Infinity's `url_prefix`, if any). */
export const infinityDialect: RerankDialect = {
  name: "infinity",
  rerankPath: "/rerank",
  fromRoot: false,
  serverTopN: true,
  multiModal: false,
  defaultMaxDocuments: 256,
  checkOptions: (options) => rejectUnsupported("infinity", options, ["activation"]),
  rerankBody: (call) =>
    base(call, { return_documents: false, ...(call.options.activation === false ? { raw_scores: true } : {}) }),
  parseRerank: parseRelevanceResults,
};

/**
 * Hugging Face TEI `/rerank`: `texts` instead of `documents`, no `top_n` (cut on the client),
 * a bare array `[{index, score}]` as the answer.
 */
export const teiDialect: RerankDialect = {
  name: "tei",
  rerankPath: "/rerank",
  fromRoot: false,
  serverTopN: false,
  multiModal: false,
  defaultMaxDocuments: 32,
  checkOptions: (options) => rejectUnsupported("tei", options, ["activation", "truncationSide"]),
  rerankBody: (call) => {
    const body: Record<string, unknown> = { query: call.query, texts: call.documents };
    if (call.options.activation === false) body.raw_scores = true;
    if (call.options.truncate !== undefined) body.truncate = call.options.truncate;
    if (call.options.truncationSide !== undefined) body.truncation_direction = call.options.truncationSide;
    return body;
  },
  parseRerank: (url, body, n) => {
    const items = arrayBody(url, body);
    return {
      scores: indexedScores(url, body, items, { n, expectedCount: n, scoreKey: "score", field: "results" }),
      usage: { promptTokens: 0, totalTokens: 0 },
    };
  },
};
