import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { RunnableLambda, RunnableSequence } from "@langchain/core/runnables";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { InMemoryStore } from "@langchain/core/stores";
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { DocumentCompressorPipeline } from "@langchain/classic/retrievers/document_compressors";
import { MultiQueryRetriever } from "@langchain/classic/retrievers/multi_query";
import { ParentDocumentRetriever } from "@langchain/classic/retrievers/parent_document";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { RecursiveCharacterTextSplitter } from "@langchain/classic/text_splitter";
import { AbortError, isTokenizerAccess, type Scorer } from "../../src/index.js";
import { RERANK_EVENT, RerankCompressor, RerankKitEmbeddings, type RerankEvent } from "../../adapters/langchain/index.js";
import { backends, type Backend } from "./helpers/backends.js";

const CORPUS = [
  "Cats purr when they are content and relaxed.",
  "Dogs bark to alert their owners of strangers.",
  "Solar panels convert sunlight into electricity.",
  "A cat's purr vibrates between 25 and 150 hertz.",
  "Electric cars use batteries instead of petrol.",
  "Purring cats may also purr when injured or stressed.",
  "The stock market closed higher on Tuesday.",
  "Why do cats purr? Scientists still debate it.",
];
const QUERY = "why do cats purr";

/** The scorer's own scores for `texts`, sorted: the order the compressor must reproduce. */
async function expectedTop(scorer: Scorer, texts: string[], topN: number): Promise<Array<{ text: string; score: number }>> {
  const scores = await scorer.score(QUERY, texts);
  return texts
    .map((text, i) => ({ text, score: scores[i] as number }))
    .sort((a, b) => b.score - a.score)
    .slice(0, topN);
}

const corpusDocs = () => CORPUS.map((pageContent, i) => new Document({ pageContent, metadata: { n: i }, id: `doc-${i}` }));

for (const [name, makeBackend] of Object.entries(backends)) {
  describe(`LangChain consumers (${name} backend)`, () => {
    let backend: Backend;
    let store: MemoryVectorStore;
    beforeAll(async () => {
      backend = await makeBackend();
      store = await MemoryVectorStore.fromDocuments(corpusDocs(), new RerankKitEmbeddings({ embedder: backend.embedder }));
    });
    afterAll(async () => backend?.close());

    it("ContextualCompressionRetriever over a MemoryVectorStore returns the scorer's top N, and emits the event", async () => {
      const events: RerankEvent[] = [];
      const retriever = new ContextualCompressionRetriever({
        baseCompressor: new RerankCompressor({ scorer: backend.scorer, topN: 3 }),
        baseRetriever: store.asRetriever({ k: CORPUS.length }),
      });
      const docs = await retriever.invoke(QUERY, {
        callbacks: [{ handleCustomEvent: (eventName: string, data: RerankEvent) => void (eventName === RERANK_EVENT && events.push(data)), awaitHandlers: true }],
      });
      const expected = await expectedTop(backend.scorer, CORPUS, 3);
      expect(docs.map((d) => d.pageContent)).toEqual(expected.map((e) => e.text));
      docs.forEach((d, k) => expect(d.metadata.relevanceScore).toBeCloseTo(expected[k]?.score as number, 5));
      expect(docs.map((d) => d.id)).toEqual(docs.map((d) => `doc-${d.metadata.n}`));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ documents: CORPUS.length, kept: 3, model: backend.scorer.model });
      // Local scorers can count truncation (none here: short texts); remote ones cannot tell.
      expect(events[0]?.truncated).toBe(isTokenizerAccess(backend.scorer) ? 0 : null);
    });

    it("rejects with AbortError when the compressor's signal has fired, through a retriever", async () => {
      const retriever = new ContextualCompressionRetriever({
        baseCompressor: new RerankCompressor({ scorer: backend.scorer, signal: AbortSignal.abort() }),
        baseRetriever: store.asRetriever({ k: 4 }),
      });
      await expect(retriever.invoke(QUERY)).rejects.toBeInstanceOf(AbortError);
      await expect(new RerankCompressor({ scorer: backend.scorer }).rerank(CORPUS, QUERY, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    });

    it("ContextualCompressionRetriever with a base retriever that finds nothing returns []", async () => {
      const empty = new MemoryVectorStore(new RerankKitEmbeddings({ embedder: backend.embedder }));
      const retriever = new ContextualCompressionRetriever({
        baseCompressor: new RerankCompressor({ scorer: backend.scorer }),
        baseRetriever: empty.asRetriever(),
      });
      expect(await retriever.invoke(QUERY)).toEqual([]);
    });

    it("DocumentCompressorPipeline: a splitter then the reranker", async () => {
      const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 30, chunkOverlap: 0 });
      const pipeline = new DocumentCompressorPipeline({ transformers: [splitter, new RerankCompressor({ scorer: backend.scorer, topN: 2 })] });
      const input = corpusDocs().slice(0, 4);
      const out = await pipeline.compressDocuments(input, QUERY);
      const chunks = (await splitter.splitDocuments(corpusDocs().slice(0, 4))).map((d) => d.pageContent);
      expect(chunks.length).toBeGreaterThan(4);
      expect(out.map((d) => d.pageContent)).toEqual((await expectedTop(backend.scorer, chunks, 2)).map((e) => e.text));
    });

    it("MultiQueryRetriever's documentCompressor reranks the union against the original question", async () => {
      const llm = new FakeListChatModel({ responses: ["<questions>\ncat purring\nwhy cats purr\n</questions>"] });
      const retriever = MultiQueryRetriever.fromLLM({
        llm,
        retriever: store.asRetriever({ k: 4 }),
        documentCompressor: new RerankCompressor({ scorer: backend.scorer, topN: 2 }),
      });
      const docs = await retriever.invoke(QUERY);
      const union = new Set([
        ...(await store.asRetriever({ k: 4 }).invoke("cat purring")),
        ...(await store.asRetriever({ k: 4 }).invoke("why cats purr")),
      ].map((d) => d.pageContent));
      expect(docs.map((d) => d.pageContent)).toEqual((await expectedTop(backend.scorer, [...union], 2)).map((e) => e.text));
    });

    it("ParentDocumentRetriever returns the parent of the best-scoring child (metadata ids survive)", async () => {
      const parents = [
        new Document({ pageContent: `${CORPUS[2]} ${CORPUS[4]} ${CORPUS[6]}`, metadata: { title: "tech" } }),
        new Document({ pageContent: `${CORPUS[1]} ${CORPUS[7]} ${CORPUS[0]}`, metadata: { title: "pets" } }),
      ];
      const childSplitter = new RecursiveCharacterTextSplitter({ chunkSize: 60, chunkOverlap: 0 });
      const retriever = new ParentDocumentRetriever({
        vectorstore: new MemoryVectorStore(new RerankKitEmbeddings({ embedder: backend.embedder })),
        byteStore: new InMemoryStore<Uint8Array>(),
        childSplitter,
        childK: 20,
        documentCompressor: new RerankCompressor({ scorer: backend.scorer, topN: 1 }),
      });
      await retriever.addDocuments(parents, { ids: ["tech", "pets"] });
      const docs = await retriever.invoke(QUERY);
      const children = (await childSplitter.splitDocuments(parents)).map((d) => d.pageContent);
      const [best] = await expectedTop(backend.scorer, children, 1);
      expect(docs).toHaveLength(1);
      expect(docs[0]?.pageContent.includes(best?.text as string)).toBe(true);
    });

    it("an LCEL RunnableSequence retrieves, reranks and formats", async () => {
      const retriever = new ContextualCompressionRetriever({
        baseCompressor: new RerankCompressor({ scorer: backend.scorer, topN: 2 }),
        baseRetriever: store.asRetriever({ k: CORPUS.length }),
      });
      const format = RunnableLambda.from((docs: DocumentInterface[]) => docs.map((d, i) => `[${i + 1}] ${d.pageContent}`).join("\n"));
      const chain = RunnableSequence.from([retriever, format]);
      const expected = await expectedTop(backend.scorer, CORPUS, 2);
      expect(await chain.invoke(QUERY)).toBe(expected.map((e, i) => `[${i + 1}] ${e.text}`).join("\n"));
    });

    it("RerankKitEmbeddings puts the query's nearest neighbours first in the vector store", async () => {
      const [hit] = await store.similaritySearchWithScore(QUERY, 1);
      const queryVector = (await backend.embedder.embed([QUERY], { kind: "query" }))[0] as Float32Array;
      const docVectors = await backend.embedder.embed(CORPUS, { kind: "document" });
      const cos = (a: Float32Array, b: Float32Array) => {
        let dot = 0, na = 0, nb = 0;
        for (let i = 0; i < a.length; i++) { dot += (a[i] as number) * (b[i] as number); na += (a[i] as number) ** 2; nb += (b[i] as number) ** 2; }
        return dot / Math.sqrt(na * nb);
      };
      const sims = docVectors.map((v) => cos(queryVector, v));
      expect(hit?.[0].pageContent).toBe(CORPUS[sims.indexOf(Math.max(...sims))]);
      expect(hit?.[1]).toBeCloseTo(Math.max(...sims), 5);
    });
  });
}
