/**
 * How every adapter loads a model it is given by Hub id or folder: in a worker thread unless
 * `worker: false`, with `loadOptions` passed on (minus the worker-only ones in process), once per
 * model, closed by whoever loaded it. rerank-kit's two loaders are replaced by recorders that hand
 * out fakes, so what reaches the loader is visible without loading a model or starting a worker.
 */
import { Document } from "@langchain/core/documents";
import { MetadataMode, TextNode } from "@llamaindex/core/schema";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { EmbedOptions, EmbedResponse } from "../../src/index.js";
import { createRerankKit } from "../../adapters/ai-sdk/index.js";
import { RerankCompressor } from "../../adapters/langchain/index.js";
import { RerankKitEmbedding, RerankKitPostprocessor } from "../../adapters/llamaindex/index.js";
import { RerankKitRelevanceScorer } from "../../adapters/mastra/index.js";
import { Lazy } from "../../adapters/shared/local-model.js";
import { FakeScorer, hashVector, lexicalScore } from "../langchain/helpers/fake-scorer.js";

/** A cross-encoder stand-in that counts its closes. */
class ClosingScorer extends FakeScorer {
  closed = 0;
  override async close(): Promise<void> {
    this.closed++;
  }
}

/** A bi-encoder stand-in: scores as FakeScorer, embeds as hashVector (has(x, "embed") is what counts). */
class ClosingBiEncoder extends ClosingScorer {
  readonly embedCalls: Array<EmbedOptions | undefined> = [];
  async embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }
  async embedWithUsage(texts: string[], options?: EmbedOptions): Promise<EmbedResponse> {
    this.embedCalls.push(options);
    return { embeddings: texts.map((t) => hashVector(t)), usage: { promptTokens: 0, totalTokens: 0 } };
  }
}

const loads: Array<{ via: "worker" | "in-process"; id: string; options: Record<string, unknown>; model: ClosingScorer }> = [];
let failNext: Error | undefined;

function load(via: "worker" | "in-process") {
  return async (id: string, options: Record<string, unknown> = {}) => {
    if (failNext) {
      const error = failNext;
      failNext = undefined;
      throw error;
    }
    const model = id.includes("embed") ? new ClosingBiEncoder() : new ClosingScorer();
    loads.push({ via, id, options: { ...options }, model });
    return model;
  };
}

vi.mock("../../src/index.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../src/index.js")>()),
  loadScorer: vi.fn(load("in-process")),
  loadWorkerScorer: vi.fn(load("worker")),
}));

beforeEach(() => {
  loads.length = 0;
  failNext = undefined;
});

const QUERY = "solar panels turn light into power";
const DOCS = ["Bread needs yeast to rise.", "Solar panels turn light into power.", "Light travels fast."];
const best = DOCS.map((d, i) => ({ i, s: lexicalScore(QUERY, d) })).sort((a, b) => b.s - a.s)[0]?.i as number;
const LOAD_OPTIONS = { dtype: "q8", threads: 1, workers: 2, loader: "fs" } as const;

describe("loading by id or folder", () => {
  it("createRerankKit loads in a worker with every load option, once per id, and closes on close()", async () => {
    const kit = createRerankKit({ loadOptions: LOAD_OPTIONS as never });
    const a = kit.rerankingModel("org/reranker");
    const b = kit.rerankingModel("org/reranker");
    expect(loads).toHaveLength(0); // nothing loads before the first call
    const out = await a.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY, topN: 1 });
    await b.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY });
    expect(out.ranking[0]?.index).toBe(best);
    expect(loads.map(({ via, id, options }) => ({ via, id, options }))).toEqual([{ via: "worker", id: "org/reranker", options: LOAD_OPTIONS }]);
    await kit.embeddingModel("org/embedder").doEmbed({ values: ["a"] });
    expect(loads.map((l) => l.id)).toEqual(["org/reranker", "org/embedder"]);
    await kit.close();
    expect(loads.map((l) => l.model.closed)).toEqual([1, 1]);
  });

  it("worker: false loads in process without the worker-only options", async () => {
    const kit = createRerankKit({ worker: false, loadOptions: LOAD_OPTIONS as never });
    await kit.embeddingModel("org/embedder").doEmbed({ values: ["a"] });
    expect(loads.map(({ via, options }) => ({ via, options }))).toEqual([{ via: "in-process", options: { dtype: "q8", threads: 1 } }]);
    await kit.close();
  });

  it("refuses a model that cannot embed as an embedding model, naming it, and closes it", async () => {
    const kit = createRerankKit();
    const error = await kit.embeddingModel("org/reranker").doEmbed({ values: ["a"] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InvalidInputError", field: "model", message: "org/reranker is a cross-encoder model, not a bi-encoder: it cannot embed" });
    expect(loads[0]?.model.closed).toBe(1);
  });

  it("forgets a failed load, so that the next call loads again", async () => {
    const kit = createRerankKit();
    const model = kit.rerankingModel("org/reranker");
    failNext = new Error("hub down");
    await expect(model.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY })).rejects.toThrow("hub down");
    await expect(model.doRerank({ documents: { type: "text", values: DOCS }, query: QUERY })).resolves.toMatchObject({ ranking: expect.any(Array) });
    await expect(kit.rerankingModel("org/reranker").doRerank({ documents: { type: "text", values: DOCS }, query: QUERY })).resolves.toBeDefined();
    expect(loads).toHaveLength(1);
    await kit.close();
  });

  it("names the class in the message of a misspelled or mistyped option, before loading", async () => {
    await expect(RerankCompressor.fromModel("org/reranker", { top_n: 1 } as never)).rejects.toThrow(/^RerankCompressor\.fromModel: unknown option `top_n`/);
    await expect(RerankCompressor.fromModel("org/reranker", { worker: "no" } as never)).rejects.toThrow(/^RerankCompressor\.fromModel: option `worker`/);
    await expect(new RerankCompressor({ scorer: new ClosingScorer() }).rerank(["a"], "q", { topN: -1 })).rejects.toThrow(/^RerankCompressor\.rerank: option `topN`/);
    expect(() => new RerankKitEmbedding({ embedder: "org/embedder", dimensions: 0 })).toThrow(/^RerankKitEmbedding: option `dimensions`/);
    expect(() => new RerankKitPostprocessor({ scorer: "org/reranker", loadOptions: 3 } as never)).toThrow(/^RerankKitPostprocessor: option `loadOptions`/);
    expect(() => new RerankKitRelevanceScorer({ scorer: "org/reranker", maxBatchSize: 0 })).toThrow(/^RerankKitRelevanceScorer: option `maxBatchSize`/);
    expect(loads).toHaveLength(0);
  });

  it("keeps a load started after close() when a load from before close() fails late", async () => {
    let rejectOld: (error: Error) => void = () => {};
    const kit = createRerankKit();
    const { loadWorkerScorer } = await import("../../src/index.js");
    vi.mocked(loadWorkerScorer).mockImplementationOnce(() => new Promise<never>((_, reject) => (rejectOld = reject)));
    const before = kit.rerankingModel("org/reranker").doRerank({ documents: { type: "text", values: DOCS }, query: QUERY });
    const closing = kit.close(); // forgets every model at once, then waits for the loads in flight
    await kit.rerankingModel("org/reranker").doRerank({ documents: { type: "text", values: DOCS }, query: QUERY });
    rejectOld(new Error("stale load failed"));
    await expect(before).rejects.toThrow("stale load failed");
    await closing;
    await kit.rerankingModel("org/reranker").doRerank({ documents: { type: "text", values: DOCS }, query: QUERY });
    expect(loads).toHaveLength(1); // the load after close() is still the shared one
    await kit.close();
  });

  it("an adapter keeps, and later closes, the model it loaded after close() when the load from before close() fails late", async () => {
    // close() forgets the load in flight; a call after it starts a new load. The old load failing
    // afterwards must not make the adapter forget the new model: it would load a second copy on the
    // next call and leave the first one open, since close() would find nothing to close.
    let rejectOld: (error: Error) => void = () => {};
    const { loadWorkerScorer } = await import("../../src/index.js");
    let started = false;
    vi.mocked(loadWorkerScorer).mockImplementationOnce(() => ((started = true), new Promise<never>((_, reject) => (rejectOld = reject))));
    const scorer = new RerankKitRelevanceScorer({ scorer: "org/reranker", maxWaitMs: 0 });
    const before = scorer.getRelevanceScore(QUERY, DOCS[0] as string);
    await vi.waitFor(() => expect(started).toBe(true)); // the batch's timer has started the load
    const closing = scorer.close(); // waits for the old load
    expect(await scorer.getRelevanceScore(QUERY, DOCS[1] as string)).toBe(lexicalScore(QUERY, DOCS[1] as string));
    expect(loads).toHaveLength(1);
    rejectOld(new Error("stale load failed"));
    await expect(before).rejects.toThrow("stale load failed");
    await closing;
    expect(await scorer.getRelevanceScore(QUERY, DOCS[2] as string)).toBe(lexicalScore(QUERY, DOCS[2] as string));
    expect(loads).toHaveLength(1); // still the model loaded after close()
    await scorer.close();
    expect(loads[0]?.model.closed).toBe(1);
  });

  it("refuses an empty or missing model id before loading", async () => {
    for (const id of ["", undefined]) {
      const error = await RerankCompressor.fromModel(id as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "InvalidInputError", field: "model", message: "A model id or folder must be a non-empty string" });
    }
    expect(loads).toHaveLength(0);
  });

  it("RerankCompressor.fromModel passes worker and loadOptions, owns the model, and closes it on a bad field", async () => {
    const owned = await RerankCompressor.fromModel("org/reranker", { topN: 1, loadOptions: { dtype: "q8" } });
    const [top] = await owned.compressDocuments(DOCS.map((pageContent) => new Document({ pageContent })), QUERY);
    expect(top?.pageContent).toBe(DOCS[best]);
    expect(loads[0]).toMatchObject({ via: "worker", options: { dtype: "q8" } });
    await owned.close();
    expect(loads[0]?.model.closed).toBe(1);
    await RerankCompressor.fromModel("org/reranker", { worker: false });
    expect(loads[1]).toMatchObject({ via: "in-process", options: {} });
    await expect(RerankCompressor.fromModel("org/reranker", { longDocuments: "chunk-max" })).rejects.toMatchObject({ field: "longDocuments" });
    expect(loads[2]?.model.closed).toBe(1);
    const given = new ClosingScorer();
    await new RerankCompressor({ scorer: given }).close();
    expect(given.closed).toBe(0);
  });

  it("RerankKitPostprocessor loads on first use with its load settings and closes what it loaded", async () => {
    const pp = new RerankKitPostprocessor({ scorer: "org/reranker", worker: false, loadOptions: { threads: 1, workers: 3 }, topN: 1 });
    expect(loads).toHaveLength(0);
    const out = await pp.postprocessNodes(DOCS.map((text) => ({ node: new TextNode({ text }) })), QUERY);
    expect(out.map((n) => n.node.getContent(MetadataMode.NONE))).toEqual([DOCS[best]]);
    expect(loads[0]).toMatchObject({ via: "in-process", options: { threads: 1 } });
    expect(loads[0]?.options).not.toHaveProperty("workers");
    await pp.close();
    expect(loads[0]?.model.closed).toBe(1);
  });

  it("RerankKitEmbedding loads an embedder by id and closes it; a bi-encoder check names the model", async () => {
    const embedding = new RerankKitEmbedding({ embedder: "org/embedder", loadOptions: { dtype: "fp16" } });
    expect(await embedding.getTextEmbedding("solar")).toEqual(Array.from(hashVector("solar")));
    expect(loads[0]).toMatchObject({ via: "worker", id: "org/embedder", options: { dtype: "fp16" } });
    await embedding.close();
    expect(loads[0]?.model.closed).toBe(1);
    await expect(new RerankKitEmbedding({ embedder: "org/reranker" }).getTextEmbedding("a")).rejects.toThrow(/not a bi-encoder/);
  });

  it("RerankKitRelevanceScorer loads on first use and closes what it loaded", async () => {
    const scorer = new RerankKitRelevanceScorer({ scorer: "org/reranker", worker: false });
    expect(await scorer.getRelevanceScore(QUERY, DOCS[1] as string)).toBe(lexicalScore(QUERY, DOCS[1] as string));
    expect(loads[0]?.via).toBe("in-process");
    await scorer.close();
    expect(loads[0]?.model.closed).toBe(1);
  });
});

describe("Lazy", () => {
  it("uses a given model as is and never closes it", async () => {
    const model = new ClosingScorer();
    const lazy = new Lazy(model);
    expect(lazy.owned).toBe(false);
    expect(await lazy.get()).toBe(model);
    await lazy.close();
    expect(model.closed).toBe(0);
  });

  it("loads once, retries after a failure, closes once, and loads again after close", async () => {
    let calls = 0;
    const models: ClosingScorer[] = [];
    const lazy = new Lazy<ClosingScorer>(async () => {
      calls++;
      if (calls === 1) throw new Error("first load fails");
      const model = new ClosingScorer();
      models.push(model);
      return model;
    });
    expect(lazy.owned).toBe(true);
    await lazy.close(); // nothing loaded: nothing to close
    await expect(lazy.get()).rejects.toThrow("first load fails");
    const [x, y] = await Promise.all([lazy.get(), lazy.get()]);
    expect(x).toBe(y);
    expect(calls).toBe(2);
    await lazy.close();
    await lazy.close();
    expect(models[0]?.closed).toBe(1);
    await lazy.get();
    expect(calls).toBe(3);
  });

  it("closes quietly after a failed load that no one retried", async () => {
    const lazy = new Lazy<ClosingScorer>(() => Promise.reject(new Error("no model")));
    const pending = lazy.get();
    await lazy.close();
    await expect(pending).rejects.toThrow("no model");
  });
});
