/**
 * LangChain.js adapters: {@link RerankCompressor} (a `BaseDocumentCompressor`),
 * {@link RerankKitEmbeddings} (an `Embeddings` provider) and {@link RerankKitSparseEmbeddings}
 * (sparse vectors for hybrid search), over any local or remote scorer.
 *
 * @module
 */
export { RerankCompressor } from "./compressor.js";
export type { RerankCompressorFields, RerankCallOptions, RerankScore } from "./compressor-fields.js";
export { RerankKitEmbeddings } from "./embeddings.js";
export type { RerankKitEmbeddingsParams } from "./embeddings.js";
export { RerankKitSparseEmbeddings } from "./sparse-embeddings.js";
export type { RerankKitSparseEmbeddingsParams, SparseValues } from "./sparse-embeddings.js";
export { RERANK_EVENT } from "./rerank-event.js";
export type { RerankEvent } from "./rerank-event.js";
export type { LongDocumentStrategy } from "./long-documents.js";
export type { RerankableDocument, DocumentToText } from "./texts.js";
