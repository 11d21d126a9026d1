import { setMaxListeners } from "node:events";
import pLimit, { type LimitFunction } from "p-limit";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { RerankKitError } from "../errors/rerank-kit-error.js";
import { assertTexts } from "../scoring/pairing.js";
import type { EmbedResponse, Embedder } from "../types.js";
import { InvalidOptionError } from "../errors/invalid-option-error.js";
import { validateRemoteEmbedOptions } from "./call-option-rules.js";
import { checkCallOverrides, resolveClientConfig } from "./config.js";
import { checkHealth, fetchModels, modelsRoute, type HealthStatus, type ModelInfo } from "./discovery.js";
import { embedDialects, type EmbedDialectSpec } from "./embed-dialects.js";
import { REMOTE_EMBEDDER_RULES } from "./option-rules.js";
import type { EmbedDialect, RemoteEmbedderOptions, RemoteEmbedOptions } from "./options.js";
import { imageUrl, type ImageSource } from "./image-items.js";
import { runChunks } from "./run-chunks.js";
import { Transport } from "./transport.js";
import { addUsage } from "./validate.js";

/**
 * An {@link Embedder} backed by an embeddings server: vLLM or any OpenAI-compatible
 * `/v1/embeddings` (float or base64), Hugging Face TEI `/embed`, or Infinity `/embeddings`.
 * Query and document prefixes are added on the client. Long lists are split into requests of
 * `maxTextsPerRequest`, sent concurrently; if any request finally fails, the call rejects.
 *
 * `embed([])` resolves to `[]` without a request.
 *
 * @example
 * ```ts
 * const embedder = new RemoteEmbedder({ baseURL: "http://127.0.0.1:8000/v1", model: "intfloat/e5-small-v2",
 *   queryPrefix: "query: ", documentPrefix: "passage: " });
 * const [q] = await embedder.embed(["capital of France?"], { kind: "query" });
 * ```
 */
export class RemoteEmbedder implements Embedder {
  /** The configured model name (`""` when the server's default is used). */
  readonly model: string;
  /** The server's wire format. */
  readonly dialect: EmbedDialect;
  readonly #options: RemoteEmbedderOptions;
  readonly #spec: EmbedDialectSpec;
  readonly #transport: Transport;
  readonly #limit: LimitFunction;
  readonly #maxTexts: number;
  readonly #closed = new AbortController();

  /**
   * @param options - Connection and dialect settings; copied, never modified.
   * @throws {InvalidInputError} for an invalid `baseURL`, unknown dialect or invalid option.
   */
  constructor(options: RemoteEmbedderOptions) {
    const config = resolveClientConfig(options, REMOTE_EMBEDDER_RULES, "RemoteEmbedder");
    const dialect = options.dialect ?? "vllm";
    if (!Object.hasOwn(embedDialects, dialect)) {
      throw new InvalidInputError(`Unknown embeddings dialect "${String(dialect)}"`, { field: "dialect" });
    }
    this.#options = { ...options };
    this.dialect = dialect;
    this.model = options.model ?? "";
    this.#spec = embedDialects[dialect];
    this.#maxTexts = options.maxTextsPerRequest ?? this.#spec.defaultMaxTexts;
    this.#transport = new Transport(config);
    this.#limit = pLimit(config.maxConcurrency);
    // Every request in flight listens on the close signal; they remove their listeners when done.
    setMaxListeners(0, this.#closed.signal);
  }

  /** A new embedder with these options changed (this one is left as it is). */
  withOptions(overrides: Partial<RemoteEmbedderOptions>): RemoteEmbedder {
    return new RemoteEmbedder({ ...this.#options, ...overrides });
  }

  /** One vector per text, in input order. See {@link RemoteEmbedder.embedWithUsage}. */
  async embed(texts: string[], options?: RemoteEmbedOptions): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  /**
   * One vector per text, in input order, with token usage (zeros for TEI `/embed`).
   * @throws {InvalidInputError} before any request for a non-array, non-string texts or bad options.
   * @throws {APIError}, {@link ConnectionError}, {@link TimeoutError}, {@link MalformedResponseError},
   *   {@link AbortError} when a request finally fails.
   */
  async embedWithUsage(texts: string[], options: RemoteEmbedOptions = {}): Promise<EmbedResponse> {
    if (this.#closed.signal.aborted) throw new RerankKitError("RemoteEmbedder is closed");
    if (!Array.isArray(texts)) throw new InvalidInputError("embed takes an array of texts", { field: "texts" });
    assertTexts(texts, "texts");
    validateRemoteEmbedOptions(options, "RemoteEmbedder.embed");
    checkCallOverrides(options);
    const kind = options.kind ?? "document";
    if (kind === "query" && this.#options.queryPrefix === undefined && !this.#spec.queryInputType) {
      throw new InvalidOptionError(
        `RemoteEmbedder: \`kind: "query"\` needs a query prompt, and the ${this.dialect} dialect has no field for one: ` +
          'set `queryPrefix` (e.g. "query: " for E5, "Instruct: <task>\\nQuery:" for Qwen3-Embedding), ' +
          'or `queryPrefix: ""` for a model whose queries need no prompt.',
        { option: "kind", allowed: '"document", or "query" with `queryPrefix` set' },
      );
    }
    this.#spec.checkOptions(options);
    if (texts.length === 0) return { embeddings: [], usage: { promptTokens: 0, totalTokens: 0 } };
    const prefix = (kind === "query" ? this.#options.queryPrefix : this.#options.documentPrefix) ?? "";
    const sent = prefix ? texts.map((t) => prefix + t) : texts;
    const chunks: string[][] = [];
    for (let i = 0; i < sent.length; i += this.#maxTexts) chunks.push(sent.slice(i, i + this.#maxTexts));
    let done = 0;
    const parts = await runChunks(chunks, this.#limit, [options.signal, this.#closed.signal], async (chunk, i, signal) => {
      const body = this.#spec.body({
        model: this.#options.model,
        texts: chunk,
        encodingFormat: this.#options.encodingFormat ?? "base64",
        options,
      });
      const response = await this.#transport.request({
        method: "POST",
        path: this.#spec.path,
        fromRoot: this.#spec.fromRoot,
        body,
        signal,
        requestId: requestIdFor(options.requestId, i, chunks.length),
        timeoutMs: options.timeoutMs,
        maxRetries: options.maxRetries,
        headers: options.headers,
      });
      const parsed = this.#spec.parse(response.url, response.data, chunk.length);
      done += chunk.length;
      // Awaited, as in process: an async callback that rejects fails the call, never unhandled.
      await options.onProgress?.({ done, total: texts.length });
      return parsed;
    });
    const dim = parts[0]?.embeddings[0]?.length;
    if (parts.some((p) => p.embeddings.some((v) => v.length !== dim))) {
      throw new RerankKitError("Embeddings of different requests have different dimensions; refusing to mix them");
    }
    return {
      embeddings: parts.flatMap((p) => p.embeddings),
      usage: parts.map((p) => p.usage).reduce(addUsage, { promptTokens: 0, totalTokens: 0 }),
    };
  }

  /**
   * One vector per image, in input order, from vLLM's multimodal embeddings: `/v1/embeddings` with
   * chat `messages` holding one `image_url` part, one request per image (vLLM embeds one
   * conversation per request), sent `maxConcurrency` at a time. For CLIP / SigLIP servers
   * (`rerank-kit serve` or vLLM), whose image vectors share the text vectors' space. The `cohere`
   * dialect sends Cohere's `/v2/embed` `images` (one data URI per call, as Cohere allows) with
   * `input_type: "image"`; Cohere reads only data URIs, so pass bytes or `{ path }` there.
   * @throws {InvalidOptionError} for a dialect other than `vllm` or `cohere`.
   * @throws {InvalidInputError} on the cohere dialect without `model`.
   * @throws {InvalidInputError} before any request for a value that is no {@link ImageSource}.
   * @throws {APIError} and the transport's errors as {@link RemoteEmbedder.embedWithUsage}.
   */
  async embedImages(images: ImageSource[], options: Pick<RemoteEmbedOptions, "signal" | "requestId" | "timeoutMs" | "maxRetries" | "headers"> = {}): Promise<Float32Array[]> {
    if (this.#closed.signal.aborted) throw new RerankKitError("RemoteEmbedder is closed");
    if (!Array.isArray(images)) throw new InvalidInputError("embedImages takes an array of images", { field: "images" });
    if (this.dialect !== "vllm" && this.dialect !== "cohere") {
      throw new InvalidOptionError(`RemoteEmbedder.embedImages speaks vLLM's chat-form embeddings or Cohere's /v2/embed images; the ${this.dialect} dialect has neither`, {
        option: "dialect",
        allowed: '"vllm" or "cohere"',
      });
    }
    if (this.dialect === "cohere" && this.#options.model === undefined) {
      throw new InvalidInputError("The cohere dialect needs `model` (Cohere's /v2/embed requires it)", { field: "model" });
    }
    checkCallOverrides(options);
    const urls = await Promise.all(images.map((image, i) => imageUrl(image, `images[${i}]`)));
    const format = this.#options.encodingFormat ?? "base64";
    return runChunks(urls, this.#limit, [options.signal, this.#closed.signal], async (url, i, signal) => {
      // Cohere takes one image per call in `images` (a data URI), typed `input_type: "image"`.
      const body: Record<string, unknown> =
        this.dialect === "cohere"
          ? { images: [url], input_type: "image", embedding_types: [format === "base64" ? "base64" : "float"] }
          : { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }], encoding_format: format };
      if (this.#options.model !== undefined) body.model = this.#options.model;
      const response = await this.#transport.request({
        method: "POST",
        path: this.#spec.path,
        fromRoot: this.#spec.fromRoot,
        body,
        signal,
        requestId: requestIdFor(options.requestId, i, urls.length),
        timeoutMs: options.timeoutMs,
        maxRetries: options.maxRetries,
        headers: options.headers,
      });
      return this.#spec.parse(response.url, response.data, 1).embeddings[0] as Float32Array;
    });
  }

  /** The models the server lists (`GET /v1/models`; Infinity `{baseURL}/models`; TEI `GET /info`). */
  listModels(options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    return fetchModels(this.#transport, modelsRoute(this.dialect), options.signal);
  }

  /** One health status per replica (`GET /health`), without retries. */
  health(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HealthStatus[]> {
    return checkHealth(this.#transport, options);
  }

  /** Aborts requests in flight; later calls throw. */
  async close(): Promise<void> {
    this.#closed.abort(new RerankKitError("RemoteEmbedder was closed"));
  }
}

function requestIdFor(id: string | undefined, index: number, count: number): string | undefined {
  if (id === undefined) return undefined;
  return count > 1 ? `${id}-${index}` : id;
}
