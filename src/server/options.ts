import { has } from "../contracts/capabilities.js";
import type { Classifier } from "../contracts/classifier.js";
import type { Embedder } from "../contracts/embedder.js";
import type { Scorer } from "../contracts/scorer.js";
import type { TokenEmbedder } from "../contracts/token-embedder.js";
import type { Tokenizer } from "../contracts/tokenizer.js";
import { InvalidOptionError } from "../errors/invalid-option-error.js";
import { validateOptions, type OptionRule } from "../options/check-options.js";
import { architectureOf, resolveMatryoshka, wireModel, type ModelWiring, type PoolingTask } from "./model-wiring.js";
import type { BatcherOptions } from "./runtime/coalesce-options.js";
import { MediaPolicy, type MediaOptions } from "./media/index.js";
import { resolveRequestLog, type RequestLogFormat, type RequestLogOptions, type ResolvedRequestLog } from "./http/request-log.js";

export type { PoolingTask } from "./model-wiring.js";

/**
 * Options of {@link createServer}. Only `scorer` is required. The {@link MediaOptions} decide which
 * image URLs a model that decodes images (CLIP, SigLIP) reads: `data:` only, by default.
 */
export interface CreateServerOptions extends MediaOptions {
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
  tokenizer?: Tokenizer;
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
  /**
   * Largest answer a `/pooling` token_embed request may produce, in bytes, estimated before the
   * model runs (tokens x dim x 20 bytes per float as JSON, 4 with `encoding_format` bytes); beyond
   * it 413 `ContentTooLargeError`. Per-token outputs are large: 1000 documents of 180 tokens x 128
   * dims are about 460 MB of JSON. @default 536870912 (512 MiB)
   */
  maxResponseBytes?: number;
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
  /**
   * Request logging, one line per request (method, path, status, duration in ms, model, prompt
   * tokens): `"text"`, `"json"`, or `"off"`, which still writes 5xx answers (as text, with the
   * error message). An object also takes `write`, the sink for each line.
   * @default "off" (5xx answers only), written to stderr
   */
  requestLog?: RequestLogFormat | RequestLogOptions;
}

/** {@link CreateServerOptions} with defaults applied. @internal */
export interface ResolvedOptions extends ModelWiring {
  scorer: Scorer;
  modelNames: string[];
  apiKey: string | undefined;
  publicDocs: boolean;
  cors: boolean | string | string[];
  batching: BatcherOptions;
  concurrency: number;
  maxInFlight: number;
  maxInFlightBodyBytes: number;
  maxBodyBytes: number;
  maxResponseBytes: number;
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
  requestLog: ResolvedRequestLog;
  /** The tokenizer's tokenizer_config.json, or `{}`. */
  tokenizerConfig: Readonly<Record<string, unknown>>;
  /** The gate image URLs in requests pass. */
  media: MediaPolicy;
  maxMediaBytes: number;
  mediaFetchTimeoutMs: number;
}

const positiveNumber = { kind: "any", note: "a positive number" } as const;

/**
 * What each `createServer` option accepts, so a misspelled option is refused with a near miss
 * (`maxBodySize` -> `maxBodyBytes`) instead of being ignored. Values the kinds cannot describe
 * (parts, positive numbers) are checked where they are read, with their own messages.
 */
const SERVER_OPTION_RULES = {
  scorer: { kind: "any", note: "a Scorer" },
  embedder: { kind: "object" },
  tokenEmbedder: { kind: "object" },
  classifier: { kind: "object" },
  poolingTask: { kind: "enum", values: ["embed", "token_embed", "classify", "token_classify"] },
  tokenizer: { kind: "object" },
  servedModelName: { kind: "any", note: "a name or a list of names" },
  apiKey: { kind: "any", note: "a non-empty string" },
  publicDocs: { kind: "boolean" },
  cors: { kind: "any", note: "true, false, an origin or a list of origins" },
  batching: { kind: "any", note: "true, false or { maxWaitMs, maxBatchPairs }" },
  concurrency: positiveNumber,
  maxInFlight: positiveNumber,
  maxInFlightBodyBytes: positiveNumber,
  maxBodyBytes: positiveNumber,
  maxResponseBytes: positiveNumber,
  headerTimeoutMs: positiveNumber,
  bodyTimeoutMs: positiveNumber,
  idleTimeoutMs: positiveNumber,
  maxDocuments: positiveNumber,
  requestTimeoutMs: positiveNumber,
  shutdownTimeoutMs: positiveNumber,
  closeScorer: { kind: "boolean" },
  scorePrompts: { kind: "boolean" },
  matryoshka: { kind: "any", note: "true, false or a list of sizes" },
  tokenizerInfo: { kind: "boolean" },
  chatTemplate: { kind: "string" },
  trustRequestChatTemplate: { kind: "boolean" },
  allowedMediaDomains: { kind: "any", note: "a list of host names" },
  allowedLocalMediaPath: { kind: "string" },
  maxMediaBytes: positiveNumber,
  mediaFetchTimeoutMs: positiveNumber,
  allowPrivateMediaAddresses: { kind: "boolean" },
  requestLog: { kind: "any", note: '"off", "text", "json" or { format, write }' },
} as const satisfies Record<keyof CreateServerOptions, OptionRule>;

/** Applies defaults without touching the caller's object. @internal */
export function resolveOptions(options: CreateServerOptions): ResolvedOptions {
  validateOptions(options, SERVER_OPTION_RULES, { where: "createServer" });
  const { scorer } = options;
  if (!has(scorer, "score")) fail("scorer", "a Scorer", "createServer: `scorer` must be a Scorer");
  const names = options.servedModelName ?? scorer.model;
  const modelNames = Array.isArray(names) ? [...names] : [names];
  if (modelNames.length === 0) fail("servedModelName", "a name or a non-empty list", "createServer: `servedModelName` must not be empty");
  if (options.apiKey !== undefined && (typeof options.apiKey !== "string" || options.apiKey.trim() === "")) {
    fail("apiKey", "a non-empty string", "createServer: `apiKey` is empty; an empty key would leave the server open. Omit it to serve without a key.");
  }
  const maxBodyBytes = positive(options.maxBodyBytes, 10 * 1024 * 1024, "maxBodyBytes");
  const model = wireModel(options);
  const media = new MediaPolicy(options);
  const modelConfig = model.metadata.modelConfig;
  const batching =
    options.batching === false ? { enabled: false } : options.batching === true || !options.batching ? {} : { ...options.batching };
  return {
    ...model,
    scorer,
    modelNames,
    apiKey: options.apiKey,
    publicDocs: options.publicDocs ?? false,
    cors: options.cors ?? false,
    batching,
    concurrency: positive(options.concurrency, 1, "concurrency"),
    maxInFlight: positive(options.maxInFlight, 256, "maxInFlight"),
    maxBodyBytes,
    maxResponseBytes: positive(options.maxResponseBytes, 512 * 1024 * 1024, "maxResponseBytes"),
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
    requestLog: requestLogOf(options.requestLog),
    tokenizerConfig: model.metadata.tokenizerConfig,
    media,
    maxMediaBytes: media.config.maxBytes,
    mediaFetchTimeoutMs: media.config.timeoutMs,
  };
}

/** @throws {InvalidOptionError} for a format other than off, text or json. */
function requestLogOf(option: CreateServerOptions["requestLog"]): ResolvedRequestLog {
  try {
    return resolveRequestLog(option);
  } catch (error) {
    return fail("requestLog", '"off", "text", "json" or { format, write }', `createServer: \`requestLog\`: ${(error as Error).message}`);
  }
}

/** @throws {InvalidOptionError} naming `option` and what it accepts. */
function fail(option: string, allowed: string, message: string): never {
  throw new InvalidOptionError(message, { option, allowed });
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) fail(name, "a positive number", `createServer: \`${name}\` must be a positive number`);
  return value;
}
