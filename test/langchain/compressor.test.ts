import { describe, expect, it } from "vitest";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { BaseDocumentCompressor } from "@langchain/core/retrievers/document_compressors";
import { AbortError, InvalidInputError } from "../../src/index.js";
import { RERANK_EVENT, RerankCompressor, type RerankEvent } from "../../adapters/langchain/index.js";
import { FakeScorer, lexicalScore } from "./helpers/fake-scorer.js";

const QUERY = "how do cats purr";
const TEXTS = [
  "dogs bark at night",
  "cats purr when content",
  "how do cats purr and why",
  "the stock market fell",
  "cats sleep all day",
];
const docs = (): Document[] =>
  TEXTS.map((pageContent, i) => new Document({ pageContent, metadata: { source: `s${i}`, nested: { n: i } }, id: `id-${i}` }));

/** Indices of TEXTS, best first, from the reference score (not from the compressor). */
const expectedOrder = (texts = TEXTS, query = QUERY) =>
  texts.map((t, i) => ({ i, s: lexicalScore(query, t) })).sort((a, b) => b.s - a.s).map((x) => x.i);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe("RerankCompressor", () => {
  it("is a BaseDocumentCompressor", () => {
    const compressor = new RerankCompressor({ scorer: new FakeScorer() });
    expect(compressor).toBeInstanceOf(BaseDocumentCompressor);
    expect(BaseDocumentCompressor.isBaseDocumentCompressor(compressor)).toBe(true);
  });

  it("returns the top 3 by default, sorted by the scorer's scores, with id and metadata kept", async () => {
    const out = await new RerankCompressor({ scorer: new FakeScorer() }).compressDocuments(docs(), QUERY);
    const order = expectedOrder().slice(0, 3);
    expect(out.map((d) => d.pageContent)).toEqual(order.map((i) => TEXTS[i]));
    out.forEach((d, k) => {
      const i = order[k] as number;
      expect(d).toBeInstanceOf(Document);
      expect(d.id).toBe(`id-${i}`);
      expect(d.metadata).toEqual({ source: `s${i}`, nested: { n: i }, relevanceScore: lexicalScore(QUERY, TEXTS[i] as string) });
    });
  });

  it("does not mutate the input documents, their metadata or the array", async () => {
    const input = deepFreeze(docs());
    const before = structuredClone(input.map((d) => ({ ...d })));
    const out = await new RerankCompressor({ scorer: new FakeScorer(), topN: 0 }).compressDocuments(input, QUERY);
    expect(input.map((d) => ({ ...d }))).toEqual(before);
    for (const d of out) {
      expect(input).not.toContain(d);
      expect(input.map((x) => x.metadata)).not.toContain(d.metadata);
    }
  });

  it("returns [] for [] without calling the scorer", async () => {
    const scorer = new FakeScorer();
    const compressor = new RerankCompressor({ scorer });
    expect(await compressor.compressDocuments([], QUERY)).toEqual([]);
    expect(await compressor.rerank([], QUERY)).toEqual([]);
    expect(scorer.calls).toHaveLength(0);
  });

  it("returns every document when topN is larger than the list, and with topN 0", async () => {
    for (const topN of [50, 0]) {
      const out = await new RerankCompressor({ scorer: new FakeScorer(), topN }).compressDocuments(docs(), QUERY);
      expect(out.map((d) => d.id)).toEqual(expectedOrder().map((i) => `id-${i}`));
    }
  });

  it("drops everything under a threshold above every score, and keeps those at or above it", async () => {
    const scorer = new FakeScorer();
    expect(await new RerankCompressor({ scorer, scoreThreshold: 100 }).compressDocuments(docs(), QUERY)).toEqual([]);
    const out = await new RerankCompressor({ scorer, scoreThreshold: 2, topN: 0 }).compressDocuments(docs(), QUERY);
    const expected = TEXTS.filter((t) => lexicalScore(QUERY, t) >= 2);
    expect(out.map((d) => d.pageContent).sort()).toEqual([...expected].sort());
    expect(expected.length).toBeGreaterThan(0);
  });

  it("writes the score under a custom metadataKey", async () => {
    const [best] = await new RerankCompressor({ scorer: new FakeScorer(), metadataKey: "score" }).compressDocuments(docs(), QUERY);
    expect(best?.metadata.score).toBe(lexicalScore(QUERY, best?.pageContent ?? ""));
    expect(best?.metadata.relevanceScore).toBeUndefined();
  });

  it("rerank() accepts strings, Documents and {pageContent} and returns {index, relevanceScore} best first", async () => {
    const mixed = [TEXTS[0] as string, new Document({ pageContent: TEXTS[1] as string }), { pageContent: TEXTS[2] as string }];
    const compressor = new RerankCompressor({ scorer: new FakeScorer() });
    const ranked = await compressor.rerank(mixed, QUERY, { topN: 2 });
    const order = expectedOrder(TEXTS.slice(0, 3));
    expect(ranked).toEqual(order.slice(0, 2).map((i) => ({ index: i, relevanceScore: lexicalScore(QUERY, TEXTS[i] as string) })));
  });

  it("scores documentToText's text while returning the original pageContent", async () => {
    const input = [
      new Document({ pageContent: "unrelated body", metadata: { title: "cats purr" } }),
      new Document({ pageContent: "another body", metadata: { title: "stocks" } }),
    ];
    const compressor = new RerankCompressor({ scorer: new FakeScorer(), documentToText: (d) => `${d.metadata.title}\n${d.pageContent}` });
    const [best] = await compressor.compressDocuments(input, QUERY);
    expect(best?.pageContent).toBe("unrelated body");
  });

  it("uses the scorer it was given, not a copy, and forwards scoreOptions", async () => {
    const scorer = new FakeScorer();
    const compressor = new RerankCompressor({ scorer, scoreOptions: { activation: false } });
    expect(compressor.scorer).toBe(scorer);
    await compressor.compressDocuments(docs(), QUERY);
    await compressor.compressDocuments(docs(), QUERY);
    expect(scorer.calls).toHaveLength(2);
    expect(scorer.calls[0]?.options?.activation).toBe(false);
  });

  it("emits one custom event per call to plain handler lists", async () => {
    const events: Array<{ name: string; data: RerankEvent }> = [];
    const handler = { handleCustomEvent: (name: string, data: RerankEvent) => void events.push({ name, data }), awaitHandlers: true };
    const compressor = new RerankCompressor({ scorer: new FakeScorer(), topN: 2 });
    await compressor.compressDocuments(docs(), QUERY, [handler]);
    await compressor.compressDocuments([], QUERY, [handler]);
    expect(events).toHaveLength(2);
    expect(events[0]?.name).toBe(RERANK_EVENT);
    expect(events[0]?.data).toMatchObject({ model: "fake-lexical", scoreType: "cross-encoder", documents: 5, kept: 2, topN: 2, truncated: null, scoredTexts: 5, longDocuments: "truncate" });
    expect(events[0]?.data.durationMs).toBeGreaterThanOrEqual(0);
    expect(events[1]?.data).toMatchObject({ documents: 0, kept: 0 });
  });

  it("rejects with AbortError when the constructor signal is aborted, without scoring", async () => {
    const scorer = new FakeScorer();
    const compressor = new RerankCompressor({ scorer, signal: AbortSignal.abort() });
    await expect(compressor.compressDocuments(docs(), QUERY)).rejects.toBeInstanceOf(AbortError);
  });

  it("rejects with AbortError when rerank()'s signal fires mid-call", async () => {
    const scorer = new FakeScorer();
    scorer.delayMs = 5_000;
    const controller = new AbortController();
    const pending = new RerankCompressor({ scorer }).rerank(TEXTS, QUERY, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("rejects bad options and inputs with InvalidInputError naming the field", async () => {
    const scorer = new FakeScorer();
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidInputError);
        return (e as InvalidInputError).field;
      }
      return "no error";
    };
    expect(field(() => new RerankCompressor({} as never))).toBe("scorer");
    expect(field(() => new RerankCompressor({ scorer, topN: -1 }))).toBe("topN");
    expect(field(() => new RerankCompressor({ scorer, topN: 1.5 }))).toBe("topN");
    expect(field(() => new RerankCompressor({ scorer, metadataKey: "" }))).toBe("metadataKey");
    expect(field(() => new RerankCompressor({ scorer, scoreThreshold: Number.NaN }))).toBe("scoreThreshold");
    expect(field(() => new RerankCompressor({ scorer, longDocuments: "chunk-max" }))).toBe("longDocuments");
    const compressor = new RerankCompressor({ scorer });
    await expect(compressor.compressDocuments(docs(), 42 as never)).rejects.toMatchObject({ field: "query" });
    await expect(compressor.rerank([{ pageContent: 7 } as never], QUERY)).rejects.toMatchObject({ field: "documents[0]" });
    expect(scorer.calls).toHaveLength(0);
  });

  it("keeps type compatibility with DocumentInterface inputs", async () => {
    const plain: DocumentInterface[] = [{ pageContent: "cats purr", metadata: {} }];
    const [out] = await new RerankCompressor({ scorer: new FakeScorer() }).compressDocuments(plain, QUERY);
    expect(out?.id).toBeUndefined();
    expect(out?.metadata.relevanceScore).toBe(lexicalScore(QUERY, "cats purr"));
  });
});

describe("RerankCompressor onError", () => {
  class FailingScorer extends FakeScorer {
    override async scoreWithUsage(): Promise<never> {
      throw new Error("reranker server is down");
    }
  }

  it("rejects by default when the scorer fails", async () => {
    await expect(new RerankCompressor({ scorer: new FailingScorer() }).compressDocuments(docs(), QUERY)).rejects.toThrow("reranker server is down");
  });

  it('with "keep-order" falls back to retrieval order, flags each document and reports the error', async () => {
    const events: RerankEvent[] = [];
    const input = deepFreeze(docs());
    const out = await new RerankCompressor({ scorer: new FailingScorer(), onError: "keep-order", topN: 2 }).compressDocuments(input, QUERY, [
      { handleCustomEvent: (name: string, data: RerankEvent) => void (name === RERANK_EVENT && events.push(data)), awaitHandlers: true },
    ]);
    expect(out.map((d) => d.id)).toEqual(["id-0", "id-1"]);
    expect(out[0]?.metadata).toEqual({ source: "s0", nested: { n: 0 }, relevanceScore: null, rerankError: "reranker server is down" });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ error: "reranker server is down", kept: 2, documents: 5 });
  });

  it('with "keep-order" still rejects bad input and aborts', async () => {
    const compressor = new RerankCompressor({ scorer: new FailingScorer(), onError: "keep-order" });
    await expect(compressor.compressDocuments(docs(), 42 as unknown as string)).rejects.toBeInstanceOf(InvalidInputError);
    const controller = new AbortController();
    controller.abort();
    const aborting = new RerankCompressor({ scorer: new FakeScorer(), onError: "keep-order", signal: controller.signal });
    await expect(aborting.compressDocuments(docs(), QUERY)).rejects.toBeInstanceOf(AbortError);
  });

  it("reports error: null in the event when scoring succeeds, and rejects an unknown onError", async () => {
    const events: RerankEvent[] = [];
    await new RerankCompressor({ scorer: new FakeScorer(), onError: "keep-order" }).compressDocuments(docs(), QUERY, [
      { handleCustomEvent: (_: string, data: RerankEvent) => void events.push(data), awaitHandlers: true },
    ]);
    expect(events[0]?.error).toBeNull();
    expect(() => new RerankCompressor({ scorer: new FakeScorer(), onError: "ignore" as "throw" })).toThrow(/onError must be "throw" or "keep-order"/);
  });
});
