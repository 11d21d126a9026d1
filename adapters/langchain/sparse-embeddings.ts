import { AsyncCaller, type AsyncCallerParams } from "@langchain/core/utils/async_caller";
import { chunkArray } from "@langchain/core/utils/chunk_array";
import { InvalidInputError } from "../../src/index.js";
import type { EmbedKind, SparseEmbedOptions, SparseEmbedder } from "../../src/index.js";

/**
 * A sparse vector as plain arrays: `indices` increasing, `values` non-zero. The shape Qdrant's
 * sparse vectors, Pinecone's `sparseValues` and LangChain Python's `SparseVector` take.
 */
export interface SparseValues {
  /** Vocabulary ids, increasing. */
  indices: number[];
  /** The weight of each id. */
  values: number[];
}

/** Options of {@link RerankKitSparseEmbeddings}, plus LangChain's `maxConcurrency` / `maxRetries`. */
export interface RerankKitSparseEmbeddingsParams extends AsyncCallerParams {
  /**
   * A local sparse model (`loadScorer()` of a SPLADE or bge-m3 folder) or a `RemoteSparseEmbedder`.
   * Used as is, never copied.
   */
  embedder: Pick<SparseEmbedder, "embedSparse">;
  /** Texts per `embedSparse` call. @default 64 */
  batchSize?: number;
  /** Keep at most this many entries per vector, the largest first. @default undefined (all) */
  topK?: number;
  /** Drop entries at or below this weight. @default undefined (keep every non-zero entry) */
  threshold?: number;
  /** Batches in flight at once (LangChain `AsyncCaller`). @default 2 */
  maxConcurrency?: number;
  /** Retries of a failed batch (local models fail the same way each time; remote ones retry on their own). @default 0 */
  maxRetries?: number;
}

/**
 * Sparse embeddings for LangChain.js hybrid search, which has no sparse interface of its own:
 * `embedDocuments` / `embedQuery` as LangChain Python's `SparseEmbeddings` (langchain-qdrant), with
 * `{ indices, values }` results that Qdrant and Pinecone take as they are (Milvus's and
 * Elasticsearch's `{ id: weight }` objects are one `Object.fromEntries` away). Queries are
 * embedded with `kind: "query"`, so an inference-free SPLADE model looks them up without running
 * the model.
 *
 * @example
 * ```ts
 * import { loadScorer } from "rerank-kit";
 * import { RerankKitSparseEmbeddings } from "rerank-kit/langchain";
 *
 * const sparse = new RerankKitSparseEmbeddings({ embedder: await loadScorer("./models/splade-v3"), topK: 128 });
 * const [doc] = await sparse.embedDocuments(["Paris is the capital of France."]);
 * await qdrant.upsert("docs", { points: [{ id: 1, vector: { text: doc } }] });
 * ```
 */
export class RerankKitSparseEmbeddings {
  /** The sparse embedder every call goes to. */
  readonly embedder: Pick<SparseEmbedder, "embedSparse">;
  /** Texts per `embedSparse` call. */
  readonly batchSize: number;
  /** LangChain's retry and concurrency wrapper around each batch. */
  readonly caller: AsyncCaller;
  readonly #pruning: Pick<SparseEmbedOptions, "topK" | "threshold">;

  /** @throws {InvalidInputError} on a missing embedder or a bad `batchSize`. */
  constructor(params: RerankKitSparseEmbeddingsParams) {
    if (typeof (params?.embedder as { embedSparse?: unknown } | undefined)?.embedSparse !== "function") {
      throw new InvalidInputError("RerankKitSparseEmbeddings needs a sparse embedder (a SPLADE or bge-m3 scorer, or a RemoteSparseEmbedder)", {
        field: "embedder",
      });
    }
    const batchSize = params.batchSize ?? 64;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidInputError(`batchSize must be a positive integer, got ${String(batchSize)}`, { field: "batchSize" });
    }
    this.embedder = params.embedder;
    this.batchSize = batchSize;
    this.caller = new AsyncCaller({ ...params, maxConcurrency: params.maxConcurrency ?? 2, maxRetries: params.maxRetries ?? 0 });
    this.#pruning = {};
    if (params.topK !== undefined) this.#pruning.topK = params.topK;
    if (params.threshold !== undefined) this.#pruning.threshold = params.threshold;
  }

  /**
   * One sparse vector per text, in order, embedded as documents.
   * @throws {InvalidInputError} when `documents` is not an array of strings, or for an empty text.
   * @throws {InvalidOptionError} for a `topK` that is not an integer >= 1 or a negative `threshold`.
   */
  async embedDocuments(documents: string[]): Promise<SparseValues[]> {
    if (!Array.isArray(documents)) throw new InvalidInputError("documents must be an array of strings", { field: "documents" });
    if (documents.length === 0) return [];
    const batches = chunkArray(documents, this.batchSize);
    return (await Promise.all(batches.map((batch) => this.#embed(batch, "document")))).flat();
  }

  /**
   * The sparse vector of one text, embedded as a query.
   * @throws {InvalidInputError} when `query` is not a non-empty string.
   */
  async embedQuery(query: string): Promise<SparseValues> {
    const [vector] = await this.#embed([query], "query");
    return vector as SparseValues;
  }

  async #embed(texts: string[], kind: EmbedKind): Promise<SparseValues[]> {
    const vectors = await this.caller.call(() => this.embedder.embedSparse(texts, { ...this.#pruning, kind }));
    if (!Array.isArray(vectors) || vectors.length !== texts.length) {
      throw new InvalidInputError(`The sparse embedder returned ${vectors?.length} vectors for ${texts.length} texts`, { field: "embedder" });
    }
    return vectors.map((v) => ({ indices: Array.from(v.indices), values: Array.from(v.values) }));
  }
}
