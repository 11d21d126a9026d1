/**
 * LangChain.js adapters: {@link RerankCompressor} (a `BaseDocumentCompressor`) and
 * {@link RerankKitEmbeddings} (an `Embeddings` provider), over any local or remote scorer.
 *
 * @module
 */
export { RerankCompressor } from "./compressor.js";
export type { RerankCompressorFields, RerankCallOptions, RerankScore } from "./compressor-fields.js";
export { RerankKitEmbeddings } from "./embeddings.js";
export type { RerankKitEmbeddingsParams } from "./embeddings.js";
export { RERANK_EVENT } from "./rerank-event.js";
export type { RerankEvent } from "./rerank-event.js";
export type { LongDocumentStrategy } from "./long-documents.js";
export type { RerankableDocument, DocumentToText } from "./texts.js";
