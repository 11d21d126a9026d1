import type { Handler } from "./http-server.js";
import { sendJSON } from "./http-server.js";
import { l2normalize, refEmbedding, refLogit, refTokens, sigmoid, sortStable, toBase64 } from "./reference.js";

/** Hugging Face TEI v1.9.3 (`/rerank` bare array, no top_n; `/embed`; `{error, error_type}` errors). */
export function teiRoutes(options: { maxBatch?: number } = {}): Handler {
  const maxBatch = options.maxBatch ?? 32;
  return (req, res) => {
    if (req.method === "GET" && req.path === "/health") return void res.writeHead(200).end();
    if (req.method === "GET" && req.path === "/info") {
      return void sendJSON(res, 200, { model_id: "BAAI/bge-reranker-base", model_type: { reranker: { id2label: { "0": "LABEL_0" } } }, max_input_length: 512, max_client_batch_size: maxBatch });
    }
    const body = req.body as Record<string, unknown>;
    if (req.path === "/rerank") {
      const texts = body.texts as unknown[];
      if (!Array.isArray(texts) || texts.length === 0) {
        return void sendJSON(res, 400, { error: "`texts` cannot be empty", error_type: "Empty" });
      }
      if (texts.length > maxBatch) {
        return void sendJSON(res, 413, {
          error: `batch size ${texts.length} > maximum allowed batch size ${maxBatch}`,
          error_type: "Validation",
        });
      }
      const raw = body.raw_scores === true;
      const items = texts.map((t, index) => ({ index, score: raw ? refLogit(body.query, t) : sigmoid(refLogit(body.query, t)) }));
      return void sendJSON(res, 200, sortStable(items));
    }
    if (req.path === "/embed") {
      const inputs = Array.isArray(body.inputs) ? (body.inputs as string[]) : [body.inputs as string];
      if (inputs.length > maxBatch) {
        return void sendJSON(res, 413, { error: `batch size ${inputs.length} > maximum allowed batch size ${maxBatch}`, error_type: "Validation" });
      }
      const dims = body.dimensions as number | undefined;
      return void sendJSON(
        res,
        200,
        inputs.map((t) => {
          const v = refEmbedding(t).slice(0, dims ?? 4);
          return body.normalize === false ? v : l2normalize(v);
        }),
      );
    }
    return false;
  };
}

/** Infinity (`{prefix}/rerank`, `{prefix}/embeddings`, `{prefix}/models`, OpenAI-style errors). */
export function infinityRoutes(prefix = ""): Handler {
  return (req, res) => {
    if (req.method === "GET" && req.path === "/health") return void sendJSON(res, 200, { unix: 1761000000.5 });
    if (req.method === "GET" && req.path === `${prefix}/models`) {
      return void sendJSON(res, 200, {
        object: "list",
        data: [{ id: "mixedbread-ai/mxbai-rerank-xsmall-v1", object: "model", owned_by: "infinity", created: 1, backend: "torch", capabilities: ["rerank"] }],
      });
    }
    const body = req.body as Record<string, unknown>;
    if (req.path === `${prefix}/rerank`) {
      const docs = body.documents;
      if (!Array.isArray(docs) || typeof body.query !== "string") {
        return void sendJSON(res, 422, {
          detail: [{ type: "missing", loc: ["body", "query"], msg: "Field required", input: null }],
        });
      }
      if (body.model !== undefined && body.model !== "mixedbread-ai/mxbai-rerank-xsmall-v1" && body.model !== "default/not-specified") {
        return void sendJSON(res, 400, { error: { message: `Invalid model: ${String(body.model)}`, type: null, param: null, code: 400 } });
      }
      const raw = body.raw_scores === true;
      let results = sortStable(
        docs.map((d, index) => ({ index, score: raw ? refLogit(body.query, d) : sigmoid(refLogit(body.query, d)) })),
      ).map(({ index, score }) => ({ relevance_score: score, index, ...(body.return_documents ? { document: docs[index] } : {}) }));
      const topN = body.top_n as number | null | undefined;
      if (topN) results = results.slice(0, topN);
      const tokens = docs.reduce((s: number, d) => s + refTokens(body.query, d), 0);
      return void sendJSON(res, 200, {
        object: "rerank",
        results,
        model: "mixedbread-ai/mxbai-rerank-xsmall-v1",
        usage: { prompt_tokens: tokens, total_tokens: tokens },
        id: "infinity-0f1e",
        created: 1,
      });
    }
    if (req.path === `${prefix}/embeddings`) {
      const input = Array.isArray(body.input) ? (body.input as string[]) : [body.input as string];
      return void sendJSON(res, 200, {
        object: "list",
        data: input.map((t, index) => {
          const v = l2normalize(refEmbedding(t));
          return { object: "embedding", embedding: body.encoding_format === "base64" ? toBase64(v) : v, index };
        }),
        model: "e5",
        usage: { prompt_tokens: 3, total_tokens: 3 },
        id: "infinity-1",
        created: 1,
      });
    }
    return false;
  };
}

/** Cohere v1 `/v1/rerank` and v2 `/v2/rerank` (results without documents, `meta`). */
export function cohereRoutes(): Handler {
  return (req, res) => {
    const body = req.body as Record<string, unknown>;
    if (req.path !== "/v1/rerank" && req.path !== "/v2/rerank") return false;
    if (req.headers.authorization !== "Bearer co-key") return void sendJSON(res, 401, { message: "invalid api token" });
    if (req.path === "/v2/rerank" && typeof body.model !== "string") {
      return void sendJSON(res, 400, { message: "invalid request: model is required" });
    }
    const docs = body.documents as string[];
    let results = sortStable(docs.map((d, index) => ({ index, score: sigmoid(refLogit(body.query, d)) }))).map(
      ({ index, score }) => ({ index, relevance_score: score, ...(body.return_documents ? { document: { text: docs[index] } } : {}) }),
    );
    if (typeof body.top_n === "number") results = results.slice(0, body.top_n);
    return void sendJSON(res, 200, {
      id: "07734bd2-2473-4f07-94e1-0d9f0e6843cf",
      results,
      meta: { api_version: { version: req.path === "/v2/rerank" ? "2" : "1" }, billed_units: { search_units: 1 } },
    });
  };
}

/** Jina `/v1/rerank` (`model` required; `usage.total_tokens`; FastAPI-style errors). */
export function jinaRoutes(): Handler {
  return (req, res) => {
    if (req.path !== "/v1/rerank") return false;
    const body = req.body as Record<string, unknown>;
    if (typeof body.model !== "string") {
      return void sendJSON(res, 422, { detail: [{ loc: ["body", "model"], msg: "field required", type: "value_error.missing" }] });
    }
    const docs = body.documents as string[];
    let results = sortStable(docs.map((d, index) => ({ index, score: sigmoid(refLogit(body.query, d)) }))).map(
      ({ index, score }) => ({ index, relevance_score: score, ...(body.return_documents === false ? {} : { document: { text: docs[index] } }) }),
    );
    if (typeof body.top_n === "number") results = results.slice(0, body.top_n);
    const tokens = docs.reduce((s, d) => s + refTokens(body.query, d), 0);
    return void sendJSON(res, 200, { model: body.model, usage: { total_tokens: tokens }, results });
  };
}
