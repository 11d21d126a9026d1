import { describe, expect, it } from "vitest";
import { Document } from "@langchain/core/documents";
import { RerankCompressor, type RerankEvent } from "../../adapters/langchain/index.js";
import { FakeTokenizingScorer, lexicalScore } from "./helpers/fake-scorer.js";

// maxLength 12 and a 3-word query leave 12 - 3 - 3 = 6 document tokens per pair.
const QUERY = "solar panel efficiency";
const filler = (n: number, word = "lorem") => Array.from({ length: n }, (_, i) => `${word}${i}`).join(" ");
const LONG = `${filler(14)} solar panel efficiency`; // answer only in the tail
const SHORT = "solar heating"; // one query word, fits
const docs = () => [new Document({ pageContent: LONG, id: "long" }), new Document({ pageContent: SHORT, id: "short" })];

function collect() {
  const events: RerankEvent[] = [];
  return { events, handler: { handleCustomEvent: (_: string, data: RerankEvent) => void events.push(data), awaitHandlers: true } };
}

describe("long documents", () => {
  it("truncate mode scores only the head of a long document and reports it as truncated", async () => {
    const scorer = new FakeTokenizingScorer(12);
    const { events, handler } = collect();
    const out = await new RerankCompressor({ scorer, topN: 0 }).compressDocuments(docs(), QUERY, [handler]);
    expect(out.map((d) => d.id)).toEqual(["short", "long"]);
    expect(out[1]?.metadata.relevanceScore).toBe(lexicalScore(QUERY, filler(6)));
    expect(events[0]).toMatchObject({ truncated: 1, scoredTexts: 2, longDocuments: "truncate" });
  });

  it("chunk-max scores overlapping windows and keeps the best, finding the answer in the tail", async () => {
    const scorer = new FakeTokenizingScorer(12);
    const { events, handler } = collect();
    const compressor = new RerankCompressor({ scorer, topN: 0, longDocuments: "chunk-max", overlapTokens: 2 });
    const out = await compressor.compressDocuments(docs(), QUERY, [handler]);
    expect(out.map((d) => d.id)).toEqual(["long", "short"]);
    // 17 tokens, windows of 6 stepping by 4: [0,6) [4,10) [8,14) [12,17); the last holds all 3 query words.
    const tail = `lorem12 lorem13 solar panel efficiency`;
    expect(out[0]?.metadata.relevanceScore).toBe(lexicalScore(QUERY, tail));
    expect(scorer.calls).toHaveLength(1); // all windows in one scorer call
    expect(events[0]).toMatchObject({ truncated: 0, scoredTexts: 5, longDocuments: "chunk-max" });
  });

  it("chunk-max with maxChunksPerDoc drops later windows and counts the document as truncated", async () => {
    const scorer = new FakeTokenizingScorer(12);
    const { events, handler } = collect();
    const compressor = new RerankCompressor({ scorer, topN: 0, longDocuments: "chunk-max", overlapTokens: 2, maxChunksPerDoc: 2 });
    const out = await compressor.compressDocuments(docs(), QUERY, [handler]);
    expect(out.map((d) => d.id)).toEqual(["short", "long"]);
    expect(events[0]).toMatchObject({ truncated: 1, scoredTexts: 3 });
  });

  it("chunk-max leaves short documents as one window with the same score as truncate mode", async () => {
    const scorer = new FakeTokenizingScorer(64);
    const a = await new RerankCompressor({ scorer, topN: 0 }).rerank(docs(), QUERY);
    const b = await new RerankCompressor({ scorer, topN: 0, longDocuments: "chunk-max" }).rerank(docs(), QUERY);
    expect(b).toEqual(a);
  });

  it("defaults to 32 overlap tokens and at most 8 windows per document", async () => {
    // maxLength 68 with a 1-word query leaves 64 tokens: windows of 64 stepping by 64 - 32 = 32.
    const scorer = new FakeTokenizingScorer(68);
    const run = async (tokens: number) => {
      const { events, handler } = collect();
      await new RerankCompressor({ scorer, longDocuments: "chunk-max" }).compressDocuments([new Document({ pageContent: filler(tokens) })], "solar", [handler]);
      return events[0];
    };
    expect(await run(64 + 32 * 7)).toMatchObject({ scoredTexts: 8, truncated: 0 }); // starts 0, 32, ..., 224
    expect(await run(64 + 32 * 7 + 1)).toMatchObject({ scoredTexts: 8, truncated: 1 }); // a 9th window is cut
  });
});
