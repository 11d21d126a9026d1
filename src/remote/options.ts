import type { EmbedOptions, RerankOptions, ScoreOptions, ScoreType } from "../types.js";
import type { Sleep } from "./delay.js";
import type { PromptTemplate, PromptTemplateName } from "./prompt-templates.js";

/** Wire formats the remote scorer speaks. */
export type ScoreDialect = "vllm" | "cohere" | "cohere-v2" | "jina" | "tei" | "infinity";

/** Wire formats the remote embedder speaks. */
export type EmbedDialect = "vllm" | "openai" | "tei" | "infinity" | "cohere";

/** Connection settings shared by {@link RemoteScorer} and {@link RemoteEmbedder}. */
export interface RemoteClientOptions {
  /**
   * Server base URL, or several replicas (requests are spread round-robin; a failing replica is
   * skipped for `replicaCooldownMs`). A trailing `/v1` is accepted: vLLM's root routes (`/score`,
   * `/rerank`, `/health`) are reached without it, `/v1/...` routes with it. For Infinity the URL
   * includes its `url_prefix`, if any.
   */
  baseURL: string | string[];
  /** Model name sent in the body (`model`). Optional for vLLM, TEI and Infinity; Cohere v2 and Jina require it. */
  model?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. vLLM checks it only on `/v1/*` routes. */
  apiKey?: string;
  /** Extra headers on every request. Copied, never modified. */
  headers?: Record<string, string>;
  /** Time limit of each attempt, in ms (a retry gets a fresh one). @default 60000 */
  timeoutMs?: number;
  /**
   * Retries after the first attempt on connection errors, timeouts, 408, 409, 429 and 5xx. The
   * score, rerank and embedding POSTs are read-only, so they are safe to retry. @default 2
   */
  maxRetries?: number;
  /** Most requests in flight at once from this client (a p-limit queue). @default 4 */
  maxConcurrency?: number;
  /** How long a replica that failed is skipped, in ms. @default 10000 */
  replicaCooldownMs?: number;
  /**
   * Largest response body read, in bytes, counted after decompression: a larger 2xx body is a
   * `MalformedResponseError`, a larger error body is cut. @default 67108864 (64 MiB)
   */
  maxResponseBytes?: number;
  /** A `fetch` implementation (tests, proxies, undici agents). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** The abortable wait used between retries; tests inject a fast one. */
  sleep?: Sleep;
}

/** Options of {@link RemoteScorer}. */
export interface RemoteScorerOptions extends RemoteClientOptions {
  /** The server's wire format. @default "vllm" */
  dialect?: ScoreDialect;
  /**
   * vLLM only: the route `rerank()` uses. `"score"` (the default) asks `/score` for scores in pair
   * order and ranks on the client: `/rerank` always echoes every document back, so `/score`
   * answers are smaller, and chunks merge by position. `"rerank"` uses `/rerank` with `top_n`.
   * `score()` always uses `/score`. @default "score"
   */
  endpoint?: "score" | "rerank";
  /** What the served model computes (informational; the server decides). @default "cross-encoder" */
  scoreType?: ScoreType;
  /**
   * Most documents (pairs) per request; longer lists are split and sent concurrently.
   * @default 256 for vLLM, Jina and Infinity, 1000 for Cohere, 32 for TEI (its default `max_client_batch_size`)
   */
  maxDocumentsPerRequest?: number;
  /**
   * vLLM only: the body field names for `/score`. `text_1`/`text_2` is the one pair every vLLM
   * version accepts; newer servers also take `queries`/`documents`, `queries`/`items`, `data_1`/`data_2`.
   * @default ["text_1", "text_2"]
   */
  scoreFieldNames?: readonly [string, string];
  /**
   * vLLM only, opt-in: build an LLM reranker's prompt on the client, for servers started
   * without a score template (`--chat-template`). Without either, vLLM joins query and
   * document with no separator and scores are silently poor. Text inputs only.
   */
  promptTemplate?: PromptTemplate | PromptTemplateName;
}

/** Remote-only extras accepted per call by {@link RemoteScorer}. */
export interface RemoteCallOptions {
  /** vLLM `priority` (lower runs earlier; needs priority scheduling on the server). */
  priority?: number;
  /** vLLM `cache_salt` (1-1024 characters). */
  cacheSalt?: string;
  /** vLLM `chat_template_kwargs`, passed to the server's score template. */
  chatTemplateKwargs?: Record<string, unknown>;
  /** Sent as `X-Request-Id` (suffixed `-<chunk>` when the call is split). */
  requestId?: string;
  /** Overrides the client's per-attempt timeout for this call, in ms. */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

/** {@link ScoreOptions} plus the remote-only extras. */
export interface RemoteScoreOptions extends ScoreOptions, RemoteCallOptions {}

/** {@link RerankOptions} plus the remote-only extras. */
export interface RemoteRerankOptions extends RerankOptions, RemoteCallOptions {}

/** Options of {@link RemoteEmbedder}. */
export interface RemoteEmbedderOptions extends RemoteClientOptions {
  /**
   * The server's wire format: `vllm` (`/v1/embeddings` plus vLLM's `use_activation` and
   * `truncate_prompt_tokens`), `openai` (plain `/v1/embeddings`), `tei` (`/embed`),
   * `infinity` (`{baseURL}/embeddings`), `cohere` (Cohere's `/v2/embed`, also served by vLLM and
   * rerank-kit; `kind` becomes `input_type` search_query / search_document). @default "vllm"
   */
  dialect?: EmbedDialect;
  /**
   * Prepended to texts embedded with `kind: "query"`: `"query: "` for E5,
   * `"Instruct: <task>\nQuery:"` for Qwen3-Embedding. vLLM's and OpenAI's `/v1/embeddings`, TEI
   * `/embed` and Infinity have no field that marks a text as a query, so on those dialects
   * `kind: "query"` throws an `InvalidOptionError` until this is set (`""` for a model whose
   * queries need no prompt); the cohere dialect sends `input_type: "search_query"` instead.
   * @default undefined
   */
  queryPrefix?: string;
  /** Prepended to texts embedded with `kind: "document"` (e.g. `"passage: "` for E5). @default "" */
  documentPrefix?: string;
  /**
   * Ask OpenAI-style servers for base64 float32 vectors (smaller and faster to parse); float
   * arrays are decoded as well, whatever was asked. Ignored by TEI `/embed`. @default "base64"
   */
  encodingFormat?: "float" | "base64";
  /** Most texts per request. @default 128 (32 for TEI) */
  maxTextsPerRequest?: number;
}

/** {@link EmbedOptions} plus the remote-only extras. */
export interface RemoteEmbedOptions extends EmbedOptions, RemoteCallOptions {}
