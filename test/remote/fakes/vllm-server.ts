import type { ServerResponse } from "node:http";
import { type Handler, sendJSON } from "./http-server.js";
import { l2normalize, refEmbedding, refLogit, refTokens, sigmoid, sortStable, toBase64, textOf, words } from "./reference.js";

/** Settings of the fake vLLM server (request, response and error schemas of vLLM's score API). */
export interface VllmFakeOptions {
  model?: string;
  /** With an API key, only `/v1/*` and `/v2/*` are protected (as in vLLM). */
  apiKey?: string;
  /** False: the model cannot score; `/score` and `/rerank` are not registered. */
  scoring?: boolean;
  /** Pre-0.10.1 flat error envelope. */
  flatErrors?: boolean;
  maxModelLen?: number;
}

const SCORE_FIELDS: [string, string][] = [
  ["queries", "documents"],
  ["queries", "items"],
  ["data_1", "data_2"],
  ["text_1", "text_2"],
];

export function vllmError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  param: string | null = null,
  flat = false,
): void {
  const info = { message, type, param, code: status };
  sendJSON(res, status, flat ? { object: "error", ...info } : { error: info });
}

/** The fake vLLM's routes. */
export function vllmRoutes(options: VllmFakeOptions = {}): Handler {
  const served = options.model ?? "BAAI/bge-reranker-v2-m3";
  const flat = options.flatErrors ?? false;
  const maxLen = options.maxModelLen ?? 512;
  const fail = (res: ServerResponse, status: number, type: string, message: string, param: string | null = null) =>
    vllmError(res, status, type, message, param, flat);

  return (req, res) => {
    const path = req.path;
    if (options.apiKey && /^\/v[12]\//.test(path) && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendJSON(res, 401, { error: "Unauthorized" });
      return;
    }
    if (req.method === "GET" && path === "/health") {
      res.writeHead(200).end();
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      sendJSON(res, 200, {
        object: "list",
        data: [{ id: served, object: "model", created: 1, owned_by: "vllm", root: served, parent: null, max_model_len: maxLen }],
      });
      return;
    }
    if (req.method !== "POST") return false;
    const scoringRoute = ["/score", "/v1/score", "/rerank", "/v1/rerank", "/v2/rerank"].includes(path);
    if (scoringRoute && options.scoring === false) {
      sendJSON(res, 404, { detail: "Not Found" });
      return;
    }
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
      fail(res, 400, "Bad Request", "1 validation error:\n  Unsupported Media Type: Only 'application/json' is allowed");
      return;
    }
    const body = req.body as Record<string, unknown>;
    if (body.model !== undefined && body.model !== null && body.model !== served) {
      fail(res, 404, "NotFoundError", `The model \`${String(body.model)}\` does not exist.`);
      return;
    }
    for (const key of ["max_tokens_per_doc", "max_tokens_per_query"]) {
      const v = body[key];
      if (typeof v === "number" && v < 0) return void fail(res, 400, "BadRequestError", `${key} must be a non-negative integer`);
    }
    if (typeof body.truncate_prompt_tokens === "number" && body.truncate_prompt_tokens > maxLen) {
      fail(res, 400, "BadRequestError", "truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.");
      return;
    }
    if (typeof body.top_n === "number" && body.top_n < 0) {
      fail(res, 400, "Bad Request", "1 validation error:\n  Input should be greater than or equal to 0", "body.top_n");
      return;
    }
    const id = `score-${String(req.headers["x-request-id"] ?? "8f3a4c1e9a1f2b3c")}`;
    const score = (q: unknown, d: unknown) => (body.use_activation === false ? refLogit(q, d) : sigmoid(refLogit(q, d)));
    if (path === "/score" || path === "/v1/score") {
      const pair = SCORE_FIELDS.find(([a, b]) => a in body && b in body);
      if (!pair) return void fail(res, 400, "Bad Request", "1 validation error:\n  Field required", "body.queries");
      const q = listOf(body[pair[0]]);
      const d = listOf(body[pair[1]]);
      if (q.length === 0) return void fail(res, 400, "BadRequestError", "At least one text element must be given");
      if (d.length === 0) return void fail(res, 400, "BadRequestError", "At least one text_pair element must be given");
      if (q.length !== 1 && q.length !== d.length) {
        return void fail(res, 400, "BadRequestError", "Input lengths must be either 1:1, 1:N or N:N");
      }
      const pairs = d.map((doc, i) => [q.length === 1 ? q[0] : q[i], doc] as const);
      const longest = Math.max(...pairs.map(([a, b]) => refTokens(a, b)));
      if (longest > maxLen && body.truncate_prompt_tokens === undefined) {
        return void fail(
          res,
          400,
          "BadRequestError",
          `This model's maximum context length is ${maxLen} tokens. However, you requested 0 output tokens and your prompt contains at least ${longest} input tokens, for a total of at least ${longest} tokens. Please reduce the length of the input prompt or the number of requested output tokens.`,
          "input_tokens",
        );
      }
      const tokens = pairs.reduce((s, [a, b]) => s + refTokens(a, b), 0);
      sendJSON(res, 200, {
        id,
        object: "list",
        created: 1761000000,
        model: served,
        data: pairs.map(([a, b], index) => ({ index, object: "score", score: score(a, b) })),
        usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null },
      });
      return;
    }
    if (path === "/rerank" || path === "/v1/rerank" || path === "/v2/rerank") {
      if (Array.isArray(body.query)) return void fail(res, 400, "Bad Request", "1 validation error", "body.query");
      const docs = listOf(body.documents);
      if (docs.length === 0) return void fail(res, 400, "BadRequestError", "At least one text_pair element must be given");
      const tokens = docs.reduce((s: number, d) => s + refTokens(body.query, d), 0);
      let results = sortStable(
        docs.map((d, index) => ({
          index,
          document: typeof d === "string" ? { text: d, multi_modal: null } : { text: null, multi_modal: (d as { content: unknown }).content },
          relevance_score: score(body.query, d),
          score: score(body.query, d),
        })),
      ).map(({ score: _s, ...r }) => r);
      const topN = typeof body.top_n === "number" ? body.top_n : 0;
      if (topN > 0 && topN < results.length) results = results.slice(0, topN);
      sendJSON(res, 200, { id, model: served, usage: { prompt_tokens: tokens, total_tokens: tokens }, results });
      return;
    }
    if (path === "/v1/embeddings") {
      const input = listOf(body.input) as string[];
      if (input.length === 0) return void fail(res, 400, "BadRequestError", "You must pass at least one prompt");
      if ("normalize" in body) return void fail(res, 400, "BadRequestError", "normalize was removed; use use_activation", "normalize");
      const dims = body.dimensions as number | undefined;
      if (dims !== undefined && (dims < 1 || dims > 4)) return void fail(res, 400, "BadRequestError", "dimensions out of range");
      const tokens = input.reduce((s, t) => s + words(textOf(t)).length + 2, 0);
      sendJSON(res, 200, {
        id: "embd-1",
        object: "list",
        created: 1,
        model: served,
        data: input.map((t, index) => {
          let v = refEmbedding(t).slice(0, dims ?? 4);
          if (body.use_activation !== false) v = l2normalize(v);
          return { index, object: "embedding", embedding: body.encoding_format === "base64" ? toBase64(v) : v };
        }),
        usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0, prompt_tokens_details: null },
      });
      return;
    }
    return false;
  };
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}
