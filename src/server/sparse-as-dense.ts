import type { EmbedOptions, EmbedResponse, Embedder } from "../contracts/embedder.js";
import type { SparseEmbedder } from "../contracts/sparse-embedder.js";
import { badRequest } from "./http/http-error.js";

/**
 * The embedding a vLLM server gives a SPLADE model (`BertSpladeSparseEmbeddingModel`, task
 * `embed`): the sparse vector written out over the whole vocabulary, zeros included. Documents
 * are encoded as documents; `dimensions` and `use_activation` have no meaning for it.
 * @internal
 */
export function sparseAsDense(sparse: SparseEmbedder): Embedder {
  const embedWithUsage = async (texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> => {
    if (options.dimensions !== undefined) throw badRequest("This model does not support matryoshka representation.", "dimensions");
    const { vectors, usage } = await sparse.embedSparseWithUsage(texts, {
      ...(options.truncate !== undefined && { truncate: options.truncate }),
      ...(options.signal && { signal: options.signal }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
    const embeddings = vectors.map((v) => {
      const dense = new Float32Array(sparse.vocabularySize);
      v.indices.forEach((id, k) => (dense[id] = v.values[k] as number));
      return dense;
    });
    return { embeddings, usage };
  };
  return {
    model: sparse.model,
    embedWithUsage,
    embed: async (texts, options) => (await embedWithUsage(texts, options)).embeddings,
  };
}
