import type { Callbacks } from "@langchain/core/callbacks/manager";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { AbortError, has, InvalidInputError, rankScores } from "../../src/index.js";
import type { ScoreOptions, Scorer } from "../../src/index.js";
import { countTruncated, scoreWithWindows, type LongDocumentStrategy } from "./long-documents.js";
import { emitRerankEvent } from "./rerank-event.js";
import { assertQuery, documentTexts, pageContentText, type DocumentToText, type RerankableDocument } from "./texts.js";
import { checkCompressorFields } from "./compressor-fields.js";
import { loadLocalScorer, type LocalModelSettings } from "../shared/local-model.js";
import type { RerankCompressorFields, RerankCallOptions, RerankScore } from "./compressor-fields.js";

/**
 * A LangChain document compressor that reranks documents with any rerank-kit {@link Scorer}
 * (a local model or a remote server) and keeps the best.
 *
 * It returns new `Document`s sorted by score, with `id` and a copy of the metadata plus the score
 * under `metadataKey`; the documents passed in are never modified. Scores from different models
 * (or with and without the activation) are not comparable, so pick `scoreThreshold` per model.
 *
 * {@link RerankCompressor.fromModel} loads a local model by Hub id or folder in a worker thread, so
 * scoring never blocks the event loop of the app the chain runs in.
 *
 * @example
 * ```ts
 * import { RerankCompressor } from "rerank-kit/langchain";
 * import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
 *
 * const compressor = await RerankCompressor.fromModel("Xenova/ms-marco-MiniLM-L-6-v2", { topN: 5 });
 * const retriever = new ContextualCompressionRetriever({
 *   baseCompressor: compressor,
 *   baseRetriever: vectorStore.asRetriever({ k: 50 }),
 * });
 * const docs = await retriever.invoke("how do I rotate API keys?");
 * console.log(docs[0]?.metadata.relevanceScore);
 * ```
 */
export class RerankCompressor extends BaseDocumentCompressor {
  /** The scorer every call goes to (shared, never copied, so its caches persist across calls). */
  readonly scorer: Scorer;
  /** Documents kept per call; `0` keeps all. */
  readonly topN: number;
  /** Documents scoring below this are dropped. */
  readonly scoreThreshold: number | undefined;
  /** Metadata key the score is written under. */
  readonly metadataKey: string;
  /** How documents longer than the model's limit are handled. */
  readonly longDocuments: LongDocumentStrategy;
  /** Whether a failing scorer rejects or falls back to retrieval order. */
  readonly onError: "throw" | "keep-order";
  #owned = false;
  readonly #fields: Readonly<Required<Pick<RerankCompressorFields, "overlapTokens" | "maxChunksPerDoc">>> & {
    scoreOptions: ScoreOptions;
    signal: AbortSignal | undefined;
    documentToText: DocumentToText;
  };

  /** @throws {InvalidInputError} on a missing scorer or an out-of-range option. */
  constructor(fields: RerankCompressorFields) {
    super();
    checkCompressorFields(fields);
    this.scorer = fields.scorer;
    this.topN = fields.topN ?? 3;
    this.scoreThreshold = fields.scoreThreshold;
    this.metadataKey = fields.metadataKey ?? "relevanceScore";
    this.longDocuments = fields.longDocuments ?? "truncate";
    this.onError = fields.onError ?? "throw";
    if (this.longDocuments === "chunk-max" && !has(this.scorer, "windows")) {
      throw new InvalidInputError('longDocuments "chunk-max" needs a scorer with tokenizer access (a local scorer)', {
        field: "longDocuments",
      });
    }
    this.#fields = {
      overlapTokens: fields.overlapTokens ?? 32,
      maxChunksPerDoc: fields.maxChunksPerDoc ?? 8,
      scoreOptions: { ...fields.scoreOptions },
      signal: fields.signal,
      documentToText: fields.documentToText ?? pageContentText,
    };
  }

  /**
   * A compressor over a local model given by Hub id or folder, loaded **in a worker thread** by
   * default (`loadWorkerScorer`): ONNX Runtime's synchronous inference then never blocks the event
   * loop of the server or agent the chain runs in. `worker: false` loads it in process (the choice
   * for scripts and one-shot jobs); `loadOptions` takes `dtype`, `threads`, `workers`, ....
   * The compressor owns the model: {@link RerankCompressor.close} releases it.
   * @throws {ModelLoadError} when the model cannot be loaded.
   * @throws {InvalidInputError} on an out-of-range field (the model is closed first).
   */
  static async fromModel(
    model: string,
    fields: Omit<RerankCompressorFields, "scorer"> & LocalModelSettings = {},
  ): Promise<RerankCompressor> {
    const { worker, loadOptions, ...rest } = fields;
    const scorer = await loadLocalScorer(model, { ...(worker !== undefined && { worker }), ...(loadOptions && { loadOptions }) });
    try {
      const compressor = new RerankCompressor({ ...rest, scorer });
      compressor.#owned = true;
      return compressor;
    } catch (error) {
      await scorer.close();
      throw error;
    }
  }

  /** Releases the model if {@link RerankCompressor.fromModel} loaded it; a given scorer is left to its owner. */
  async close(): Promise<void> {
    if (this.#owned) await this.scorer.close();
  }

  /**
   * Reranks `documents` against `query` and returns the best `topN` as new Documents, best first.
   * Emits one {@link RERANK_EVENT} custom event to `callbacks`.
   * @throws {InvalidInputError} on a non-string query or document text.
   * @throws {AbortError} when the `signal` given to the constructor fires.
   */
  async compressDocuments(documents: DocumentInterface[], query: string, callbacks?: Callbacks): Promise<DocumentInterface[]> {
    const started = performance.now();
    const run = await this.rankOrFallBack(documents, query);
    const out = run.ranked.map(({ index, relevanceScore }) => {
      const source = documents[index] as DocumentInterface;
      const extra = run.error === null ? {} : { rerankError: run.error };
      return new Document({
        pageContent: source.pageContent,
        metadata: { ...source.metadata, [this.metadataKey]: relevanceScore, ...extra },
        ...(source.id === undefined ? {} : { id: source.id }),
      });
    });
    await emitRerankEvent(callbacks, {
      model: this.scorer.model,
      scoreType: this.scorer.scoreType,
      documents: documents.length,
      kept: out.length,
      durationMs: performance.now() - started,
      longDocuments: this.longDocuments,
      truncated: run.truncated,
      scoredTexts: run.scoredTexts,
      topN: run.topN,
      scoreThreshold: run.scoreThreshold ?? null,
      error: run.error,
    });
    return out;
  }

  /** Ranks, or with `onError: "keep-order"` falls back to retrieval order when the scorer fails. */
  private async rankOrFallBack(
    documents: DocumentInterface[],
    query: string,
  ): Promise<Omit<RankRun, "ranked"> & { ranked: { index: number; relevanceScore: number | null }[]; error: string | null }> {
    try {
      return { ...(await this.#rank(documents, query, {})), error: null };
    } catch (error) {
      if (this.onError === "throw" || error instanceof AbortError || error instanceof InvalidInputError) throw error;
      const keep = this.topN > 0 ? Math.min(this.topN, documents.length) : documents.length;
      const ranked = documents.slice(0, keep).map((_, index) => ({ index, relevanceScore: null }));
      const message = error instanceof Error ? error.message : String(error);
      return { topN: this.topN, scoreThreshold: this.scoreThreshold, scoredTexts: 0, truncated: null, ranked, error: message };
    }
  }

  /**
   * Scores `documents` against `query` and returns `{ index, relevanceScore }` pairs, best first,
   * `index` pointing into `documents` (the shape of LangChain's Cohere integration).
   * @throws {InvalidInputError} on a non-string query or document, or a bad `topN`.
   * @throws {AbortError} when `options.signal` (or the constructor's) fires.
   */
  async rerank(documents: RerankableDocument[], query: string, options: RerankCallOptions = {}): Promise<RerankScore[]> {
    return (await this.#rank(documents, query, options)).ranked;
  }

  async #rank(documents: RerankableDocument[], query: string, options: RerankCallOptions): Promise<RankRun> {
    assertQuery(query);
    const texts = documentTexts(documents, this.#fields.documentToText);
    const topN = options.topN ?? this.topN;
    const scoreThreshold = options.scoreThreshold ?? this.scoreThreshold;
    const signals = [this.#fields.signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
    const scoreOptions: ScoreOptions = { ...this.#fields.scoreOptions };
    if (signals.length > 0) scoreOptions.signal = signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    const base = { topN, scoreThreshold, scoredTexts: texts.length, truncated: 0 as number | null };
    if (texts.length === 0) return { ...base, ranked: [] as RerankScore[] };
    if (this.longDocuments === "chunk-max" && has(this.scorer, "windows")) {
      const windowed = await scoreWithWindows(this.scorer, query, texts, this.#fields, scoreOptions);
      const ranked = rankScores(windowed.scores, texts, { topN, scoreThreshold });
      return { ...base, scoredTexts: windowed.windows, truncated: windowed.truncated, ranked: toScores(ranked) };
    }
    const truncated = await countTruncated(this.scorer, query, texts, scoreOptions);
    const ranked = await this.scorer.rerank(query, texts, { ...scoreOptions, topN, scoreThreshold });
    return { ...base, truncated, ranked: toScores(ranked) };
  }
}

/** What one ranking produced, for the documents and the callback event. */
interface RankRun {
  topN: number;
  scoreThreshold: number | undefined;
  scoredTexts: number;
  truncated: number | null;
  ranked: RerankScore[];
}

function toScores(results: ReadonlyArray<{ index: number; score: number }>): RerankScore[] {
  return results.map(({ index, score }) => ({ index, relevanceScore: score }));
}
