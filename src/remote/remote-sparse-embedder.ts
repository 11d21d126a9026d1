import { setMaxListeners } from "node:events";
import pLimit, { type LimitFunction } from "p-limit";
import type { SparseEmbedOptions, SparseEmbedResponse, SparseVector } from "../contracts/sparse-embedder.js";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { RerankKitError } from "../errors/rerank-kit-error.js";
import { validateOptions, type OptionRule } from "../options/check-options.js";
import { assertTexts } from "../scoring/pairing.js";
import { checkPruning, pruneSparse } from "../scoring/sparse.js";
import { checkCallOverrides, resolveClientConfig } from "./config.js";
import { CLIENT_OPTION_RULES } from "./option-rules.js";
import type { RemoteCallOptions, RemoteClientOptions } from "./options.js";
import { runChunks } from "./run-chunks.js";
import { decodeRoutes, heaviestFirst } from "./sparse-decode.js";
import { sparseDialects, type SparseDialect } from "./sparse-dialects.js";
import { Transport } from "./transport.js";
import { addUsage } from "./validate.js";

export type { SparseDialect } from "./sparse-dialects.js";

/** Options of {@link RemoteSparseEmbedder}. */
export interface RemoteSparseEmbedderOptions extends RemoteClientOptions {
  /**
   * The server's wire format: `tei` (Hugging Face TEI's `POST /embed_sparse`, also served by
   * `rerank-kit serve`), `vllm` (a SPLADE model on vLLM: the vocabulary-wide vector of
   * `/v1/embeddings`), `vllm-bge-m3` (bge-m3 on vLLM served with `--pooler-config '{"task":
   * "token_classify"}'`: `/pooling` per-token weights paired with `/tokenize` ids, the largest
   * weight per id). @default "tei"
   */
  dialect?: SparseDialect;
  /**
   * The model's vocabulary size: every index a server sends must be below it (and vLLM's SPLADE
   * vectors exactly this wide). @default undefined (indices are only checked to be integers >= 0)
   */
  vocabularySize?: number;
  /** Most texts per request. @default 32 */
  maxTextsPerRequest?: number;
}

/** Per-call options of {@link RemoteSparseEmbedder.decode}. */
export interface RemoteDecodeOptions extends Pick<RemoteCallOptions, "requestId" | "timeoutMs" | "maxRetries" | "headers"> {
  /** Aborts the call (every request in flight). */
  signal?: AbortSignal;
}

const DECODE_RULES = {
  signal: { kind: "signal" },
  requestId: { kind: "string" },
  timeoutMs: { kind: "number" },
  maxRetries: { kind: "number" },
  headers: { kind: "object" },
} as const satisfies Record<keyof RemoteDecodeOptions, OptionRule>;

/** {@link SparseEmbedOptions} plus the remote-only extras a sparse request can carry. */
export interface RemoteSparseEmbedOptions extends SparseEmbedOptions, Pick<RemoteCallOptions, "requestId" | "timeoutMs" | "maxRetries" | "headers"> {}

const RULES = {
  ...CLIENT_OPTION_RULES,
  dialect: { kind: "enum", values: ["tei", "vllm", "vllm-bge-m3"] },
  vocabularySize: { kind: "integer", min: 1 },
  maxTextsPerRequest: { kind: "integer", min: 1 },
} as const satisfies Record<keyof RemoteSparseEmbedderOptions, OptionRule>;

const CALL_RULES = {
  kind: { kind: "enum", values: ["query", "document"] },
  topK: { kind: "any", note: "an integer >= 1" },
  threshold: { kind: "any", note: "a number >= 0" },
  truncate: { kind: "boolean" },
  signal: { kind: "signal" },
  onProgress: { kind: "function" },
  requestId: { kind: "string" },
  timeoutMs: { kind: "number" },
  maxRetries: { kind: "number" },
  headers: { kind: "object" },
} as const satisfies Record<keyof RemoteSparseEmbedOptions, OptionRule>;

/**
 * Sparse vectors from a server: TEI's `/embed_sparse` (and `rerank-kit serve`'s), a SPLADE model
 * on vLLM, or bge-m3's lexical weights on vLLM. Every answer is checked before it is returned:
 * indices integers in range and not repeated, values finite; anything else is a
 * `MalformedResponseError`, never a vector. Servers encode queries as documents (none of these
 * wire formats marks a query), so an inference-free SPLADE model's query route is not reached
 * remotely. `topK` / `threshold` prune on the client.
 *
 * @example
 * ```ts
 * const sparse = new RemoteSparseEmbedder({ baseURL: "http://127.0.0.1:8080", dialect: "tei" });
 * const [v] = await sparse.embedSparse(["what is the capital of france"], { topK: 64 });
 * ```
 */
export class RemoteSparseEmbedder {
  /** The configured model name (`""` when the server's default is used). */
  readonly model: string;
  /** The server's wire format. */
  readonly dialect: SparseDialect;
  readonly #options: RemoteSparseEmbedderOptions;
  readonly #transport: Transport;
  readonly #limit: LimitFunction;
  readonly #maxTexts: number;
  readonly #closed = new AbortController();

  /**
   * @param options - Connection and dialect settings; copied, never modified.
   * @throws {InvalidOptionError} for an unknown dialect or an invalid option.
   * @throws {InvalidInputError} for an invalid `baseURL`.
   */
  constructor(options: RemoteSparseEmbedderOptions) {
    const config = resolveClientConfig(options, RULES, "RemoteSparseEmbedder");
    this.#options = { ...options };
    this.dialect = options.dialect ?? "tei";
    this.model = options.model ?? "";
    this.#maxTexts = options.maxTextsPerRequest ?? sparseDialects[this.dialect].defaultMaxTexts;
    this.#transport = new Transport(config);
    this.#limit = pLimit(config.maxConcurrency);
    // Every request in flight listens on the close signal; they remove their listeners when done.
    setMaxListeners(0, this.#closed.signal);
  }

  /** One sparse vector per text, in input order. See {@link RemoteSparseEmbedder.embedSparseWithUsage}. */
  async embedSparse(texts: string[], options?: RemoteSparseEmbedOptions): Promise<SparseVector[]> {
    return (await this.embedSparseWithUsage(texts, options)).vectors;
  }

  /**
   * One sparse vector per text, in input order, with token usage (zeros from TEI, which reports none).
   * @throws {InvalidInputError} before any request for a non-array, a non-string or empty text.
   * @throws {InvalidOptionError} before any request for an unknown option, a `topK` that is not an
   *   integer >= 1 or a negative `threshold`.
   * @throws {MalformedResponseError} for an answer that is not one valid sparse vector per text.
   * @throws {APIError}, {@link ConnectionError}, {@link TimeoutError}, {@link AbortError} when a request finally fails.
   */
  async embedSparseWithUsage(texts: string[], options: RemoteSparseEmbedOptions = {}): Promise<SparseEmbedResponse> {
    if (this.#closed.signal.aborted) throw new RerankKitError("RemoteSparseEmbedder is closed");
    if (!Array.isArray(texts)) throw new InvalidInputError("embedSparse takes an array of texts", { field: "texts" });
    assertTexts(texts, "texts");
    texts.forEach((t, i) => {
      if (t.trim() === "") throw new InvalidInputError(`texts[${i}] is empty`, { field: `texts[${i}]` });
    });
    validateOptions(options, CALL_RULES, { where: "RemoteSparseEmbedder.embedSparse" });
    checkPruning(options);
    checkCallOverrides(options);
    if (texts.length === 0) return { vectors: [], usage: { promptTokens: 0, totalTokens: 0 } };
    const run = sparseDialects[this.dialect].run;
    const chunks: string[][] = [];
    for (let i = 0; i < texts.length; i += this.#maxTexts) chunks.push(texts.slice(i, i + this.#maxTexts));
    let done = 0;
    const parts = await runChunks(chunks, this.#limit, [options.signal, this.#closed.signal], async (chunk, i, signal) => {
      const answer = await run({
        model: this.#options.model,
        texts: chunk,
        truncate: options.truncate,
        vocabularySize: this.#options.vocabularySize,
        send: this.#sender(options, signal, chunks.length > 1 ? i : undefined),
      });
      done += chunk.length;
      options.onProgress?.({ done, total: texts.length });
      return answer;
    });
    const prune = options.topK !== undefined || options.threshold !== undefined;
    const vectors = parts.flatMap((p) => p.vectors).map((v) => (prune ? pruneSparse(v, options) : v));
    return { vectors, usage: parts.map((p) => p.usage).reduce(addUsage, { promptTokens: 0, totalTokens: 0 }) };
  }

  /** One chunk's POST through the transport, with the call's overrides; `part` suffixes the request id when a call is split. */
  #sender(options: Pick<RemoteCallOptions, "requestId" | "timeoutMs" | "maxRetries" | "headers">, signal: AbortSignal | undefined, part: number | undefined) {
    return async (path: string, body: unknown, fromRoot?: boolean): Promise<{ url: string; data: unknown }> => {
      const r = await this.#transport.request({
        method: "POST",
        path,
        fromRoot,
        body,
        signal,
        requestId: options.requestId === undefined ? undefined : part !== undefined ? `${options.requestId}-${part}` : options.requestId,
        timeoutMs: options.timeoutMs,
        maxRetries: options.maxRetries,
        headers: options.headers,
      });
      return { url: r.url, data: r.data };
    };
  }

  /**
   * The vector's entries as `[token, weight]`, heaviest first (ties by id), as the local sparse
   * models' `decode` and sentence-transformers' `SparseEncoder.decode` order them, with the token
   * strings from the server: TEI's `POST /decode` (one request per 32 ids) for `tei`, vLLM's
   * `POST /detokenize` (one request per id, under `maxConcurrency`) for `vllm` and `vllm-bge-m3`.
   * Each string is the server's decoding of that one id (`"##s"` for a WordPiece continuation;
   * a SentencePiece `"▁paris"` comes back as `"paris"`). `rerank-kit serve` answers `/detokenize`,
   * not TEI's `/decode`: use `dialect: "vllm"` against it to decode.
   * @param topK keep the first `topK` entries (an integer >= 1); all by default
   * @throws {InvalidOptionError} for a `topK` that is not an integer >= 1 or an unknown option, before any request.
   * @throws {MalformedResponseError} for an answer that is not one string per id.
   * @throws {NotFoundError} when the server has no such route; {@link APIError}, {@link ConnectionError},
   *   {@link TimeoutError}, {@link AbortError} when a request finally fails.
   */
  async decode(vector: SparseVector, topK?: number, options: RemoteDecodeOptions = {}): Promise<Array<[string, number]>> {
    if (this.#closed.signal.aborted) throw new RerankKitError("RemoteSparseEmbedder is closed");
    validateOptions(options, DECODE_RULES, { where: "RemoteSparseEmbedder.decode" });
    checkCallOverrides(options);
    const kept = heaviestFirst(vector, topK);
    if (kept.length === 0) return [];
    const route = decodeRoutes[this.dialect];
    const ids = kept.map((k) => vector.indices[k] as number);
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += route.perRequest) chunks.push(ids.slice(i, i + route.perRequest));
    const parts = await runChunks(chunks, this.#limit, [options.signal, this.#closed.signal], (chunk, i, signal) =>
      route.run(chunk, this.#options.model, this.#sender(options, signal, chunks.length > 1 ? i : undefined)),
    );
    const tokens = parts.flat();
    return kept.map((k, i) => [tokens[i] as string, vector.values[k] as number]);
  }

  /** Aborts requests in flight; later calls throw. */
  async close(): Promise<void> {
    this.#closed.abort(new RerankKitError("RemoteSparseEmbedder was closed"));
  }
}

