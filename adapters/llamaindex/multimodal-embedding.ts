import { MultiModalEmbedding } from "@llamaindex/core/embeddings";
import type { ImageType } from "@llamaindex/core/schema";
import { has, InvalidInputError } from "../../src/index.js";
import type { Embedder, ImageEmbedder, ImageInput } from "../../src/index.js";

/** Options of {@link RerankKitMultiModalEmbedding}. */
export interface RerankKitMultiModalEmbeddingOptions {
  /** An image-text model (CLIP / SigLIP: `loadScorer` of one); used as is, never closed here. */
  embedder: Embedder & ImageEmbedder;
  /** Texts or images per call when LlamaIndex embeds nodes. @default 16 */
  embedBatchSize?: number;
}

/**
 * A LlamaIndex.TS `MultiModalEmbedding` over a rerank-kit image-text model: `TextNode`s get the
 * model's text vectors and `ImageNode`s its image vectors, in one space, so a
 * `MultiModalVectorStoreIndex` retrieves images by text and texts by image. An image is a path,
 * a `data:` / `file:` URL (string or `URL`) or a `Blob`; `http(s)` images are not fetched in
 * process (download them first).
 *
 * @example
 * ```ts
 * import { ImageNode } from "llamaindex";
 * import { loadScorer, type ImageTextScorer } from "rerank-kit";
 * import { RerankKitMultiModalEmbedding } from "rerank-kit/llamaindex";
 *
 * const embedModel = new RerankKitMultiModalEmbedding({ embedder: (await loadScorer("./clip")) as ImageTextScorer });
 * const [node] = await embedModel([new ImageNode({ image: "photo.png" })]);
 * ```
 */
export class RerankKitMultiModalEmbedding extends MultiModalEmbedding {
  readonly #embedder: Embedder & ImageEmbedder;

  /** @throws {InvalidInputError} when the embedder does not embed both texts and images. */
  constructor(options: RerankKitMultiModalEmbeddingOptions) {
    super();
    const embedder = options?.embedder;
    if (!has(embedder, "embed") || !has(embedder, "imageEmbed")) {
      throw new InvalidInputError("RerankKitMultiModalEmbedding needs an embedder of texts and images (a CLIP or SigLIP model)", { field: "embedder" });
    }
    const size = options.embedBatchSize ?? 16;
    if (!Number.isInteger(size) || size < 1) throw new InvalidInputError(`embedBatchSize must be a positive integer, got ${String(size)}`, { field: "embedBatchSize" });
    this.#embedder = embedder;
    this.embedBatchSize = size;
  }

  /** One text's vector. */
  async getTextEmbedding(text: string): Promise<number[]> {
    return (await this.getTextEmbeddings([text]))[0] as number[];
  }

  /** The texts' vectors in one call, in order. LlamaIndex batches text nodes through it. */
  override getTextEmbeddings = async (texts: string[]): Promise<number[][]> => {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) throw new InvalidInputError("texts must be an array of strings", { field: "texts" });
    if (texts.length === 0) return [];
    return (await this.#embedder.embed(texts)).map((v) => Array.from(v));
  };

  /** One image's vector. */
  async getImageEmbedding(image: ImageType): Promise<number[]> {
    return (await this.getImageEmbeddings([image]))[0] as number[];
  }

  /** The images' vectors in one call, in order. LlamaIndex batches image nodes through it. */
  override async getImageEmbeddings(images: ImageType[]): Promise<number[][]> {
    if (images.length === 0) return [];
    const inputs = await Promise.all(images.map(toImageInput));
    return (await this.#embedder.embedImages(inputs)).map((v) => Array.from(v));
  }
}

/** LlamaIndex's image (path or URL string, `URL`, `Blob`) as a rerank-kit image. */
async function toImageInput(image: ImageType): Promise<ImageInput> {
  if (typeof image === "string" || image instanceof URL) return image;
  if (typeof Blob !== "undefined" && image instanceof Blob) return new Uint8Array(await image.arrayBuffer());
  throw new InvalidInputError("an image must be a path, a URL or a Blob", { field: "image" });
}
