import { isClassifier, type Classifier, type EmbedOptions, type EmbedResponse, type Embedder, type Scorer, type TokenEmbedder, type TokenEmbeddings, type Tokenization } from "../types.js";
import type { BatcherOptions } from "./runtime/coalesce-options.js";

/**
 * What `/tokenize` and the length checks need from a model: its limit and a tokenizer. Local
 * scorers satisfy it synchronously; the worker-thread scorer asynchronously.
 */
export interface ServerTokenizer {
  /** The longest sequence the model accepts (vLLM `max_model_len`). */
  readonly maxLength: number;
  /** Tokenizes one text. */
  tokenize(text: string, options?: { addSpecialTokens?: boolean }): Tokenization | Promise<Tokenization>;
  /** Decodes token ids (serves `/detokenize`, token-id inputs of ColBERT models). */
  detokenize?(ids: number[], options?: { skipSpecialTokens?: boolean }): string | Promise<string>;
}

/**
 * An embedder that also embeds token-id sequences exactly as given (special tokens included).
 * With one, the server renders, truncates and counts tokens itself, as vLLM does, and accepts
 * token-id inputs and any `truncate_prompt_tokens`. Local bi-encoders are one.
 */
export interface SequenceEmbedder {
  /** One vector per sequence; usage counts the sequences' tokens. */
  embedSequences(sequences: number[][], options?: EmbedOptions): Promise<EmbedResponse>;
}

/**
 * A model that gives per-token vectors of token-id sequences exactly as given. With one, `/pooling`
 * `token_embed` takes token ids, any `truncate_prompt_tokens`, and counts usage as vLLM does.
 * Local bi-encoders and ColBERT models are one.
 */
export interface SequenceTokenEmbedder {
  /** One `[tokens, dim]` matrix per sequence, one row per token; rows L2-normalized unless `normalize` is false. */
  embedTokenSequences(sequences: number[][], options?: Pick<EmbedOptions, "signal" | "normalize">): Promise<TokenEmbeddings[]>;
}

/** The `/pooling` tasks a server can run (vLLM's pooling tasks this server knows). */
export type PoolingTask = "embed" | "token_embed" | "classify" | "token_classify";

/** Options of {@link createServer}. Only `scorer` is required. */
export interface CreateServerOptions {
  /** Serves `/score` and `/rerank` (and `/v1/*`, `/v2/rerank`). */
  scorer: Scorer;
  /** Serves `/v1/embeddings` and `/pooling` task `embed`. @default the scorer, if it is an Embedder */
  embedder?: Embedder;
  /** Serves `/pooling` task `token_embed`. @default the scorer, if it is a TokenEmbedder */
  tokenEmbedder?: TokenEmbedder;
  /**
   * Serves `/classify` and `/pooling` task `classify` (a sequence classifier: local cross-encoders
   * are one). @default the scorer, if it is a Classifier
   */
  classifier?: Classifier;
  /**
   * The one pooling task `/pooling` runs (vLLM `--pooler-config '{"task": ...}'`): a bi-encoder
   * serves `embed` by default; `token_embed` switches it to per-token vectors (then `embed` on
   * `/pooling` is refused, as in vLLM). Other families have a single task.
   * @default the model's first task: embed, classify or token_embed
   */
  poolingTask?: PoolingTask;
  /** Serves `/tokenize` and the `max_model_len` checks. @default the scorer, if it has `maxLength` and `tokenize` */
  tokenizer?: ServerTokenizer;
  /** Names the `model` field may carry; the first is echoed in responses. @default scorer.model */
  servedModelName?: string | string[];
  /**
   * Require `Authorization: Bearer <apiKey>` on every route but `/health`, `/ping` and the `/docs`
   * page. An empty string is refused (it would look protected and be open). @default undefined (open)
   */
  apiKey?: string;
  /** Serve `/openapi.json` without the API key too, so a browser can open `/docs` directly. @default false */
  publicDocs?: boolean;
  /** Allowed CORS origins (`true` = any). @default false (no CORS headers) */
  cors?: boolean | string | string[];
  /** Coalesce concurrent score requests into shared calls (`false` to disable). @default true */
  batching?: boolean | BatcherOptions;
  /** Inference calls running at once. @default 1 */
  concurrency?: number;
  /**
   * Requests with a body admitted at once (reading, queued or running). Decided when the headers
   * arrive: beyond it an immediate 503 with `Retry-After`, without reading the body. @default 256
   */
  maxInFlight?: number;
  /**
   * Total body bytes of the admitted requests (their `Content-Length`, or for chunked bodies the
   * bytes received so far). A request that would go past it is answered 503 with `Retry-After`
   * before its body is read, so memory is bounded by this, not by the offered load. A single
   * request is always admitted when nothing else is in flight. @default 4 x maxBodyBytes (40 MiB)
   */
  maxInFlightBodyBytes?: number;
  /** Largest request body, in bytes; beyond it 413. @default 10485760 (10 MiB) */
  maxBodyBytes?: number;
  /** Time for a client to send the request headers, in ms (node:http `headersTimeout`). @default 10000 */
  headerTimeoutMs?: number;
  /**
   * Time for a client to send the whole request, headers and body, in ms (node:http
   * `requestTimeout`); a slow upload is answered 408 and its connection closed. Inference time
   * is not counted (see `requestTimeoutMs`). @default 30000
   */
  bodyTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept open, in ms (node:http `keepAliveTimeout`). @default 5000 */
  idleTimeoutMs?: number;
  /** Most documents (or inputs) per request. @default 1000 */
  maxDocuments?: number;
  /** Per-request time limit in ms; beyond it 504. @default 60000 */
  requestTimeoutMs?: number;
  /** How long `close()` waits for in-flight requests, in ms. @default 30000 */
  shutdownTimeoutMs?: number;
  /** Close the scorer (and embedders) in `close()`. @default false */
  closeScorer?: boolean;
  /**
   * Bi-encoder `/score` and `/rerank`: `false` scores the texts as given, the cosine of the
   * server's own `/v1/embeddings` vectors (vLLM); `true` uses the scorer's own `score()`, which
   * prepends the model's query / document prompts (sentence-transformers). @default false
   */
  scorePrompts?: boolean;
  /**
   * Whether `dimensions` is accepted (Matryoshka): `true`, or the allowed sizes. vLLM rejects
   * `dimensions` for other models. @default from the model's config.json (`is_matryoshka`,
   * `matryoshka_dimensions`), else false
   */
  matryoshka?: boolean | number[];
  /** Serve `GET /tokenizer_info` (vLLM `--enable-tokenizer-info-endpoint`). @default false */
  tokenizerInfo?: boolean;
  /**
   * Jinja chat template for chat-form `messages` input (vLLM `--chat-template`).
   * @default the tokenizer's `chat_template`, if any
   */
  chatTemplate?: string;
  /** Allow a request's own `chat_template` (vLLM `--trust-request-chat-template`). @default false */
  trustRequestChatTemplate?: boolean;
}

/** {@link CreateServerOptions} with defaults applied. @internal */
export interface ResolvedOptions {
  scorer: Scorer;
  embedder: Embedder | undefined;
  tokenEmbedder: TokenEmbedder | undefined;
  /** Per-token vectors of token ids (token_embed with token-id input, any truncation). */
  tokenSequenceEmbedder: SequenceTokenEmbedder | undefined;
  classifier: Classifier | undefined;
  /** The tasks the model supports, in vLLM's order, and the one `/pooling` runs. */
  poolingTasks: { supported: PoolingTask[]; task: PoolingTask | undefined };
  tokenizer: ServerTokenizer | undefined;
  modelNames: string[];
  apiKey: string | undefined;
  publicDocs: boolean;
  cors: boolean | string | string[];
  batching: BatcherOptions;
  concurrency: number;
  maxInFlight: number;
  maxInFlightBodyBytes: number;
  maxBodyBytes: number;
  headerTimeoutMs: number;
  bodyTimeoutMs: number;
  idleTimeoutMs: number;
  maxDocuments: number;
  requestTimeoutMs: number;
  shutdownTimeoutMs: number;
  closeScorer: boolean;
  scorePrompts: boolean;
  /** `false`, or the accepted sizes (`undefined` = any size up to the model's). */
  matryoshka: false | { dimensions: number[] | undefined };
  /** The model's architecture name (config.json `architectures[0]`), for vLLM's messages. */
  architecture: string;
  /** The model's config.json, or `{}`. */
  modelConfig: Readonly<Record<string, unknown>>;
  tokenizerInfo: boolean;
  chatTemplate: string | undefined;
  trustRequestChatTemplate: boolean;
  /** The tokenizer's tokenizer_config.json, or `{}`. */
  tokenizerConfig: Readonly<Record<string, unknown>>;
}

/** Applies defaults without touching the caller's object. @internal */
export function resolveOptions(options: CreateServerOptions): ResolvedOptions {
  const { scorer } = options;
  if (!scorer || typeof scorer.scoreWithUsage !== "function") {
    throw new TypeError("createServer: `scorer` must be a Scorer");
  }
  const names = options.servedModelName ?? scorer.model;
  const modelNames = Array.isArray(names) ? [...names] : [names];
  if (modelNames.length === 0) throw new TypeError("createServer: `servedModelName` must not be empty");
  if (options.apiKey !== undefined && (typeof options.apiKey !== "string" || options.apiKey.trim() === "")) {
    throw new TypeError("createServer: `apiKey` is empty; an empty key would leave the server open. Omit it to serve without a key.");
  }
  const maxBodyBytes = positive(options.maxBodyBytes, 10 * 1024 * 1024, "maxBodyBytes");
  const modelConfig = (scorer as { modelConfig?: Readonly<Record<string, unknown>> }).modelConfig ?? {};
  const batching =
    options.batching === false ? { enabled: false } : options.batching === true || !options.batching ? {} : { ...options.batching };
  const embedder = options.embedder ?? (isEmbedderLike(scorer) ? scorer : undefined);
  const tokenEmbedder = options.tokenEmbedder ?? (isTokenEmbedderLike(scorer) ? scorer : undefined);
  const tokenSequenceEmbedder = ([tokenEmbedder, embedder, scorer] as unknown[]).find(isSequenceTokenEmbedder);
  const classifier = options.classifier ?? (isClassifier(scorer) ? scorer : undefined);
  return {
    scorer,
    embedder,
    tokenEmbedder,
    tokenSequenceEmbedder,
    classifier,
    poolingTasks: resolvePoolingTasks({ embedder, tokenEmbedder, tokenSequenceEmbedder, classifier }, options.poolingTask),
    tokenizer: options.tokenizer ?? (isServerTokenizer(scorer) ? scorer : undefined),
    modelNames,
    apiKey: options.apiKey,
    publicDocs: options.publicDocs ?? false,
    cors: options.cors ?? false,
    batching,
    concurrency: positive(options.concurrency, 1, "concurrency"),
    maxInFlight: positive(options.maxInFlight, 256, "maxInFlight"),
    maxBodyBytes,
    maxInFlightBodyBytes: positive(options.maxInFlightBodyBytes, 4 * maxBodyBytes, "maxInFlightBodyBytes"),
    headerTimeoutMs: positive(options.headerTimeoutMs, 10_000, "headerTimeoutMs"),
    bodyTimeoutMs: positive(options.bodyTimeoutMs, 30_000, "bodyTimeoutMs"),
    idleTimeoutMs: positive(options.idleTimeoutMs, 5_000, "idleTimeoutMs"),
    maxDocuments: positive(options.maxDocuments, 1000, "maxDocuments"),
    requestTimeoutMs: positive(options.requestTimeoutMs, 60_000, "requestTimeoutMs"),
    shutdownTimeoutMs: positive(options.shutdownTimeoutMs, 30_000, "shutdownTimeoutMs"),
    closeScorer: options.closeScorer ?? false,
    scorePrompts: options.scorePrompts ?? false,
    matryoshka: resolveMatryoshka(options.matryoshka, modelConfig),
    architecture: architectureOf(modelConfig, scorer),
    modelConfig,
    tokenizerInfo: options.tokenizerInfo ?? false,
    chatTemplate: options.chatTemplate,
    trustRequestChatTemplate: options.trustRequestChatTemplate ?? false,
    tokenizerConfig: (scorer as { tokenizerConfig?: Readonly<Record<string, unknown>> }).tokenizerConfig ?? {},
  };
}

/**
 * The model's pooling tasks as vLLM lists them, and the one `/pooling` runs (vLLM's
 * `get_pooling_task` priority: embed, classify, token_embed). A classifier also lists
 * `token_classify`, as vLLM does for sequence-classification models, though a pooled ONNX head
 * cannot give per-token logits: vLLM then answers "Try switching the model's pooling_task".
 * An embedding model that can give per-token vectors lists `token_embed`; choosing it makes
 * `token_embed` the only task listed, as vLLM's `--pooler-config` does.
 * @throws {TypeError} when `choice` is not a task of this model.
 */
function resolvePoolingTasks(
  parts: { embedder: unknown; tokenEmbedder: unknown; tokenSequenceEmbedder: unknown; classifier: unknown },
  choice: PoolingTask | undefined,
): ResolvedOptions["poolingTasks"] {
  const supported: PoolingTask[] = [];
  if (parts.embedder) supported.push("embed");
  if (parts.classifier) supported.push("classify", "token_classify");
  if (parts.tokenEmbedder || (parts.embedder && parts.tokenSequenceEmbedder)) supported.push("token_embed");
  if (choice === undefined) return { supported, task: (["embed", "classify", "token_embed"] as PoolingTask[]).find((t) => supported.includes(t)) };
  const servable: PoolingTask[] = supported.filter((t) => t !== "token_classify");
  if (!servable.includes(choice)) {
    throw new TypeError(`createServer: \`poolingTask\` "${String(choice)}" is not a task of this model (it has: ${servable.join(", ") || "none"})`);
  }
  // As vLLM with --pooler-config task=token_embed: the embedding task is no longer offered.
  return { supported: choice === "token_embed" ? ["token_embed"] : supported, task: choice };
}

/** True when `x` gives per-token vectors of token-id sequences. */
export function isSequenceTokenEmbedder(x: unknown): x is SequenceTokenEmbedder {
  return typeof (x as Partial<SequenceTokenEmbedder> | undefined)?.embedTokenSequences === "function";
}

/** vLLM's `is_matryoshka` / `matryoshka_dimensions`, unless the caller decided. */
function resolveMatryoshka(
  option: boolean | number[] | undefined,
  config: Readonly<Record<string, unknown>>,
): ResolvedOptions["matryoshka"] {
  if (Array.isArray(option)) return { dimensions: [...option] };
  if (option !== undefined) return option ? { dimensions: undefined } : false;
  const dims = config["matryoshka_dimensions"];
  if (Array.isArray(dims)) return { dimensions: dims.filter((d): d is number => typeof d === "number") };
  return config["is_matryoshka"] === true ? { dimensions: undefined } : false;
}

function architectureOf(config: Readonly<Record<string, unknown>>, scorer: Scorer): string {
  const archs = config["architectures"];
  if (Array.isArray(archs) && typeof archs[0] === "string") return archs[0];
  return scorer.constructor.name;
}

/** True when `x` embeds token-id sequences as given. */
export function isSequenceEmbedder(x: unknown): x is SequenceEmbedder {
  return typeof (x as Partial<SequenceEmbedder> | undefined)?.embedSequences === "function";
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`createServer: \`${name}\` must be a positive number`);
  return value;
}

function isEmbedderLike(x: object): x is Embedder {
  return typeof (x as Partial<Embedder>).embedWithUsage === "function";
}

function isTokenEmbedderLike(x: object): x is TokenEmbedder {
  return typeof (x as Partial<TokenEmbedder>).embedTokens === "function";
}

/** True when `x` can serve `/tokenize`: a numeric `maxLength` and a `tokenize` method. */
export function isServerTokenizer(x: unknown): x is ServerTokenizer {
  const t = x as Partial<ServerTokenizer> | undefined;
  return typeof t?.tokenize === "function" && typeof t.maxLength === "number";
}
