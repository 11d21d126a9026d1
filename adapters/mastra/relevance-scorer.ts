import type { RelevanceScoreProvider } from "@mastra/core/relevance";
import { ContextLengthError, InvalidInputError } from "../../src/index.js";
import { validateOptions, type OptionRule } from "../../src/internal.js";
import type { ScoreOptions, Scorer } from "../../src/index.js";
import { Lazy, LOCAL_MODEL_RULES, loadLocalScorer, type LocalModelSettings } from "../shared/local-model.js";

/** Options of {@link RerankKitRelevanceScorer}. None is written back. */
export interface RerankKitRelevanceScorerOptions extends LocalModelSettings {
  /**
   * Any rerank-kit scorer (used as is, never closed here), or a Hub id or folder to load on first
   * use: in a worker thread unless `worker: false`, and closed by `close()`.
   */
  scorer: Scorer | string;
  /**
   * How long, in ms, the first call for a query waits for more calls to join its batch. Mastra
   * issues all of a rerank's calls in the same tick, so a short wait catches them all. 0-1000.
   * @default 2
   */
  maxWaitMs?: number;
  /** A batch is sent as soon as it holds this many documents. @default 256 */
  maxBatchSize?: number;
  /**
   * Passed to every scorer call (`activation`, `maxTokensPerDoc`, `signal`, ...). Mastra adds the
   * score to weighted vector and position scores, so keep the activation on (scores in 0-1).
   * @default {}
   */
  scoreOptions?: Omit<ScoreOptions, "onProgress">;
}

/** The rule of every {@link RerankKitRelevanceScorerOptions} field. @internal */
export const RELEVANCE_SCORER_RULES = {
  ...LOCAL_MODEL_RULES,
  scorer: { kind: "any", note: "a Scorer, or a model id or folder" },
  maxWaitMs: { kind: "number" },
  maxBatchSize: { kind: "integer", min: 1 },
  scoreOptions: { kind: "object" },
} as const satisfies Record<keyof RerankKitRelevanceScorerOptions, OptionRule>;

interface Pending {
  readonly query: string;
  readonly documents: string[];
  readonly waiters: Array<{ resolve: (score: number) => void; reject: (error: unknown) => void }>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A Mastra `RelevanceScoreProvider` over any rerank-kit {@link Scorer} that coalesces calls:
 * Mastra's `rerankWithScorer` asks for one `getRelevanceScore(query, text)` per document, all at
 * once; the calls for one query wait up to `maxWaitMs` and then go to the model as one `score`
 * call, so N documents cost one batched inference instead of N.
 *
 * A failed batch rejects only its own callers. When the failure is about the input (an
 * `InvalidInputError`, or a `ContextLengthError` with `truncate: false`), its documents are
 * scored one by one, so only the callers of the offending documents reject.
 *
 * @example
 * ```ts
 * import { rerankWithScorer } from "@mastra/rag";
 * import { RerankKitRelevanceScorer } from "rerank-kit/mastra";
 *
 * const scorer = new RerankKitRelevanceScorer({ scorer: "Xenova/ms-marco-MiniLM-L-6-v2" });
 * const reranked = await rerankWithScorer({ results, query, scorer, options: { topK: 5 } });
 * ```
 */
export class RerankKitRelevanceScorer implements RelevanceScoreProvider {
  /** The longest wait before a batch is sent, in ms. */
  readonly maxWaitMs: number;
  /** The most documents per batch. */
  readonly maxBatchSize: number;
  readonly #scorer: Lazy<Scorer>;
  readonly #scoreOptions: ScoreOptions;
  readonly #pending = new Map<string, Pending>();

  /** @throws {InvalidInputError} on a missing scorer or an out-of-range option. */
  constructor(options: RerankKitRelevanceScorerOptions) {
    const scorer = options?.scorer;
    if (typeof scorer === "string") this.#scorer = new Lazy(() => loadLocalScorer(scorer, options));
    else if (typeof scorer?.score === "function") this.#scorer = new Lazy(scorer);
    else throw new InvalidInputError("RerankKitRelevanceScorer needs a scorer or a model id / folder", { field: "scorer" });
    validateOptions(options, RELEVANCE_SCORER_RULES, { where: "RerankKitRelevanceScorer" });
    this.maxWaitMs = options.maxWaitMs ?? 2;
    this.maxBatchSize = options.maxBatchSize ?? 256;
    if (typeof this.maxWaitMs !== "number" || !(this.maxWaitMs >= 0 && this.maxWaitMs <= 1000)) {
      throw new InvalidInputError(`maxWaitMs must be between 0 and 1000, got ${String(options.maxWaitMs)}`, { field: "maxWaitMs" });
    }
    this.#scoreOptions = { ...options.scoreOptions };
  }

  /**
   * The relevance of `text2` (a document) to `text1` (the query), from a batched model call.
   * @throws {InvalidInputError} (as a rejection) when either text is not a string.
   */
  getRelevanceScore(text1: string, text2: string): Promise<number> {
    if (typeof text1 !== "string") return Promise.reject(new InvalidInputError(`text1 (the query) must be a string, got ${typeof text1}`, { field: "text1" }));
    if (typeof text2 !== "string") return Promise.reject(new InvalidInputError(`text2 (the document) must be a string, got ${typeof text2}`, { field: "text2" }));
    return new Promise<number>((resolve, reject) => {
      let batch = this.#pending.get(text1);
      if (batch === undefined) {
        const created: Pending = { query: text1, documents: [], waiters: [], timer: undefined };
        created.timer = setTimeout(() => this.#flush(created), this.maxWaitMs);
        this.#pending.set(text1, created);
        batch = created;
      }
      batch.documents.push(text2);
      batch.waiters.push({ resolve, reject });
      if (batch.documents.length >= this.maxBatchSize) this.#flush(batch);
    });
  }

  /** Closes the scorer if this provider loaded it from a model id or folder. */
  close(): Promise<void> {
    return this.#scorer.close();
  }

  #flush(batch: Pending): void {
    clearTimeout(batch.timer);
    if (this.#pending.get(batch.query) === batch) this.#pending.delete(batch.query);
    void this.#run(batch.query, batch.documents, batch.waiters);
  }

  /** Scores one batch and settles its callers; never rejects (every error goes to a caller). */
  async #run(query: string, documents: string[], waiters: Pending["waiters"]): Promise<void> {
    try {
      const scorer = await this.#scorer.get();
      const scores = await scorer.score(query, documents, this.#scoreOptions);
      waiters.forEach((w, i) => w.resolve(scores[i] as number));
    } catch (error) {
      const aboutInput = error instanceof InvalidInputError || error instanceof ContextLengthError;
      if (documents.length > 1 && aboutInput) {
        await Promise.all(documents.map((d, i) => this.#run(query, [d], [waiters[i] as Pending["waiters"][number]])));
      } else waiters.forEach((w) => w.reject(error));
    }
  }
}
