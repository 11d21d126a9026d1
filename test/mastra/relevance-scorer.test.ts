/**
 * RerankKitRelevanceScorer with @mastra/rag's real rerankWithScorer: N documents cost one model
 * call, scores are the model's, and failures reach only their own callers.
 */
import { rerankWithScorer } from "@mastra/rag";
import type { QueryResult } from "@mastra/core/vector";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, CrossEncoderScorer, InvalidInputError, RerankKitError } from "../../src/index.js";
import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../src/index.js";
import { RerankKitRelevanceScorer } from "../../adapters/mastra/index.js";
import { ensureTestModels } from "../fixtures/index.js";
import { FakeScorer, lexicalScore } from "../langchain/helpers/fake-scorer.js";

const QUERY = "solar panels turn light into power";
const TEXTS = ["Bread needs yeast to rise.", "Solar panels turn light into power.", "Panels of judges vote.", "Light travels fast.", "Solar power is cheap.", "Cats purr.", "Power lines hum.", "Panels of glass."];
const results = (): QueryResult[] => TEXTS.map((text, i) => ({ id: `r${i}`, score: 0.5, metadata: { text } }));
const WEIGHTS = { semantic: 1, vector: 0, position: 0 };

/** Fails every batch holding a document with "BAD", like a model rejecting one input. */
class PickyScorer extends FakeScorer {
  override async scoreWithUsage(q: ScoreInput | ScoreInput[], d: ScoreInput | ScoreInput[], o?: ScoreOptions): Promise<ScoreResponse> {
    if ((Array.isArray(d) ? d : [d]).some((x) => String(x).includes("BAD"))) {
      this.calls.push({ queries: q, documents: d, options: o });
      throw new InvalidInputError("documents[?] is BAD", { field: "documents" });
    }
    return super.scoreWithUsage(q, d, o);
  }
}

describe("RerankKitRelevanceScorer with rerankWithScorer", () => {
  it("costs one model call for N documents and ranks by the model's scores", async () => {
    const model = new FakeScorer();
    const scorer = new RerankKitRelevanceScorer({ scorer: model });
    const out = await rerankWithScorer({ results: results(), query: QUERY, scorer, options: { topK: 3, weights: WEIGHTS } });
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]?.documents).toEqual(TEXTS);
    const expected = TEXTS.map((t, i) => ({ id: `r${i}`, s: lexicalScore(QUERY, t) })).sort((a, b) => b.s - a.s).slice(0, 3);
    expect(out.map((r) => r.result.id)).toEqual(expected.map((e) => e.id));
    out.forEach((r, i) => expect(r.details.semantic).toBeCloseTo(expected[i]?.s as number, 12));
  });

  it("keeps concurrent queries in separate batches, and a failing one rejects only its own callers", async () => {
    const model = new PickyScorer();
    const scorer = new RerankKitRelevanceScorer({ scorer: model });
    const good = rerankWithScorer({ results: results(), query: QUERY, scorer, options: { weights: WEIGHTS } });
    const thirdQuery = "a third query";
    const bad = Promise.all(TEXTS.map((t) => scorer.getRelevanceScore("other query", `${t} BAD`)));
    const alsoGood = scorer.getRelevanceScore(thirdQuery, "fine"); // a third batch
    await expect(good).resolves.toHaveLength(3);
    await expect(bad).rejects.toBeInstanceOf(InvalidInputError);
    await expect(alsoGood).resolves.toBeCloseTo(lexicalScore(thirdQuery, "fine"), 12);
  });

  it("isolates an input error to the offending document's caller", async () => {
    const model = new PickyScorer();
    const scorer = new RerankKitRelevanceScorer({ scorer: model });
    const docs = ["solar panels", "BAD document", "light power"];
    const settled = await Promise.allSettled(docs.map((d) => scorer.getRelevanceScore(QUERY, d)));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((settled[0] as PromiseFulfilledResult<number>).value).toBeCloseTo(lexicalScore(QUERY, docs[0] as string), 12);
    expect((settled[2] as PromiseFulfilledResult<number>).value).toBeCloseTo(lexicalScore(QUERY, docs[2] as string), 12);
    expect(model.calls.map((c) => (c.documents as string[]).length)).toEqual([3, 1, 1, 1]);
  });

  it("rejects every caller of a batch when the model itself fails, not other queries' callers", async () => {
    const model = new FakeScorer();
    const broken = { ...model, model: "broken", scoreType: "cross-encoder" as const, score: async () => { throw new RerankKitError("model crashed"); } };
    const scorer = new RerankKitRelevanceScorer({ scorer: broken as never });
    const settled = await Promise.allSettled([scorer.getRelevanceScore("q", "a"), scorer.getRelevanceScore("q", "b")]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
  });

  it("flushes at maxBatchSize and after a bounded wait", async () => {
    const model = new FakeScorer();
    const scorer = new RerankKitRelevanceScorer({ scorer: model, maxBatchSize: 3, maxWaitMs: 30 });
    await Promise.all(TEXTS.map((t) => scorer.getRelevanceScore(QUERY, t)));
    expect(model.calls.map((c) => (c.documents as string[]).length)).toEqual([3, 3, 2]);
    const started = performance.now();
    await scorer.getRelevanceScore(QUERY, "alone");
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(25);
    expect(waited).toBeLessThan(1_000);
  });

  it("rejects a batch's callers with AbortError when scoreOptions.signal fires", async () => {
    const model = new FakeScorer();
    model.delayMs = 5_000;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const scorer = new RerankKitRelevanceScorer({ scorer: model, scoreOptions: { signal: controller.signal } });
    const settled = await Promise.allSettled(TEXTS.map((t) => scorer.getRelevanceScore(QUERY, t)));
    expect(settled.every((s) => s.status === "rejected" && s.reason instanceof AbortError)).toBe(true);
    expect(model.calls).toHaveLength(1); // an abort is not an input error: no one-by-one retry
  });

  it("rejects non-string texts on their own and refuses bad options", async () => {
    const scorer = new RerankKitRelevanceScorer({ scorer: new FakeScorer() });
    await expect(scorer.getRelevanceScore(QUERY, 42 as never)).rejects.toMatchObject({ name: "InvalidInputError", field: "text2" });
    expect(() => new RerankKitRelevanceScorer({ scorer: new FakeScorer(), maxWaitMs: 5_000 })).toThrow(InvalidInputError);
    expect(() => new RerankKitRelevanceScorer({ scorer: new FakeScorer(), maxBatchSize: 0 })).toThrow(InvalidInputError);
  });
});

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
