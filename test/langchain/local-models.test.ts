import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Document } from "@langchain/core/documents";
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { BiEncoderScorer, CrossEncoderScorer, LateInteractionScorer, WorkerScorer } from "../../src/index.js";
import { RerankCompressor, RerankKitEmbeddings, type RerankEvent } from "../../adapters/langchain/index.js";
import { ensureTestModels } from "../fixtures/index.js";

const QUERY = "how do solar panels work";
const SHORT = ["Solar panels turn light into power.", "Bread needs yeast to rise.", "Panels of judges vote."];
const LONG = `${"The quick brown fox jumps over the lazy dog near the river bank today. ".repeat(20)}Solar panels work by the photovoltaic effect.`;

let models: Record<string, string>;
beforeAll(async () => {
  models = await ensureTestModels();
});

describe("ColBERT document cache through the compressor", () => {
  let scorer: LateInteractionScorer;
  beforeAll(async () => {
    scorer = await LateInteractionScorer.fromPretrained(models["colbert-pylate"] as string);
  });
  afterAll(() => scorer.close());

  it("does not re-encode documents retrieved again (compressDocuments and a retriever)", async () => {
    scorer.clearCache();
    const compressor = new RerankCompressor({ scorer, topN: 2 });
    const docs = SHORT.map((pageContent) => new Document({ pageContent }));
    const first = await compressor.compressDocuments(docs, QUERY);
    const afterFirst = scorer.cacheStats();
    expect(afterFirst.misses).toBe(SHORT.length);
    const second = await compressor.compressDocuments(docs, "another query about bread");
    const afterSecond = scorer.cacheStats();
    expect(afterSecond.misses).toBe(SHORT.length); // nothing new encoded
    expect(afterSecond.hits - afterFirst.hits).toBe(SHORT.length);
    expect(second).toHaveLength(2);
    expect(first[0]?.metadata.relevanceScore).toBeCloseTo((await scorer.score(QUERY, first[0]?.pageContent as string))[0] as number, 6);

    const embedder = await BiEncoderScorer.fromPretrained(models["bi-encoder-mean"] as string);
    try {
      const store = await MemoryVectorStore.fromDocuments(docs, new RerankKitEmbeddings({ embedder }));
      const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever: store.asRetriever({ k: 3 }) });
      await retriever.invoke(QUERY);
      await retriever.invoke("yet another query");
      expect(scorer.cacheStats().misses).toBe(SHORT.length);
    } finally {
      await embedder.close();
    }
  });
});

describe("RerankKitEmbeddings over a local bi-encoder with prompts", () => {
  it("embeds queries with the model's query prompt and documents with its document prompt", async () => {
    const dir = models["bi-encoder-mean"] as string; // prompts: "query: " / "passage: "
    const embedder = await BiEncoderScorer.fromPretrained(dir);
    const bare = await BiEncoderScorer.fromPretrained(dir, { queryPrefix: "", documentPrefix: "" });
    try {
      const embeddings = new RerankKitEmbeddings({ embedder });
      const q = await embeddings.embedQuery(QUERY);
      const [d] = await embeddings.embedDocuments([QUERY]);
      const [refQ, refD] = await bare.embed([`query: ${QUERY}`, `passage: ${QUERY}`]);
      q.forEach((x, i) => expect(x).toBeCloseTo(refQ?.[i] as number, 5));
      d?.forEach((x, i) => expect(x).toBeCloseTo(refD?.[i] as number, 5));
      const diff = Math.max(...q.map((x, i) => Math.abs(x - (d?.[i] as number))));
      expect(diff).toBeGreaterThan(1e-3); // the two prompts really differ on this fixture
    } finally {
      await Promise.all([embedder.close(), bare.close()]);
    }
  });
});

describe("long documents with a real tokenizer (cross-encoder, 128 tokens)", () => {
  let scorer: CrossEncoderScorer;
  beforeAll(async () => {
    scorer = await CrossEncoderScorer.fromPretrained(models["cross-encoder"] as string);
  });
  afterAll(() => scorer.close());

  const events: RerankEvent[] = [];
  const handler = { handleCustomEvent: (_: string, e: RerankEvent) => void events.push(e), awaitHandlers: true };
  const docs = () => [new Document({ pageContent: LONG, id: "long" }), ...SHORT.map((pageContent, i) => new Document({ pageContent, id: `s${i}` }))];

  it("truncate mode reports the long document as truncated and scores what the scorer scores", async () => {
    events.length = 0;
    const out = await new RerankCompressor({ scorer, topN: 0 }).compressDocuments(docs(), QUERY, [handler]);
    expect(scorer.tokenize(LONG, { addSpecialTokens: false }).ids.length).toBeGreaterThan(scorer.documentTokenBudget(QUERY));
    expect(events[0]).toMatchObject({ truncated: 1, scoredTexts: 4 });
    const [longScore] = await scorer.score(QUERY, [LONG]);
    expect(out.find((d) => d.id === "long")?.metadata.relevanceScore).toBeCloseTo(longScore as number, 6);
  });

  it("chunk-max scores the long document as the max over the scorer's own windows", async () => {
    events.length = 0;
    const compressor = new RerankCompressor({ scorer, topN: 0, longDocuments: "chunk-max", overlapTokens: 16 });
    const out = await compressor.compressDocuments(docs(), QUERY, [handler]);
    const windows = scorer.splitIntoWindows(LONG, scorer.documentTokenBudget(QUERY), 16);
    expect(windows.length).toBeGreaterThan(1);
    const windowScores = await scorer.score(QUERY, windows);
    expect(out.find((d) => d.id === "long")?.metadata.relevanceScore).toBeCloseTo(Math.max(...windowScores), 6);
    expect(events[0]).toMatchObject({ truncated: 0, scoredTexts: 3 + windows.length, longDocuments: "chunk-max" });
    const shortScores = await scorer.score(QUERY, SHORT);
    SHORT.forEach((_, i) => expect(out.find((d) => d.id === `s${i}`)?.metadata.relevanceScore).toBeCloseTo(shortScores[i] as number, 6));
  });
});

describe("RerankCompressor.fromModel", () => {
  it("loads a model folder in a worker thread, ranks as the in-process scorer does, and owns it", async () => {
    const dir = models["cross-encoder"] as string;
    const compressor = await RerankCompressor.fromModel(dir, { topN: 0 });
    const local = await CrossEncoderScorer.fromPretrained(dir);
    try {
      expect(compressor.scorer).toBeInstanceOf(WorkerScorer);
      const docs = [...SHORT, LONG].map((pageContent) => new Document({ pageContent }));
      const out = await compressor.compressDocuments(docs, QUERY);
      const expected = await local.rerank(QUERY, [...SHORT, LONG]);
      expect(out.map((d) => d.pageContent)).toEqual(expected.map((r) => r.document));
      out.forEach((d, i) => expect(d.metadata.relevanceScore).toBeCloseTo(expected[i]?.score as number, 6));
    } finally {
      await local.close();
      await compressor.close();
    }
    // close() released the worker: the owned scorer no longer scores.
    await expect(compressor.scorer.score(QUERY, "x")).rejects.toThrow(/closed/);
  });

  it("loads in process with worker: false, and checks its fields", async () => {
    const dir = models["cross-encoder"] as string;
    const compressor = await RerankCompressor.fromModel(dir, { worker: false, topN: 1 });
    expect(compressor.scorer).toBeInstanceOf(CrossEncoderScorer);
    await compressor.close();
    await expect(RerankCompressor.fromModel(dir, { worker: false, topN: -1 })).rejects.toThrow(/topN/);
  });
});
