/**
 * chunk-max through a worker thread: `RerankCompressor.fromModel` loads in a worker by default,
 * whose tokenizer answers asynchronously; the long document must still be scored as the max over
 * the in-process scorer's own windows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Document } from "@langchain/core/documents";
import { CrossEncoderScorer, WorkerScorer } from "../../src/index.js";
import { RerankCompressor, type RerankEvent } from "../../adapters/langchain/index.js";
import { ensureTestModels } from "../fixtures/index.js";

const QUERY = "how do solar panels work";
const SHORT = ["Solar panels turn light into power.", "Bread needs yeast to rise."];
const LONG = `${"The quick brown fox jumps over the lazy dog near the river bank today. ".repeat(20)}Solar panels work by the photovoltaic effect.`;

let dir: string;
beforeAll(async () => {
  dir = (await ensureTestModels())["cross-encoder"] as string;
});

describe("chunk-max with RerankCompressor.fromModel's default worker", () => {
  it("scores a long document as the max over its windows, as in process", async () => {
    const events: RerankEvent[] = [];
    const handler = { handleCustomEvent: (_: string, e: RerankEvent) => void events.push(e), awaitHandlers: true };
    const compressor = await RerankCompressor.fromModel(dir, { topN: 0, longDocuments: "chunk-max", overlapTokens: 16 });
    const local = await CrossEncoderScorer.fromPretrained(dir);
    try {
      expect(compressor.scorer).toBeInstanceOf(WorkerScorer);
      const docs = [...SHORT, LONG].map((pageContent, i) => new Document({ pageContent, id: i === SHORT.length ? "long" : `s${i}` }));
      const out = await compressor.compressDocuments(docs, QUERY, [handler]);
      const windows = local.splitIntoWindows(LONG, local.documentTokenBudget(QUERY), 16);
      expect(windows.length).toBeGreaterThan(1);
      const windowScores = await local.score(QUERY, windows);
      expect(out.find((d) => d.id === "long")?.metadata.relevanceScore).toBeCloseTo(Math.max(...windowScores), 6);
      // Every window was scored (a truncating fallback would score one text per document).
      expect(events[0]).toMatchObject({ truncated: 0, scoredTexts: SHORT.length + windows.length, longDocuments: "chunk-max" });
    } finally {
      await local.close();
      await compressor.close();
    }
  });
});
