/**
 * RerankKitRelevanceScorer with @mastra/rag's real rerankWithScorer: N documents cost one model
 * call, scores are the model's, and failures reach only their own callers. Fakes only (the local
 * model runs in relevance-scorer-models.test.ts), so StrykerJS runs this file per mutant.
 */
import { rerankWithScorer } from "@mastra/rag";
import type { QueryResult } from "@mastra/core/vector";
import { describe, expect, it } from "vitest";
import { AbortError, ContextLengthError, InvalidInputError, RerankKitError } from "../../src/index.js";
import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../src/index.js";
import { RerankKitRelevanceScorer } from "../../adapters/mastra/index.js";
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

describe("RerankKitRelevanceScorer batching details", () => {
  it("defaults to a 2 ms wait and batches of 256, and takes a wait of 0 and of 1000", () => {
    expect(new RerankKitRelevanceScorer({ scorer: new FakeScorer() })).toMatchObject({ maxWaitMs: 2, maxBatchSize: 256 });
    expect(new RerankKitRelevanceScorer({ scorer: new FakeScorer(), maxWaitMs: 0 }).maxWaitMs).toBe(0);
    expect(new RerankKitRelevanceScorer({ scorer: new FakeScorer(), maxWaitMs: 1000 }).maxWaitMs).toBe(1000);
    for (const maxWaitMs of [-1, 1001]) {
      expect(() => new RerankKitRelevanceScorer({ scorer: new FakeScorer(), maxWaitMs })).toThrow(`maxWaitMs must be between 0 and 1000, got ${maxWaitMs}`);
    }
    expect(() => new RerankKitRelevanceScorer({ scorer: { rerank: () => [] } as never })).toThrow("RerankKitRelevanceScorer needs a scorer or a model id / folder");
  });

  it("names maxWaitMs in the field of its range error", () => {
    for (const maxWaitMs of [-1, 1001, Infinity]) {
      expect(() => new RerankKitRelevanceScorer({ scorer: new FakeScorer(), maxWaitMs })).toThrow(
        expect.objectContaining({ name: "InvalidInputError", field: "maxWaitMs" }),
      );
    }
  });

  it("sends a batch the moment it holds maxBatchSize documents, without waiting", async () => {
    const model = new FakeScorer();
    const scorer = new RerankKitRelevanceScorer({ scorer: model, maxBatchSize: 2, maxWaitMs: 1000 });
    const started = performance.now();
    const scores = await Promise.all([scorer.getRelevanceScore(QUERY, "a"), scorer.getRelevanceScore(QUERY, "solar")]);
    expect(performance.now() - started).toBeLessThan(900);
    expect(scores).toEqual([lexicalScore(QUERY, "a"), lexicalScore(QUERY, "solar")]);
    expect(model.calls).toHaveLength(1);
  });

  it("starts a new batch for the same query after a flush, and answers each caller with its own document's score", async () => {
    const model = new FakeScorer();
    const scorer = new RerankKitRelevanceScorer({ scorer: model, maxBatchSize: 2, maxWaitMs: 0 });
    const docs = ["solar panels", "bread", "light power", "cats"];
    const scores = await Promise.all(docs.map((d) => scorer.getRelevanceScore(QUERY, d)));
    expect(scores).toEqual(docs.map((d) => lexicalScore(QUERY, d)));
    expect(model.calls.map((c) => c.documents)).toEqual([["solar panels", "bread"], ["light power", "cats"]]);
    expect(model.calls.every((c) => c.queries === QUERY)).toBe(true);
  });

  it("passes scoreOptions to every scorer call", async () => {
    const model = new FakeScorer();
    const scorer = new RerankKitRelevanceScorer({ scorer: model, scoreOptions: { activation: false, maxTokensPerDoc: 8 } });
    await Promise.all([scorer.getRelevanceScore(QUERY, "a"), scorer.getRelevanceScore(QUERY, "b")]);
    expect(model.calls[0]?.options).toMatchObject({ activation: false, maxTokensPerDoc: 8 });
  });

  it("rejects a non-string query on its own, naming it", async () => {
    const scorer = new RerankKitRelevanceScorer({ scorer: new FakeScorer() });
    await expect(scorer.getRelevanceScore(3 as never, "a")).rejects.toMatchObject({ field: "text1", message: "text1 (the query) must be a string, got number" });
    await expect(scorer.getRelevanceScore(QUERY, null as never)).rejects.toMatchObject({ message: "text2 (the document) must be a string, got object" });
  });

  it("retries documents one by one after a ContextLengthError, and does not retry a single document", async () => {
    class LengthPicky extends FakeScorer {
      override async scoreWithUsage(q: ScoreInput | ScoreInput[], d: ScoreInput | ScoreInput[], o?: ScoreOptions): Promise<ScoreResponse> {
        if ((Array.isArray(d) ? d : [d]).some((x) => String(x).includes("LONG"))) {
          this.calls.push({ queries: q, documents: d, options: o });
          throw new ContextLengthError(8, 9);
        }
        return super.scoreWithUsage(q, d, o);
      }
    }
    const model = new LengthPicky();
    const scorer = new RerankKitRelevanceScorer({ scorer: model });
    const settled = await Promise.allSettled([scorer.getRelevanceScore(QUERY, "solar"), scorer.getRelevanceScore(QUERY, "LONG")]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected"]);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(ContextLengthError);
    expect(model.calls.map((c) => (c.documents as string[]).length)).toEqual([2, 1, 1]);
    const alone = new LengthPicky();
    await expect(new RerankKitRelevanceScorer({ scorer: alone }).getRelevanceScore(QUERY, "LONG")).rejects.toBeInstanceOf(ContextLengthError);
    expect(alone.calls).toHaveLength(1);
  });
});

describe("RerankKitRelevanceScorer options", () => {
  it("refuses a missing options object or scorer with the typed error, not a TypeError", () => {
    for (const options of [undefined, {}]) {
      expect(() => new RerankKitRelevanceScorer(options as never)).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "scorer" }));
    }
  });
});
