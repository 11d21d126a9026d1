/**
 * RerankKitRelevanceScorer over the tiny local cross-encoder: one model call with the model's own
 * scores, and a model folder loaded in a worker thread. Kept apart from relevance-scorer.test.ts
 * (fakes only), which StrykerJS runs per mutant.
 */
import { rerankWithScorer } from "@mastra/rag";
import type { QueryResult } from "@mastra/core/vector";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CrossEncoderScorer } from "../../src/index.js";
import { RerankKitRelevanceScorer } from "../../adapters/mastra/index.js";
import { ensureTestModels } from "../fixtures/index.js";

const QUERY = "solar panels turn light into power";
const TEXTS = ["Bread needs yeast to rise.", "Solar panels turn light into power.", "Panels of judges vote.", "Light travels fast.", "Solar power is cheap.", "Cats purr.", "Power lines hum.", "Panels of glass."];
const results = (): QueryResult[] => TEXTS.map((text, i) => ({ id: `r${i}`, score: 0.5, metadata: { text } }));
const WEIGHTS = { semantic: 1, vector: 0, position: 0 };

describe("with a local cross-encoder", () => {
  let cross: CrossEncoderScorer;
  let models: Record<string, string>;
  beforeAll(async () => {
    models = await ensureTestModels();
    cross = await CrossEncoderScorer.fromPretrained(models["cross-encoder"] as string);
  });
  afterAll(() => cross?.close());

  it("scores all documents in one call with the model's own scores", async () => {
    let calls = 0;
    const counted = new Proxy(cross, { get: (t, p, r) => (p === "score" ? (...a: Parameters<CrossEncoderScorer["score"]>) => (calls++, t.score(...a)) : Reflect.get(t, p, r)) });
    const scorer = new RerankKitRelevanceScorer({ scorer: counted });
    const out = await rerankWithScorer({ results: results(), query: QUERY, scorer, options: { topK: TEXTS.length, weights: WEIGHTS } });
    expect(calls).toBe(1);
    const scores = await cross.score(QUERY, TEXTS);
    out.forEach((r) => expect(r.details.semantic).toBeCloseTo(scores[Number(r.result.id.slice(1))] as number, 5));
  });

  it("loads a model folder in a worker thread and closes it", async () => {
    const scorer = new RerankKitRelevanceScorer({ scorer: models["cross-encoder"] as string });
    try {
      const [a] = await Promise.all([scorer.getRelevanceScore(QUERY, TEXTS[1] as string), scorer.getRelevanceScore(QUERY, TEXTS[0] as string)]);
      expect(a).toBeCloseTo((await cross.score(QUERY, [TEXTS[1] as string]))[0] as number, 5);
    } finally {
      await scorer.close();
    }
  });
});
