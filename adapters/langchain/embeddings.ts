import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";
import { chunkArray } from "@langchain/core/utils/chunk_array";
import { has, InvalidInputError } from "../../src/index.js";
import type { EmbedKind, EmbedOptions, Embedder, ImageInput } from "../../src/index.js";

/** Options of {@link RerankKitEmbeddings}, plus LangChain's `maxConcurrency` / `maxRetries` / `onFailedAttempt`. */
export interface RerankKitEmbeddingsParams extends EmbeddingsParams {
  /** A local bi-encoder (`loadScorer()` of a bi-encoder model) or a remote embedder. Used as is, never copied. */
  embedder: Embedder;
  /** Texts per `embed` call; batches run through LangChain's `caller`. @default 64 */
  batchSize?: number;
  /** Matryoshka: keep the first `dimensions` values, then re-normalize. @default undefined (full size) */
  dimensions?: number;
  /** Apply the model's normalization. @default true */
  normalize?: boolean;
  /** Batches in flight at once (LangChain `AsyncCaller`). @default 2 */
  maxConcurrency?: number;
  /**
   * Retries of a failed batch by LangChain's `AsyncCaller`. A local model fails the same way every
   * time and remote embedders retry on their own, so the default is none (LangChain's would be 6).
   * @default 0
   */
  maxRetries?: number;
}

/**
 * A LangChain `Embeddings` provider over any rerank-kit {@link Embedder}: a local bi-encoder or a
 * remote embeddings endpoint. `embedQuery` embeds with the model's query prompt or prefix,
 * `embedDocuments` with the document one, so asymmetric models (e5, bge, nomic) work unchanged.
 *
 * @example
 * ```ts
 * import { loadScorer } from "rerank-kit";
 * import { RerankKitEmbeddings } from "rerank-kit/langchain";
 * import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
 *
 * const embeddings = new RerankKitEmbeddings({ embedder: await loadScorer("Xenova/bge-small-en-v1.5") });
 * const store = await MemoryVectorStore.fromTexts(["a", "b"], [{}, {}], embeddings);
 * const hits = await store.similaritySearch("query", 4);
 * ```
 */
export class RerankKitEmbeddings extends Embeddings {
  /** The embedder every call goes to. */
  readonly embedder: Embedder;
  /** Texts per `embed` call. */
  readonly batchSize: number;
  readonly #options: Pick<EmbedOptions, "dimensions" | "normalize">;

  /** @throws {InvalidInputError} on a missing embedder or a bad `batchSize`. */
  constructor(params: RerankKitEmbeddingsParams) {
    super({
      ...params,
      maxConcurrency: params?.maxConcurrency ?? 2,
      maxRetries: params?.maxRetries ?? 0,
    });
    if (!has(params?.embedder, "embed")) {
      throw new InvalidInputError("RerankKitEmbeddings needs an embedder (a bi-encoder scorer or a RemoteEmbedder)", {
        field: "embedder",
      });
    }
    const batchSize = params.batchSize ?? 64;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidInputError(`batchSize must be a positive integer, got ${String(batchSize)}`, { field: "batchSize" });
    }
    this.embedder = params.embedder;
    this.batchSize = batchSize;
    this.#options = {};
    if (params.dimensions !== undefined) this.#options.dimensions = params.dimensions;
    if (params.normalize !== undefined) this.#options.normalize = params.normalize;
  }

  /**
   * One vector per text, in order, embedded as documents.
   * @throws {InvalidInputError} when `documents` is not an array of strings.
   */
  async embedDocuments(documents: string[]): Promise<number[][]> {
    assertStrings(documents, "documents");
    if (documents.length === 0) return [];
    const batches = chunkArray(documents, this.batchSize);
    const vectors = await Promise.all(batches.map((batch) => this.#embed(batch, "document")));
    return vectors.flat();
  }

  /**
   * The vector of one text, embedded as a query.
   * @throws {InvalidInputError} when `document` is not a string.
   */
  async embedQuery(document: string): Promise<number[]> {
    assertStrings([document], "query");
    const [vector] = await this.#embed([document], "query");
    return vector as number[];
  }

  /**
   * One vector per image, in order, in the text vectors' space, for an embedder that embeds
   * images (CLIP / SigLIP: `loadScorer` of such a model, or a `RemoteEmbedder` of a server that
   * serves one, given bytes or a `URL`). LangChain's `Embeddings` interface is text only, so vector
   * stores call `embedDocuments` / `embedQuery`; call this yourself and add the vectors with
   * `addVectors`. Batched by `batchSize` through LangChain's `caller`, as the texts.
   * @throws {InvalidInputError} when the embedder does not embed images or `images` is not an array.
   */
  async embedImages(images: ImageInput[]): Promise<number[][]> {
    const embedder = this.embedder;
    if (!has(embedder, "imageEmbed")) {
      throw new InvalidInputError("RerankKitEmbeddings.embedImages needs an embedder that embeds images (a CLIP or SigLIP model)", { field: "embedder" });
    }
    if (!Array.isArray(images)) throw new InvalidInputError("images must be an array", { field: "images" });
    if (images.length === 0) return [];
    const batches = chunkArray(images, this.batchSize);
    const vectors = await Promise.all(
      batches.map(async (batch) => {
        const out = await this.caller.call(() => embedder.embedImages(batch));
        if (!Array.isArray(out) || out.length !== batch.length) {
          throw new InvalidInputError(`The embedder returned ${out?.length} vectors for ${batch.length} images`, { field: "embedder" });
        }
        return out.map((v) => Array.from(v));
      }),
    );
    return vectors.flat();
  }

  async #embed(texts: string[], kind: EmbedKind): Promise<number[][]> {
    const vectors = await this.caller.call(() => this.embedder.embed(texts, { ...this.#options, kind }));
    if (!Array.isArray(vectors) || vectors.length !== texts.length) {
      throw new InvalidInputError(`The embedder returned ${vectors?.length} vectors for ${texts.length} texts`, {
        field: "embedder",
      });
    }
    return vectors.map((vector) => Array.from(vector));
  }
}

function assertStrings(texts: unknown, field: string): asserts texts is string[] {
  if (!Array.isArray(texts)) throw new InvalidInputError(`${field} must be an array of strings`, { field });
  texts.forEach((text, i) => {
    if (typeof text !== "string") {
      throw new InvalidInputError(`${field}[${i}] must be a string, got ${typeof text}`, { field: `${field}[${i}]` });
    }
  });
}
