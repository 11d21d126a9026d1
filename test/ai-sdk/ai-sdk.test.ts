/**
 * The AI SDK adapter through the real `ai` package, under ai 6 and ai 7 (npm alias `ai-v6`):
 * rerank(), embed() and embedMany() over fake backends whose answers the tests compute
 * independently (lexicalScore, hashVector), so a shape drift in either direction fails.
 */
import * as ai7 from "ai";
import * as ai6 from "ai-v6";
import { describe, expect, it } from "vitest";
import { AbortError, InvalidInputError } from "../../src/index.js";
import { RerankKitEmbeddingModel, RerankKitRerankingModel } from "../../adapters/ai-sdk/index.js";
import { createRerankKit as createRerankKitV4, RerankKitEmbeddingModelV4, RerankKitRerankingModelV4 } from "../../adapters/ai-sdk/v4/index.js";
import { FakeEmbedder, FakeScorer, hashVector, lexicalScore } from "../langchain/helpers/fake-scorer.js";

const QUERY = "solar panels turn light into power";
const DOCS = [
  "Bread needs yeast to rise.",
  "Solar panels turn light into power.",
  "Panels of judges vote.",
  "Light travels fast.",
  "Solar power is cheap, and panels are everywhere.",
];

/** The expected ranking, from the reference score alone: indices sorted by score descending, stable. */
function expectedRanking(query: string, docs: readonly string[]): Array<{ index: number; score: number }> {
  return docs.map((d, index) => ({ index, score: lexicalScore(query, d) })).sort((a, b) => b.score - a.score || a.index - b.index);
}

const sdks = [
  ["ai 6", ai6 as unknown as typeof ai7],
  ["ai 7", ai7],
] as const;

describe.each(sdks)("rerank() from %s", (_name, ai) => {
  it("returns every document sorted by score descending, with indices into the caller's list", async () => {
    const model = new RerankKitRerankingModel({ scorer: new FakeScorer() });
    const { ranking, rerankedDocuments } = await ai.rerank({ model, query: QUERY, documents: DOCS });
    const expected = expectedRanking(QUERY, DOCS);
    expect(ranking.map((r) => r.originalIndex)).toEqual(expected.map((e) => e.index));
    ranking.forEach((r, i) => {
      expect(r.score).toBeCloseTo(expected[i]?.score as number, 12);
      expect(r.document).toBe(DOCS[r.originalIndex]);
    });
    expect(rerankedDocuments).toEqual(expected.map((e) => DOCS[e.index]));
    // the fixture really reorders: identity order would fail
    expect(expected.map((e) => e.index)).not.toEqual(DOCS.map((_, i) => i));
  });

  it("keeps topN and reports usage in providerMetadata", async () => {
    const scorer = new FakeScorer();
    const model = new RerankKitRerankingModel({ scorer });
    const result = await ai.rerank({ model, query: QUERY, documents: DOCS, topN: 2 });
    expect(result.ranking.map((r) => r.originalIndex)).toEqual(expectedRanking(QUERY, DOCS).slice(0, 2).map((e) => e.index));
    expect(result.providerMetadata?.rerankKit).toEqual({ scoreType: "cross-encoder", usage: { promptTokens: 0, totalTokens: 0 } });
    expect(scorer.calls).toHaveLength(1);
  });

  it("ranks object documents on the chosen field and never mutates them", async () => {
    const docs = DOCS.map((body, id) => Object.freeze({ id, title: `doc ${id}`, body }));
    const before = structuredClone(docs);
    const model = new RerankKitRerankingModel({ scorer: new FakeScorer(), documentField: "body" });
    const { ranking } = await ai.rerank({ model, query: QUERY, documents: docs, topN: 3 });
    expect(ranking.map((r) => r.document.id)).toEqual(expectedRanking(QUERY, DOCS).slice(0, 3).map((e) => e.index));
    expect(ranking[0]?.document).toBe(docs[ranking[0]?.originalIndex as number]);
    expect(docs).toEqual(before);
  });

  it("rejects object documents without the text field, naming it", async () => {
    const model = new RerankKitRerankingModel({ scorer: new FakeScorer() });
    const error = await ai.rerank({ model, query: QUERY, documents: [{ text: "a" }, { body: "b" }], maxRetries: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("documents[1].text");
  });

  it("passes providerOptions.rerankKit through to the scorer, over the model's defaults", async () => {
    const scorer = new FakeScorer();
    const model = new RerankKitRerankingModel({ scorer, scoreOptions: { activation: false, maxTokensPerDoc: 64 } });
    await ai.rerank({
      model,
      query: QUERY,
      documents: DOCS,
      providerOptions: { rerankKit: { maxTokensPerDoc: 32, truncationStrategy: "only_second", instruction: "find it" } },
    });
    expect(scorer.calls[0]?.options).toMatchObject({ activation: false, maxTokensPerDoc: 32, truncationStrategy: "only_second", instruction: "find it" });
  });

  it("cancels scoring on abortSignal with an AbortError", async () => {
    const scorer = new FakeScorer();
    scorer.delayMs = 5_000;
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 30);
    const model = new RerankKitRerankingModel({ scorer });
    const error = await ai.rerank({ model, query: QUERY, documents: DOCS, abortSignal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("embed() embeds one value as a document by default, with usage", async () => {
    const embedder = new FakeEmbedder();
    const { embedding, usage } = await ai.embed({ model: new RerankKitEmbeddingModel({ embedder }), value: "solar panels" });
    expect(embedding).toEqual(Array.from(hashVector("solar panels")));
    expect(usage.tokens).toBe(0);
    expect(embedder.calls[0]?.options?.kind).toBe("document");
  });

  it("embed() uses the query prompt when providerOptions.rerankKit.kind is query", async () => {
    const embedder = new FakeEmbedder();
    await ai.embed({ model: new RerankKitEmbeddingModel({ embedder }), value: "q", providerOptions: { rerankKit: { kind: "query", normalize: false } } });
    expect(embedder.calls[0]?.options).toMatchObject({ kind: "query", normalize: false });
  });

  it("embedMany() sends one call for all values and keeps their order", async () => {
    const embedder = new FakeEmbedder();
    const values = DOCS.concat(DOCS.map((d) => d.toUpperCase()), ["x"]);
    const { embeddings } = await ai.embedMany({ model: new RerankKitEmbeddingModel({ embedder }), values });
    expect(embedder.calls).toHaveLength(1);
    expect(embeddings).toEqual(values.map((v) => Array.from(hashVector(v))));
  });

  it("embedMany() rejects with the embedder's AbortError when aborted", async () => {
    const embedder = new FakeEmbedder();
    const controller = new AbortController();
    controller.abort();
    const error = await ai.embedMany({ model: new RerankKitEmbeddingModel({ embedder }), values: ["a"], abortSignal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(embedder.calls).toHaveLength(0);
  });
});

describe("V4 models under ai 7", () => {
  it("rerank() takes a RerankingModelV4 as is", async () => {
    const model = new RerankKitRerankingModelV4({ scorer: new FakeScorer() });
    const { ranking } = await ai7.rerank({ model, query: QUERY, documents: DOCS, topN: 2 });
    expect(ranking.map((r) => r.originalIndex)).toEqual(expectedRanking(QUERY, DOCS).slice(0, 2).map((e) => e.index));
  });

  it("the v4 provider hands out V4 models", () => {
    const kit = createRerankKitV4();
    expect(kit.rerankingModel("some/model").specificationVersion).toBe("v4");
    expect(kit.embeddingModel("some/model").specificationVersion).toBe("v4");
  });

  it("embed({ dimensions }) passes dimensions to the embedder", async () => {
    const embedder = new FakeEmbedder();
    await ai7.embed({ model: new RerankKitEmbeddingModelV4({ embedder }), value: "a", dimensions: 8 });
    expect(embedder.calls[0]?.options?.dimensions).toBe(8);
  });
});

describe("doRerank / doEmbed shapes", () => {
  it("warns about unknown provider options and headers a local model cannot send, and rejects mistyped ones", async () => {
    const model = new RerankKitRerankingModel({ scorer: new FakeScorer() });
    const out = await model.doRerank({
      documents: { type: "text", values: DOCS },
      query: QUERY,
      providerOptions: { rerankKit: { returnDocuments: true } },
      headers: { "x-trace": "1" },
    });
    expect(out.warnings).toEqual([
      { type: "unsupported", feature: "providerOptions.rerankKit.returnDocuments", details: expect.any(String) },
      { type: "unsupported", feature: "headers", details: expect.any(String) },
    ]);
    const sdkOnly = await model.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY, headers: { "User-Agent": "ai/7" } });
    expect(sdkOnly.warnings).toEqual([]); // the SDK's own user-agent is not the caller's doing
    const bad = model.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY, providerOptions: { rerankKit: { maxTokensPerDoc: "64" } } });
    await expect(bad).rejects.toMatchObject({ name: "InvalidInputError", field: "providerOptions.rerankKit.maxTokensPerDoc" });
  });

  it("answers an empty document list without calling the scorer, and rejects a bad topN", async () => {
    const scorer = new FakeScorer();
    const model = new RerankKitRerankingModel({ scorer });
    await expect(model.doRerank({ documents: { type: "text", values: [] }, query: QUERY })).resolves.toMatchObject({ ranking: [] });
    expect(scorer.calls).toHaveLength(0);
    await expect(model.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY, topN: -1 })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("sets maxEmbeddingsPerCall and supportsParallelCalls honestly", () => {
    const local = new RerankKitEmbeddingModel({ embedder: new FakeEmbedder() });
    expect(local.maxEmbeddingsPerCall).toBe(Infinity);
    expect(local.supportsParallelCalls).toBe(false);
    expect(new RerankKitEmbeddingModel({ embedder: new FakeEmbedder(), remote: true }).supportsParallelCalls).toBe(true);
  });

  it("refuses a missing scorer or embedder with a typed error", () => {
    expect(() => new RerankKitRerankingModel({} as never)).toThrow(InvalidInputError);
    expect(() => new RerankKitEmbeddingModel({ embedder: {} } as never)).toThrow(InvalidInputError);
  });
});
