/**
 * RerankKitPostprocessor and RerankKitEmbedding against @llamaindex/core's own node classes,
 * over fake backends whose answers the tests compute independently (lexicalScore, hashVector).
 */
import { ImageNode, MetadataMode, TextNode, type NodeWithScore } from "@llamaindex/core/schema";
import { describe, expect, it } from "vitest";
import { AbortError, InvalidInputError } from "../../src/index.js";
import { RerankKitEmbedding, RerankKitPostprocessor } from "../../adapters/llamaindex/index.js";
import { FakeEmbedder, FakeScorer, hashVector, lexicalScore } from "../langchain/helpers/fake-scorer.js";

const QUERY = "solar panels turn light into power";
const TEXTS = ["Bread needs yeast to rise.", "Solar panels turn light into power.", "Panels of judges vote.", "Light travels fast.", "Solar power is cheap."];

const retrieved = (): NodeWithScore[] => TEXTS.map((text, i) => ({ node: new TextNode({ id_: `n${i}`, text, metadata: { source: `s${i}` } }), score: 0.9 - i / 10 }));

function expectedOrder(texts: readonly string[]): number[] {
  return texts.map((t, i) => ({ i, s: lexicalScore(QUERY, t) })).sort((a, b) => b.s - a.s || a.i - b.i).map((e) => e.i);
}

describe("RerankKitPostprocessor", () => {
  it("returns new NodeWithScores best first, with the reranker's score and the caller's nodes", async () => {
    const nodes = retrieved();
    const before = nodes.map((n) => ({ score: n.score, json: n.node.toJSON() }));
    const out = await new RerankKitPostprocessor({ scorer: new FakeScorer(), topN: 0 }).postprocessNodes(nodes, QUERY);
    expect(out.map((n) => n.node.id_)).toEqual(expectedOrder(TEXTS).map((i) => `n${i}`));
    out.forEach((n) => {
      expect(n.score).toBeCloseTo(lexicalScore(QUERY, n.node.getContent(MetadataMode.NONE)), 12);
      expect(nodes.some((m) => m === n)).toBe(false); // new entries
      expect(nodes.some((m) => m.node === n.node)).toBe(true); // the same nodes
    });
    expect(nodes.map((n) => ({ score: n.score, json: n.node.toJSON() }))).toEqual(before);
    expect(expectedOrder(TEXTS)).not.toEqual(TEXTS.map((_, i) => i));
  });

  it("keeps topN (default 3) and drops nodes below scoreThreshold", async () => {
    const scorer = new FakeScorer();
    const top = await new RerankKitPostprocessor({ scorer }).postprocessNodes(retrieved(), QUERY);
    expect(top.map((n) => n.node.id_)).toEqual(expectedOrder(TEXTS).slice(0, 3).map((i) => `n${i}`));
    const kept = await new RerankKitPostprocessor({ scorer, topN: 0, scoreThreshold: 2 }).postprocessNodes(retrieved(), QUERY);
    expect(kept.length).toBe(TEXTS.filter((t) => lexicalScore(QUERY, t) >= 2).length);
    expect(kept.length).toBeGreaterThan(0);
  });

  it("puts nodes without text last with no score, or drops them, and never sends them to the model", async () => {
    const scorer = new FakeScorer();
    const image = new ImageNode({ id_: "img", image: "data:image/png;base64,AAAA" });
    const nodes = [{ node: image, score: 0.99 }, ...retrieved(), { node: new TextNode({ id_: "blank", text: "  " }) }];
    const last = await new RerankKitPostprocessor({ scorer, topN: 0 }).postprocessNodes(nodes, QUERY);
    expect(last.map((n) => n.node.id_).slice(-2)).toEqual(["img", "blank"]);
    expect(last.slice(-2).map((n) => n.score)).toEqual([undefined, undefined]);
    expect(scorer.calls[0]?.documents).toEqual(TEXTS);
    const dropped = await new RerankKitPostprocessor({ scorer, topN: 0, nodesWithoutText: "drop" }).postprocessNodes(nodes, QUERY);
    expect(dropped.map((n) => n.node.id_)).toEqual(expectedOrder(TEXTS).map((i) => `n${i}`));
  });

  it("scores the text parts of a multi-modal query, and rejects a query without text", async () => {
    const scorer = new FakeScorer();
    const pp = new RerankKitPostprocessor({ scorer, topN: 1 });
    await pp.postprocessNodes(retrieved(), [{ type: "text", text: QUERY }, { type: "image_url", image_url: { url: "x" } }]);
    expect(scorer.calls[0]?.queries).toBe(QUERY);
    await expect(pp.postprocessNodes(retrieved())).rejects.toMatchObject({ name: "InvalidInputError", field: "query" });
    await expect(pp.postprocessNodes([], QUERY)).resolves.toEqual([]);
  });

  it("passes scoreOptions to the scorer and refuses bad options with typed errors", async () => {
    const scorer = new FakeScorer();
    const kept = await new RerankKitPostprocessor({ scorer, scoreOptions: { activation: false, maxTokensPerDoc: 16 } }).postprocessNodes(retrieved(), QUERY);
    // rerank() keeps topN itself and hands score() only the scoring options.
    expect(scorer.calls[0]?.options).toMatchObject({ activation: false, maxTokensPerDoc: 16 });
    expect(retrieved().length).toBeGreaterThan(3);
    expect(kept).toHaveLength(3);
    expect(() => new RerankKitPostprocessor({ scorer, topN: -1 })).toThrow(InvalidInputError);
    expect(() => new RerankKitPostprocessor({} as never)).toThrow(InvalidInputError);
  });
});

describe("RerankKitPostprocessor cancellation", () => {
  it("rejects with AbortError when scoreOptions.signal fires mid-call", async () => {
    const scorer = new FakeScorer();
    scorer.delayMs = 5_000;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    const pp = new RerankKitPostprocessor({ scorer, scoreOptions: { signal: controller.signal } });
    await expect(pp.postprocessNodes(retrieved(), QUERY)).rejects.toBeInstanceOf(AbortError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("RerankKitEmbedding", () => {
  it("embeds a batch in one call as documents, and queries with the query kind", async () => {
    const embedder = new FakeEmbedder();
    const embedding = new RerankKitEmbedding({ embedder, embedBatchSize: 3 });
    const vectors = await embedding.getTextEmbeddingsBatch(TEXTS);
    expect(vectors).toEqual(TEXTS.map((t) => Array.from(hashVector(t))));
    expect(embedder.calls.map((c) => c.texts.length)).toEqual([3, 2]);
    expect(embedder.calls.every((c) => c.options?.kind === "document")).toBe(true);
    const q = await embedding.getQueryEmbedding({ type: "text", text: QUERY });
    expect(q).toEqual(Array.from(hashVector(QUERY)));
    expect(embedder.calls.at(-1)?.options?.kind).toBe("query");
    await expect(embedding.getQueryEmbedding({ type: "image_url", image_url: { url: "x" } })).resolves.toBeNull();
  });
});
