import { InvalidInputError } from "../errors/invalid-input-error.js";
import type { Usage } from "../types.js";
import { checkCallOverrides, resolveClientConfig } from "./config.js";
import { decodeEmbedding } from "./decode-embedding.js";
import { MalformedResponseError } from "./errors/malformed-response-error.js";
import type { RemoteCallOptions as BaseCallOptions, RemoteClientOptions } from "./options.js";
import { Transport } from "./transport.js";
import { arrayField, readUsage } from "./validate.js";

/** Per-call options of {@link VllmClient}: cancellation plus the remote overrides. */
export interface RemoteCallOptions extends BaseCallOptions {
  /** Cancels the call. */
  signal?: AbortSignal;
}

/** The answer of `/tokenize`. */
export interface TokenizeResult {
  /** Token ids. */
  tokens: number[];
  /** Number of tokens. */
  count: number;
  /** The server's `max_model_len`. */
  maxModelLen: number;
  /** Token strings, when asked for with `returnTokenStrs`. */
  tokenStrs: string[] | null;
}

/** One `/pooling` output: a vector (`embed`, `classify`) or a `[tokens][dim]` matrix (`token_embed`). */
export type PoolingOutput = number[] | number[][];

/** One `/classify` result. */
export interface ClassificationResult {
  /** Index of the input. */
  index: number;
  /** The most likely label. */
  label: string | null;
  /** Probability (or activated score) of each class. */
  probs: number[];
  /** Number of classes. */
  numClasses: number;
}

/** Cohere `/v2/embed` embedding types. */
export type CohereEmbeddingType = "float" | "int8" | "uint8" | "binary" | "ubinary" | "base64";

/** Options of {@link VllmClient.cohereEmbed}. */
export interface CohereEmbedOptions extends RemoteCallOptions {
  /** Cohere's `input_type` (e.g. `search_query`), or a prompt name of the model. */
  inputType?: string;
  /** Types to return. @default ["float"] */
  embeddingTypes?: CohereEmbeddingType[];
  /** Matryoshka size (`output_dimension`). */
  outputDimension?: number;
  /** How too-long texts are cut. @default "END" */
  truncate?: "NONE" | "START" | "END";
  /** Token budget per text. */
  maxTokens?: number;
}

/** The answer of `/v2/embed`: only the requested types are set. */
export interface CohereEmbedResult {
  /** Embeddings by type. */
  embeddings: Partial<Record<CohereEmbeddingType, unknown[]>>;
  /** Billed input tokens (`meta.billed_units.input_tokens`). */
  inputTokens: number;
}

/**
 * A thin typed client for the routes of vLLM (and `rerank-kit serve`) beyond scoring and
 * embeddings: `/tokenize`, `/detokenize`, `/pooling`, `/classify` and Cohere's `/v2/embed`.
 * Same connection options, retries, replicas and typed errors as {@link RemoteScorer}.
 *
 * @example
 * ```ts
 * const client = new VllmClient({ baseURL: "http://127.0.0.1:8000" });
 * const { tokens } = await client.tokenize("hello world");
 * const text = await client.detokenize(tokens);
 * ```
 */
export class VllmClient {
  /** The configured model name (`""` when the server's default is used). */
  readonly model: string;
  readonly #transport: Transport;
  readonly #model: string | undefined;

  /**
   * @param options - Connection settings; copied, never modified.
   * @throws {InvalidInputError} for an invalid `baseURL` or option.
   */
  constructor(options: RemoteClientOptions) {
    this.#transport = new Transport(resolveClientConfig(options));
    this.#model = options.model;
    this.model = options.model ?? "";
  }

  async #post(path: string, body: Record<string, unknown>, options: RemoteCallOptions): Promise<{ url: string; data: unknown }> {
    checkCallOverrides(options);
    const response = await this.#transport.request({
      method: "POST",
      path,
      body: { ...(this.#model !== undefined && { model: this.#model }), ...body },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      headers: options.headers,
      requestId: options.requestId,
    });
    return { url: response.url, data: response.data };
  }

  /**
   * `POST /tokenize` (completion form).
   * @throws {APIError} and the transport errors when the request fails.
   */
  async tokenize(
    prompt: string,
    options: RemoteCallOptions & { addSpecialTokens?: boolean; returnTokenStrs?: boolean } = {},
  ): Promise<TokenizeResult> {
    if (typeof prompt !== "string") throw new InvalidInputError("prompt must be a string", { field: "prompt" });
    const body: Record<string, unknown> = { prompt };
    if (options.addSpecialTokens !== undefined) body.add_special_tokens = options.addSpecialTokens;
    if (options.returnTokenStrs !== undefined) body.return_token_strs = options.returnTokenStrs;
    const { url, data } = await this.#post("/tokenize", body, options);
    const d = data as { tokens?: unknown; count?: unknown; max_model_len?: unknown; token_strs?: unknown } | null;
    if (!Array.isArray(d?.tokens) || !d.tokens.every((t) => Number.isInteger(t))) {
      throw new MalformedResponseError(url, "tokens is not a list of integers", { body: data });
    }
    return {
      tokens: d.tokens as number[],
      count: typeof d.count === "number" ? d.count : d.tokens.length,
      maxModelLen: typeof d.max_model_len === "number" ? d.max_model_len : 0,
      tokenStrs: Array.isArray(d.token_strs) ? (d.token_strs as string[]) : null,
    };
  }

  /** `POST /detokenize`: the text of `tokens`. */
  async detokenize(tokens: number[], options: RemoteCallOptions = {}): Promise<string> {
    if (!Array.isArray(tokens) || !tokens.every((t) => Number.isInteger(t))) {
      throw new InvalidInputError("tokens must be a list of integers", { field: "tokens" });
    }
    const { url, data } = await this.#post("/detokenize", { tokens }, options);
    const prompt = (data as { prompt?: unknown } | null)?.prompt;
    if (typeof prompt !== "string") throw new MalformedResponseError(url, "prompt is not a string", { body: data });
    return prompt;
  }

  /**
   * `POST /pooling`: one output per input (texts or token-id lists) for `task` (the model's
   * default when unset).
   */
  async pooling(
    input: string | string[] | number[] | number[][],
    options: RemoteCallOptions & { task?: string; dimensions?: number; useActivation?: boolean } = {},
  ): Promise<{ data: PoolingOutput[]; usage: Usage }> {
    const body: Record<string, unknown> = { input, encoding_format: "float" };
    if (options.task !== undefined) body.task = options.task;
    if (options.dimensions !== undefined) body.dimensions = options.dimensions;
    if (options.useActivation !== undefined) body.use_activation = options.useActivation;
    const { url, data } = await this.#post("/pooling", body, options);
    const items = arrayField(url, data, "data");
    return {
      data: items.map((item, i) => {
        const d = (item as { data?: unknown } | null)?.data;
        if (!Array.isArray(d)) throw new MalformedResponseError(url, `data[${i}].data is not a list`, { body: data });
        return d as PoolingOutput;
      }),
      usage: readUsage(data),
    };
  }

  /**
   * `POST /classify`: labels and class probabilities per input (text, texts, token ids or lists of
   * token ids, as vLLM accepts). `useActivation: false` returns raw logits in `probs`;
   * `truncatePromptTokens` keeps that many tokens of each prompt (-1 = the model's limit).
   */
  async classify(
    input: string | string[] | number[] | number[][],
    options: RemoteCallOptions & { useActivation?: boolean; truncatePromptTokens?: number } = {},
  ): Promise<{ data: ClassificationResult[]; usage: Usage }> {
    const body: Record<string, unknown> = { input };
    if (options.useActivation !== undefined) body.use_activation = options.useActivation;
    if (options.truncatePromptTokens !== undefined) body.truncate_prompt_tokens = options.truncatePromptTokens;
    const { url, data } = await this.#post("/classify", body, options);
    const items = arrayField(url, data, "data");
    return {
      data: items.map((item, i) => {
        const r = item as { index?: unknown; label?: unknown; probs?: unknown; num_classes?: unknown } | null;
        if (!Array.isArray(r?.probs)) throw new MalformedResponseError(url, `data[${i}].probs is not a list`, { body: data });
        return {
          index: typeof r.index === "number" ? r.index : i,
          label: typeof r.label === "string" ? r.label : null,
          probs: r.probs as number[],
          numClasses: typeof r.num_classes === "number" ? r.num_classes : r.probs.length,
        };
      }),
      usage: readUsage(data),
    };
  }

  /**
   * Cohere `POST /v2/embed`. `float` and `base64` are returned as `Float32Array`s; the packed and
   * quantized types as the integer lists the server sent.
   * @throws {InvalidInputError} when no `model` is configured (Cohere requires it).
   */
  async cohereEmbed(texts: string[], options: CohereEmbedOptions = {}): Promise<CohereEmbedResult> {
    if (this.#model === undefined) throw new InvalidInputError("/v2/embed needs `model`", { field: "model" });
    const body: Record<string, unknown> = { texts, embedding_types: options.embeddingTypes ?? ["float"] };
    if (options.inputType !== undefined) body.input_type = options.inputType;
    if (options.outputDimension !== undefined) body.output_dimension = options.outputDimension;
    if (options.truncate !== undefined) body.truncate = options.truncate;
    if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
    const { url, data } = await this.#post("/v2/embed", body, options);
    const raw = (data as { embeddings?: Record<string, unknown> } | null)?.embeddings;
    if (!raw || typeof raw !== "object") throw new MalformedResponseError(url, "embeddings is missing", { body: data });
    const embeddings: CohereEmbedResult["embeddings"] = {};
    for (const [type, rows] of Object.entries(raw)) {
      if (!Array.isArray(rows)) throw new MalformedResponseError(url, `embeddings.${type} is not a list`, { body: data });
      embeddings[type as CohereEmbeddingType] =
        type === "float" || type === "base64" ? rows.map((row, i) => decodeEmbedding(url, data, row, `embeddings.${type}[${i}]`)) : rows;
    }
    const tokens = (data as { meta?: { billed_units?: { input_tokens?: unknown } } }).meta?.billed_units?.input_tokens;
    return { embeddings, inputTokens: typeof tokens === "number" ? tokens : 0 };
  }
}
