/**
 * chunk-max over a real local model, checked against token windows computed by hand from the
 * library tokenizer (not with the splitIntoWindows under test) and scored by the float64
 * reference. The answer sits in the tail, so a dropped last window or a lost overlap changes
 * the result.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Document } from "@langchain/core/documents";
import { CrossEncoderScorer } from "../../src/index.js";
import { RerankCompressor, type RerankEvent } from "../../adapters/langchain/index.js";
import { referenceForward, refSigmoid } from "../reference/index.js";
import { CLS, SEP, modelDir, rawIds, weightsOf } from "../local/helpers.js";

const TOL = 1e-4;
const QUERY = "what is the capital of france?";
const FILLER = "the quick brown fox jumps over the lazy dog".split(" ");
// 242 single-token filler words, then the 7-token answer: 249 document tokens.
const TAIL = "paris is the capital of france.";
const LONG = `${Array.from({ length: 242 }, (_, i) => FILLER[i % FILLER.length]).join(" ")} ${TAIL}`;

describe("chunk-max windows of a local cross-encoder", () => {
  let scorer: CrossEncoderScorer;
  let ids: (t: string) => number[];
  const weights = weightsOf("cross-encoder");
  const refScore = (q: number[], d: number[]) =>
    refSigmoid(
      referenceForward(weights, {
        inputIds: [CLS, ...q, SEP, ...d, SEP],
        tokenTypeIds: [...Array<number>(q.length + 2).fill(0), ...Array<number>(d.length + 1).fill(1)],
      }).logits as number,
    );

  beforeAll(async () => {
    const dir = await modelDir("cross-encoder");
    scorer = await CrossEncoderScorer.fromPretrained(dir);
    ids = rawIds(dir);
  });

  it("splits into the hand-computed windows: 118 tokens, stride 102, starts 0, 102, 204", () => {
    const q = ids(QUERY);
    const d = ids(LONG);
    expect(q.length).toBe(7);
    expect(d.length).toBe(249);
    // 128 - 3 specials - 7 query tokens = 118 per window; overlap 16 -> stride 102; 204 + 118 >= 249 ends it.
    expect(scorer.documentTokenBudget(QUERY)).toBe(118);
    const expected = [d.slice(0, 118), d.slice(102, 220), d.slice(204, 249)];
    const windows = scorer.splitIntoWindows(LONG, 118, 16).map((w) => ids(w));
    expect(windows).toEqual(expected);
    expect(windows[2]?.slice(-7)).toEqual(ids(TAIL));
  });

  it("scores the long document as the best window, which is the tail holding the answer", async () => {
    const q = ids(QUERY);
    const d = ids(LONG);
    const windowScores = [d.slice(0, 118), d.slice(102, 220), d.slice(204, 249)].map((w) => refScore(q, w));
    const best = Math.max(...windowScores);
    // The tail decides: without it (or with the windows cut at 118 without overlap) the answer differs.
    expect(windowScores.indexOf(best)).toBe(2);
    expect(best - Math.max(windowScores[0] as number, windowScores[1] as number)).toBeGreaterThan(100 * TOL);
    const noOverlap = [d.slice(0, 118), d.slice(118, 236), d.slice(236, 249)].map((w) => refScore(q, w));
    expect(Math.abs(Math.max(...noOverlap) - best)).toBeGreaterThan(100 * TOL);

    const events: RerankEvent[] = [];
    const handler = { handleCustomEvent: (_: string, e: RerankEvent) => void events.push(e), awaitHandlers: true };
    const compressor = new RerankCompressor({ scorer, topN: 0, longDocuments: "chunk-max", overlapTokens: 16 });
    const out = await compressor.compressDocuments([new Document({ pageContent: LONG, id: "long" })], QUERY, [handler]);
    expect(Math.abs((out[0]?.metadata.relevanceScore as number) - best)).toBeLessThanOrEqual(TOL);
    expect(events[0]).toMatchObject({ truncated: 0, scoredTexts: 3, longDocuments: "chunk-max" });
  });
});
