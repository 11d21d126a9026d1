import { setMaxListeners } from "node:events";
import { validateRemoteOptions } from "./call-option-rules.js";
import pLimit, { type LimitFunction } from "p-limit";
import { BaseScorer, checkRerankArguments } from "../base-scorer.js";
import { RerankKitError } from "../errors/rerank-kit-error.js";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { assertScoreInputs, assertTexts, toPairs } from "../scoring/pairing.js";
import { cutResults, validateRankOptions } from "../scoring/ranking.js";
import type { RankedResult, RerankResponse, ScoreInput, ScoreResponse, ScoreType, Usage } from "../types.js";
import { checkCallOverrides, resolveClientConfig } from "./config.js";
import { REMOTE_SCORER_RULES } from "./option-rules.js";
import { checkHealth, fetchModels, modelsRoute, type HealthStatus, type ModelInfo } from "./discovery.js";
import { rerankDialects } from "./dialects/registry.js";
import type { RerankDialect } from "./dialects/types.js";
import { parseVllmScore, vllmScoreBody } from "./dialects/vllm.js";
import type { RemoteRerankOptions, RemoteScoreOptions, RemoteScorerOptions, ScoreDialect } from "./options.js";
import { applyTemplate, resolveTemplate } from "./apply-template.js";
import type { PromptTemplate } from "./prompt-templates.js";
import { runChunks } from "./run-chunks.js";
import { planScoreJobs, type ScoreJob } from "./score-plan.js";
import { Transport } from "./transport.js";
import { addUsage, type IndexedScore } from "./validate.js";

/**
 * A `Scorer` (the contract of `rerank-kit`) backed by a scoring server: vLLM (`/score`, `/rerank`), Cohere v1/v2, Jina,
 * Hugging Face TEI or Infinity. Same contract as the local scorers: `score()` in pair order
 * (1:1, 1:N, N:N), `rerank()` sorted by score (stable), `index` into the caller's list.
 *
 * Long lists are split into requests of `maxDocumentsPerRequest`, sent concurrently (at most
 * `maxConcurrency` in flight per client), merged and ranked globally, usage summed. If any request
 * finally fails, the whole call rejects: never a partial result.
 *
 * Per-call options map to server fields (vLLM: `use_activation`, `max_tokens_per_doc`,
 * `max_tokens_per_query`, `truncate_prompt_tokens`, `truncation_side`, `instruction`, `priority`,
 * `cache_salt`, `chat_template_kwargs`, `X-Request-Id`); an option the dialect cannot honour
 * throws `InvalidInputError` instead of being dropped. `truncate: true` reaches TEI as `truncate`
 * and vLLM as `truncate_prompt_tokens: -1` (cut to the model's limit; `truncatePromptTokens` wins
 * when set). Unlike the local scorers, a vLLM server truncates only when asked: without
 * `truncate`, `truncatePromptTokens` or `maxTokensPerDoc` it answers an over-long pair with a
 * `BadRequestError` ("Please reduce the length of the input prompt").
 * Scores from different servers or models are not comparable.
 *
 * @example
 * ```ts
 * const scorer = new RemoteScorer({ baseURL: "http://127.0.0.1:8000", model: "BAAI/bge-reranker-v2-m3" });
 * const top = await scorer.rerank("capital of France?", ["Paris is...", "Berlin is..."], { topN: 1 });
 * ```
 */
export class RemoteScorer extends BaseScorer {
  /** What the served model computes (as configured; the server decides). */
  readonly scoreType: ScoreType;
  /** The configured model name (`""` when the server's default is used). */
  readonly model: string;
  /** The server's wire format. */
  readonly dialect: ScoreDialect;
  /** The vLLM route `rerank()` uses. */
  readonly endpoint: "score" | "rerank";
  readonly #options: RemoteScorerOptions;
  readonly #transport: Transport;
  readonly #limit: LimitFunction;
  readonly #rerank: RerankDialect;
  readonly #maxDocs: number;
  readonly #fields: readonly [string, string];
  readonly #template: PromptTemplate | undefined;
  readonly #closed = new AbortController();

  /**
   * @param options - Connection and dialect settings; copied, never modified.
   * @throws {InvalidInputError} for a missing or invalid `baseURL`, an unknown dialect, or an invalid option.
   */
  constructor(options: RemoteScorerOptions) {
    super();
    const config = resolveClientConfig(options, REMOTE_SCORER_RULES, "RemoteScorer");
    const dialect = options.dialect ?? "vllm";
    const rerank = rerankDialects[dialect];
    if (!Object.hasOwn(rerankDialects, dialect) || !rerank) {
      throw new InvalidInputError(`Unknown dialect "${String(dialect)}"`, { field: "dialect" });
    }
    const endpoint = options.endpoint ?? (dialect === "vllm" ? "score" : "rerank");
    if (endpoint !== "rerank" && (endpoint !== "score" || dialect !== "vllm")) {
      throw new InvalidInputError(`\`endpoint\` "${String(endpoint)}" is not available for the ${dialect} dialect`, {
        field: "endpoint",
      });
    }
    const scoreType = options.scoreType ?? "cross-encoder";
    const fields = options.scoreFieldNames ?? (["text_1", "text_2"] as const);
    if (!Array.isArray(fields) || fields.length !== 2 || fields.some((f) => typeof f !== "string" || f === "")) {
      throw new InvalidInputError("`scoreFieldNames` must be two non-empty strings", { field: "scoreFieldNames" });
    }
    this.#template = resolveTemplate(options.promptTemplate, dialect);
    this.#options = { ...options };
    this.dialect = dialect;
    this.endpoint = endpoint;
    this.scoreType = scoreType;
    this.model = options.model ?? "";
    this.#rerank = rerank;
    this.#fields = [fields[0], fields[1]];
    this.#maxDocs = options.maxDocumentsPerRequest ?? rerank.defaultMaxDocuments;
    this.#transport = new Transport(config);
    this.#limit = pLimit(config.maxConcurrency);
    // Every request in flight listens on the close signal; they remove their listeners when done.
    setMaxListeners(0, this.#closed.signal);
  }

  /** A new scorer with these options changed (this one is left as it is). */
  withOptions(overrides: Partial<RemoteScorerOptions>): RemoteScorer {
    return new RemoteScorer({ ...this.#options, ...overrides });
  }

  /** Scores in pair order. See {@link RemoteScorer.scoreWithUsage}. */
  override score(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options?: RemoteScoreOptions,
  ): Promise<number[]> {
    return super.score(queries, documents, options);
  }

  /** Documents sorted by score. See {@link RemoteScorer.rerankWithUsage}. */
  override rerank(query: ScoreInput, documents: ScoreInput[], options?: RemoteRerankOptions): Promise<RankedResult[]> {
    return super.rerank(query, documents, options);
  }

  /**
   * Scores in pair order, with token usage.
   * @throws {InvalidInputError} before any request for empty lists, N:1 or N:M, non-string texts
   *   (or multimodal items where the dialect takes text only), or options the dialect cannot honour.
   * @throws {APIError} (a status subclass), {@link ConnectionError}, {@link TimeoutError},
   *   {@link MalformedResponseError} or {@link AbortError} when a request finally fails.
   */
  override async scoreWithUsage(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options: RemoteScoreOptions = {},
  ): Promise<ScoreResponse> {
    this.#assertOpen();
    const q = Array.isArray(queries) ? queries : [queries];
    const d = Array.isArray(documents) ? documents : [documents];
    toPairs(q, d);
    this.#checkInputs(q, d, options, "RemoteScorer: score");
    const sent = applyTemplate(this.#template, q, d, options);
    const viaScore = this.dialect === "vllm";
    const jobs = planScoreJobs(sent.queries, sent.documents, this.#maxDocs, viaScore);
    const scores = new Array<number>(d.length);
    const usage = await this.#run(jobs, sent.options, d.length, async (job, requestId, signal) => {
      const parsed = viaScore
        ? await this.#postScore(job, sent.options, requestId, signal)
        : await this.#postRerank(job.queries as ScoreInput, job.documents, undefined, sent.options, requestId, signal);
      for (const { index, score } of parsed.scores) scores[job.pairIndices[index] as number] = score;
      return parsed.usage;
    });
    return { scores, usage };
  }

  /**
   * Documents sorted by score (stable on ties, `index` into `documents`), cut to `topN` and
   * `scoreThreshold`, with usage for all documents. Uses the dialect's rerank route, or vLLM
   * `/score` when `endpoint` is `"score"`.
   * @throws {InvalidInputError} before any request for bad arguments.
   * @throws {APIError}, {@link ConnectionError}, {@link TimeoutError}, {@link MalformedResponseError},
   *   {@link AbortError} when a request finally fails.
   */
  override async rerankWithUsage(
    query: ScoreInput,
    documents: ScoreInput[],
    options: RemoteRerankOptions = {},
  ): Promise<RerankResponse> {
    this.#assertOpen();
    checkRerankArguments(query, documents);
    validateRankOptions(options);
    if (this.endpoint === "score") return super.rerankWithUsage(query, documents, options);
    this.#checkInputs([query], documents, options, "RemoteScorer: rerank");
    const sent = applyTemplate(this.#template, [query], documents, options);
    const jobs = planScoreJobs(sent.queries, sent.documents, this.#maxDocs, false);
    const topN = options.topN;
    const merged: IndexedScore[] = [];
    const usage = await this.#run(jobs, sent.options, documents.length, async (job, requestId, signal) => {
      // The global top N are within each chunk's top N, so each request may be cut too.
      const cut = this.#rerank.serverTopN && topN && topN < job.documents.length ? topN : undefined;
      const query = job.queries as ScoreInput;
      const parsed = await this.#postRerank(query, job.documents, cut, sent.options, requestId, signal);
      for (const { index, score } of parsed.scores) merged.push({ index: job.pairIndices[index] as number, score });
      return parsed.usage;
    });
    merged.sort((a, b) => b.score - a.score || a.index - b.index);
    const results: RankedResult[] = merged.map(({ index, score }) => ({
      index,
      score,
      document: documents[index] as ScoreInput,
    }));
    return { results: cutResults(results, options), usage };
  }

  /** The models the server lists (`GET /v1/models`; Infinity `{baseURL}/models`; TEI `GET /info`). */
  listModels(options: { signal?: AbortSignal } = {}): Promise<ModelInfo[]> {
    return fetchModels(this.#transport, modelsRoute(this.dialect), options.signal);
  }

  /** One health status per replica (`GET /health`), without retries. Never throws for a down server. */
  health(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HealthStatus[]> {
    return checkHealth(this.#transport, options);
  }

  /** Aborts requests in flight; later calls throw. */
  async close(): Promise<void> {
    this.#closed.abort(new RerankKitError("RemoteScorer was closed"));
  }

  #assertOpen(): void {
    if (this.#closed.signal.aborted) throw new RerankKitError("RemoteScorer is closed");
  }

  #checkInputs(queries: unknown[], documents: unknown[], options: RemoteRerankOptions, where: string): void {
    validateRemoteOptions(options, where.endsWith("rerank"), where);
    checkCallOverrides(options);
    if (this.#template || !this.#rerank.multiModal) {
      assertTexts(queries, "queries");
      assertTexts(documents, "documents");
    } else {
      assertScoreInputs(queries, "queries");
      assertScoreInputs(documents, "documents");
    }
    this.#rerank.checkOptions(options);
  }

  async #run(
    jobs: ScoreJob[],
    options: RemoteScoreOptions,
    total: number,
    task: (job: ScoreJob, requestId: string | undefined, signal: AbortSignal | undefined) => Promise<Usage>,
  ): Promise<Usage> {
    let done = 0;
    const usages = await runChunks(jobs, this.#limit, [options.signal, this.#closed.signal], async (job, i, signal) => {
      const base = options.requestId;
      const id = base === undefined || jobs.length === 1 ? base : `${base}-${i}`;
      const usage = await task(job, id, signal);
      done += job.documents.length;
      // Awaited, as in process: an async callback that rejects fails this call (and aborts its
      // sibling chunks) instead of becoming an unhandled rejection that ends the process.
      await options.onProgress?.({ done, total });
      return usage;
    });
    return usages.reduce(addUsage, { promptTokens: 0, totalTokens: 0 });
  }

  #postScore(job: ScoreJob, options: RemoteScoreOptions, requestId: string | undefined, signal: AbortSignal | undefined) {
    const body = vllmScoreBody(this.#options.model, this.#fields, job.queries, job.documents, options);
    const n = job.documents.length;
    return this.#post("/score", true, body, options, requestId, signal, (url, data) => parseVllmScore(url, data, n));
  }

  #postRerank(
    query: ScoreInput,
    documents: ScoreInput[],
    topN: number | undefined,
    options: RemoteRerankOptions,
    requestId: string | undefined,
    signal: AbortSignal | undefined,
  ) {
    const d = this.#rerank;
    const body = d.rerankBody({ model: this.#options.model, query, documents, topN, options });
    const expected = topN ?? documents.length;
    return this.#post(d.rerankPath, d.fromRoot, body, options, requestId, signal, (url, data) =>
      d.parseRerank(url, data, documents.length, expected),
    );
  }

  async #post<T>(
    path: string,
    fromRoot: boolean,
    body: Record<string, unknown>,
    options: RemoteScoreOptions,
    requestId: string | undefined,
    signal: AbortSignal | undefined,
    parse: (url: string, body: unknown) => T,
  ): Promise<T> {
    const response = await this.#transport.request({
      method: "POST",
      path,
      fromRoot,
      body,
      signal,
      requestId,
      scoring: true,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      headers: options.headers,
    });
    return parse(response.url, response.data);
  }
}
