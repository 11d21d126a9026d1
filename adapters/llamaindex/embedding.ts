import { BaseEmbedding } from "@llamaindex/core/embeddings";
import type { MessageContentDetail } from "@llamaindex/core/llms";
import { has, InvalidInputError } from "../../src/index.js";
import type { EmbedKind, EmbedOptions, Embedder } from "../../src/index.js";
import { Lazy, loadLocalEmbedder, type LocalModelSettings } from "../shared/local-model.js";
import { queryText } from "./query-text.js";

/** Options of {@link RerankKitEmbedding}. None is written back. */
export interface RerankKitEmbeddingOptions extends LocalModelSettings {
  /**
   * A bi-encoder (local, worker or remote; used as is, never closed here), or a Hub id or folder
   * to load on first use: in a worker thread unless `worker: false`, and closed by `close()`.
   */
  embedder: Embedder | string;
  /** Texts per `getTextEmbeddings` call when LlamaIndex embeds nodes. @default 64 */
  embedBatchSize?: number;
  /** Matryoshka: keep the first `dimensions` values, then re-normalize. @default undefined (full size) */
  dimensions?: number;
  /** Apply the model's normalization. @default true */
  normalize?: boolean;
}

/**
 * A LlamaIndex.TS `BaseEmbedding` over any rerank-kit {@link Embedder}. Nodes are embedded in
 * batches of `embedBatchSize` through one `embed` call each (LlamaIndex's default embeds one
 * text at a time); queries use the model's query prompt or prefix and nodes its document one,
 * so asymmetric models (e5, bge, nomic) work unchanged.
 *
 * @example
 * ```ts
 * import { Settings, VectorStoreIndex } from "llamaindex";
 * import { RerankKitEmbedding } from "rerank-kit/llamaindex";
 *
 * Settings.embedModel = new RerankKitEmbedding({ embedder: "Xenova/bge-small-en-v1.5" });
 * const index = await VectorStoreIndex.fromDocuments(documents);
 * ```
 */
export class RerankKitEmbedding extends BaseEmbedding {
  readonly #embedder: Lazy<Embedder>;
  readonly #options: Pick<EmbedOptions, "dimensions" | "normalize">;

  /** @throws {InvalidInputError} on a missing embedder or a bad `embedBatchSize`. */
  constructor(options: RerankKitEmbeddingOptions) {
    super();
    const embedder = options?.embedder;
    if (typeof embedder === "string") this.#embedder = new Lazy<Embedder>(() => loadLocalEmbedder(embedder, options));
    else if (has(embedder, "embed")) this.#embedder = new Lazy(embedder);
    else throw new InvalidInputError("RerankKitEmbedding needs an embedder or a model id / folder", { field: "embedder" });
    const batch = options.embedBatchSize ?? 64;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new InvalidInputError(`embedBatchSize must be a positive integer, got ${String(batch)}`, { field: "embedBatchSize" });
    }
    this.embedBatchSize = batch;
    this.#options = {};
    if (options.dimensions !== undefined) this.#options.dimensions = options.dimensions;
    if (options.normalize !== undefined) this.#options.normalize = options.normalize;
  }

  /** One text embedded as a document. */
  async getTextEmbedding(text: string): Promise<number[]> {
    return (await this.#embed([text], "document"))[0] as number[];
  }

  /** The texts embedded as documents in one call, in order. LlamaIndex batches nodes through it. */
  override getTextEmbeddings = async (texts: string[]): Promise<number[][]> => this.#embed(texts, "document");

  /** The query's text embedded with the model's query prompt; `null` when it has no text (as LlamaIndex's own). */
  override async getQueryEmbedding(query: MessageContentDetail): Promise<number[] | null> {
    let text: string;
    try {
      text = queryText(query);
    } catch {
      // LlamaIndex's contract for a query without text (e.g. an image) is null, not an error.
      return null;
    }
    return (await this.#embed([text], "query"))[0] as number[];
  }

  /** Closes the embedder if this object loaded it from a model id or folder. */
  close(): Promise<void> {
    return this.#embedder.close();
  }

  async #embed(texts: string[], kind: EmbedKind): Promise<number[][]> {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) {
      throw new InvalidInputError("texts must be an array of strings", { field: "texts" });
    }
    if (texts.length === 0) return [];
    const vectors = await (await this.#embedder.get()).embed(texts, { ...this.#options, kind });
    return vectors.map((v) => Array.from(v));
  }
}
