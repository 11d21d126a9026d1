/**
 * The AI SDK adapter's call mapping, checked through doRerank / doEmbed and the provider over
 * recording fakes: what reaches the scorer or the server (options, topN, signal, headers, model
 * id), what comes back (usage, metadata, warnings, errors), and what the provider shares. These
 * are the in-process tests StrykerJS runs for the `adapters` scopes (vitest.mutate.config.ts).
 */
import { describe, expect, it } from "vitest";
import { AbortError, InvalidInputError, InvalidOptionError } from "../../src/index.js";
import type { EmbedOptions, EmbedResponse, RerankOptions, RerankResponse, ScoreInput, ScoreOptions, ScoreResponse } from "../../src/index.js";
import { RemoteEmbedder } from "../../src/remote/index.js";
import { createRerankKit, RerankKitEmbeddingModel, RerankKitRerankingModel } from "../../adapters/ai-sdk/index.js";
import { RerankKitEmbeddingModelV4, RerankKitRerankingModelV4 } from "../../adapters/ai-sdk/v4/index.js";
import { FakeEmbedder, FakeScorer, hashVector, lexicalScore } from "../langchain/helpers/fake-scorer.js";

const QUERY = "solar panels turn light into power";
const DOCS = ["Bread needs yeast to rise.", "Solar panels turn light into power.", "Light travels fast."];
const text = (values: string[]) => ({ type: "text" as const, values });

/** A scorer whose usage has distinct prompt and total counts, so a swap shows. */
class CountingScorer extends FakeScorer {
  closed = 0;
  /** The options of every rerank call, as the adapter sent them (topN included). */
  readonly rerankOptions: Array<RerankOptions | undefined> = [];
  override async rerankWithUsage(q: ScoreInput, d: ScoreInput[], o?: RerankOptions): Promise<RerankResponse> {
    this.rerankOptions.push(o);
    return super.rerankWithUsage(q, d, o);
  }
  override async scoreWithUsage(q: ScoreInput | ScoreInput[], d: ScoreInput | ScoreInput[], o?: ScoreOptions): Promise<ScoreResponse> {
    const { scores } = await super.scoreWithUsage(q, d, o);
    return { scores, usage: { promptTokens: 7, totalTokens: 11 } };
  }
  override async close(): Promise<void> {
    this.closed++;
  }
}

/** An embedder with distinct prompt and total counts, and a close counter. */
class CountingEmbedder extends FakeEmbedder {
  closed = 0;
  override async embedWithUsage(texts: string[], options?: EmbedOptions): Promise<EmbedResponse> {
    const { embeddings } = await super.embedWithUsage(texts, options);
    return { embeddings, usage: { promptTokens: 5, totalTokens: 9 } };
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

/** A fetch that answers vLLM's /score, /rerank and /embeddings from the request, and records each request. */
function recordingFetch() {
  const calls: Array<{ url: string; headers: Headers; body: Record<string, unknown> }> = [];
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>;
    calls.push({ url: String(url), headers: new Headers(init?.headers), body });
    const docs = (body.text_2 ?? body.documents ?? body.input ?? []) as unknown[];
    const json = String(url).includes("embeddings")
      ? { data: docs.map((_, index) => ({ index, embedding: [index, 1] })) }
      : String(url).endsWith("/score")
        ? { data: docs.map((_, index) => ({ index, score: index })) }
        : { results: docs.map((_, index) => ({ index, relevance_score: index })) };
    return new Response(JSON.stringify(json), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

async function rejection(promise: Promise<unknown>): Promise<InvalidInputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

describe("doRerank: what reaches the scorer", () => {
  it("sends topN (0 = all when absent) with the scoring options, and no signal or headers it was not given", async () => {
    const scorer = new CountingScorer();
    const model = new RerankKitRerankingModel({ scorer });
    await model.doRerank({ documents: text(DOCS), query: QUERY, topN: 2 });
    await model.doRerank({ documents: text(DOCS), query: QUERY });
    expect(scorer.rerankOptions.map((o) => o?.topN)).toEqual([2, 0]);
    expect(scorer.rerankOptions.every((o) => o !== undefined && !("signal" in o) && !("headers" in o))).toBe(true);
  });

  it("passes the call's abortSignal to the scorer", async () => {
    const scorer = new CountingScorer();
    const controller = new AbortController();
    await new RerankKitRerankingModel({ scorer }).doRerank({ documents: text(DOCS), query: QUERY, abortSignal: controller.signal });
    expect(scorer.rerankOptions[0]?.signal).toBe(controller.signal);
  });

  it("refuses a negative or fractional topN with a message naming it, and takes topN 0", async () => {
    const model = new RerankKitRerankingModel({ scorer: new CountingScorer() });
    for (const topN of [-1, 1.5]) {
      const error = await rejection(model.doRerank({ documents: text(DOCS), query: QUERY, topN }));
      expect(error.field).toBe("topN");
      expect(error.message).toBe(`topN must be a non-negative integer, got ${topN}`);
    }
    const all = await model.doRerank({ documents: text(DOCS), query: QUERY, topN: 0 });
    expect(all.ranking).toHaveLength(DOCS.length);
  });

  it("maps results to { index, relevanceScore } best first, with usage and scoreType in providerMetadata", async () => {
    const scorer = new CountingScorer();
    const before = Date.now();
    const out = await new RerankKitRerankingModel({ scorer }).doRerank({ documents: text(DOCS), query: QUERY });
    const expected = DOCS.map((d, index) => ({ index, relevanceScore: lexicalScore(QUERY, d) })).sort((a, b) => b.relevanceScore - a.relevanceScore);
    expect(out.ranking).toEqual(expected);
    expect(out.providerMetadata).toEqual({ rerankKit: { scoreType: "cross-encoder", usage: { promptTokens: 7, totalTokens: 11 } } });
    expect(out.response?.modelId).toBe("fake-lexical");
    expect(out.response?.timestamp).toBeInstanceOf(Date);
    expect(out.response?.timestamp?.getTime()).toBeGreaterThanOrEqual(before);
    expect(out.response?.timestamp?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(out.warnings).toEqual([]);
  });

  it("answers no documents with zero usage and the scorer's id", async () => {
    const out = await new RerankKitRerankingModel({ scorer: new CountingScorer() }).doRerank({ documents: text([]), query: QUERY });
    expect(out).toMatchObject({ ranking: [], warnings: [], response: { modelId: "fake-lexical" } });
    expect(out.providerMetadata).toEqual({ rerankKit: { scoreType: "cross-encoder", usage: { promptTokens: 0, totalTokens: 0 } } });
  });

  it("reads object documents on documentField (the model's, or the call's), and names a missing one", async () => {
    const scorer = new CountingScorer();
    const objects = DOCS.map((body, i) => ({ body, text: `other ${i}` }));
    await new RerankKitRerankingModel({ scorer, documentField: "body" }).doRerank({ documents: { type: "object", values: objects }, query: QUERY });
    await new RerankKitRerankingModel({ scorer }).doRerank({
      documents: { type: "object", values: objects },
      query: QUERY,
      providerOptions: { rerankKit: { documentField: "body" } },
    });
    await new RerankKitRerankingModel({ scorer }).doRerank({ documents: { type: "object", values: objects }, query: QUERY });
    expect(scorer.calls.map((c) => c.documents)).toEqual([DOCS, DOCS, objects.map((o) => o.text)]);
    // documentField picks the text; it is not a scoring option
    expect(scorer.rerankOptions.some((o) => o !== undefined && "documentField" in o)).toBe(false);
    const error = await rejection(
      new RerankKitRerankingModel({ scorer, documentField: "title" }).doRerank({ documents: { type: "object", values: objects }, query: QUERY }),
    );
    expect(error.field).toBe("documents[0].title");
    expect(error.message).toBe('documents[0] has no string field "title" to rank on (choose one with documentField)');
  });

  it("refuses documents of an unknown type, or none, with a typed error", async () => {
    const model = new RerankKitRerankingModel({ scorer: new CountingScorer() });
    for (const documents of [{ type: "html", values: [] }, undefined]) {
      const error = await rejection(model.doRerank({ documents, query: QUERY } as never));
      expect(error.field).toBe("documents");
      expect(error.message).toBe('documents.type must be "text" or "object"');
    }
    const error = await rejection(model.doRerank({ documents: { type: "object", values: [{ text: "a" }, null] }, query: QUERY } as never));
    expect(error.field).toBe("documents[1].text");
  });

  it("keeps the model's default options unless the call overrides them, and ignores null overrides", async () => {
    const scorer = new CountingScorer();
    const model = new RerankKitRerankingModel({ scorer, scoreOptions: { activation: false, maxTokensPerDoc: 64 } });
    await model.doRerank({ documents: text(DOCS), query: QUERY, providerOptions: { rerankKit: { activation: null, maxTokensPerDoc: 32 } } });
    expect(scorer.calls[0]?.options).toMatchObject({ activation: false, maxTokensPerDoc: 32 });
    await model.doRerank({ documents: text(DOCS), query: QUERY, providerOptions: { rerankKit: { activation: undefined } } });
    expect(scorer.calls[1]?.options?.activation).toBe(false);
  });

  it("warns once per unknown provider option, naming it, and still scores", async () => {
    const scorer = new CountingScorer();
    const out = await new RerankKitRerankingModel({ scorer }).doRerank({
      documents: text(DOCS),
      query: QUERY,
      providerOptions: { rerankKit: { top_k: 3, activation: false } },
    });
    expect(out.warnings).toEqual([{ type: "unsupported", feature: "providerOptions.rerankKit.top_k", details: "rerank-kit does not know top_k; it was ignored" }]);
    expect(scorer.calls[0]?.options).not.toHaveProperty("top_k");
    expect(scorer.calls[0]?.options?.activation).toBe(false);
  });

  it("refuses providerOptions.rerankKit that is not an object, and a mistyped value with its full path and cause", async () => {
    const model = new RerankKitRerankingModel({ scorer: new CountingScorer() });
    for (const bad of [null, [], "x", 3]) {
      const error = await rejection(model.doRerank({ documents: text(DOCS), query: QUERY, providerOptions: { rerankKit: bad as never } }));
      expect(error.field).toBe("providerOptions.rerankKit");
      expect(error.message).toBe("providerOptions.rerankKit must be an object");
    }
    const error = await rejection(model.doRerank({ documents: text(DOCS), query: QUERY, providerOptions: { rerankKit: { truncationSide: "middle" } } }));
    expect(error.field).toBe("providerOptions.rerankKit.truncationSide");
    expect(error.message).toMatch(/^rerank-kit: option `providerOptions\.rerankKit\.truncationSide` must be "left" \| "right", got "middle"$/);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("warns about headers only when the caller set one besides user-agent (any case)", async () => {
    const model = new RerankKitRerankingModel({ scorer: new CountingScorer() });
    const call = (headers: Record<string, string | undefined>) => model.doRerank({ documents: text(DOCS), query: QUERY, headers: headers as Record<string, string> });
    const warning = { type: "unsupported", feature: "headers", details: "a local model makes no HTTP request" };
    expect((await call({ "User-Agent": "ai/7", "x-trace": "1" })).warnings).toEqual([warning]);
    expect((await call({ "user-agent": "ai/7" })).warnings).toEqual([]);
    expect((await call({ "x-trace": undefined })).warnings).toEqual([]);
  });
});

describe("the model cores", () => {
  it("name the provider rerank-kit unless told, and take the model id from the scorer or the settings", () => {
    const scorer = new CountingScorer();
    expect(new RerankKitRerankingModel({ scorer })).toMatchObject({ provider: "rerank-kit", modelId: "fake-lexical", specificationVersion: "v3" });
    expect(new RerankKitRerankingModel({ scorer, provider: "mine", modelId: "m" })).toMatchObject({ provider: "mine", modelId: "m" });
    expect(new RerankKitRerankingModelV4({ scorer, provider: "mine" })).toMatchObject({ provider: "mine", modelId: "fake-lexical", specificationVersion: "v4" });
    const embedder = new CountingEmbedder();
    expect(new RerankKitEmbeddingModel({ embedder })).toMatchObject({ provider: "rerank-kit", modelId: "fake-hash" });
    expect(new RerankKitEmbeddingModel({ embedder, provider: "mine", modelId: "e" })).toMatchObject({ provider: "mine", modelId: "e" });
    expect(new RerankKitEmbeddingModelV4({ embedder, modelId: "e" })).toMatchObject({ provider: "rerank-kit", modelId: "e", maxEmbeddingsPerCall: Infinity });
  });

  it("name the missing setting in the error's field", () => {
    const field = (make: () => unknown) => {
      try {
        make();
      } catch (e) {
        return (e as InvalidInputError).field;
      }
      return "no error";
    };
    expect(field(() => new RerankKitRerankingModel({ scorer: 1 as never }))).toBe("scorer");
    expect(field(() => new RerankKitRerankingModel({ scorer: async () => new CountingScorer() }))).toBe("modelId");
    expect(field(() => new RerankKitEmbeddingModel({ embedder: 1 as never }))).toBe("embedder");
    expect(field(() => new RerankKitEmbeddingModel({ embedder: async () => new CountingEmbedder() }))).toBe("modelId");
  });

  it("close the model they loaded, in both specification versions", async () => {
    const embedder = new CountingEmbedder();
    const v3 = new RerankKitEmbeddingModel({ embedder: async () => embedder, modelId: "e" });
    await v3.doEmbed({ values: ["a"] });
    await v3.close();
    expect(embedder.closed).toBe(1);
    const scorer = new CountingScorer();
    const v4 = new RerankKitRerankingModelV4({ scorer: async () => scorer, modelId: "r" });
    await v4.doRerank({ documents: text(DOCS), query: QUERY });
    await v4.close();
    expect(scorer.closed).toBe(1);
  });

  it("close quietly when the embedder they loaded has no close() (an Embedder need not have one)", async () => {
    for (const make of [(s: { embedder: () => Promise<FakeEmbedder>; modelId: string }) => new RerankKitEmbeddingModel(s), (s: { embedder: () => Promise<FakeEmbedder>; modelId: string }) => new RerankKitEmbeddingModelV4(s)]) {
      const embedder = new FakeEmbedder();
      expect("close" in embedder).toBe(false);
      const model = make({ embedder: async () => embedder, modelId: "e" });
      await model.doEmbed({ values: ["a"] });
      await expect(model.close()).resolves.toBeUndefined();
    }
  });

  it("refuse missing settings with a typed error", () => {
    expect(() => new RerankKitRerankingModel(undefined as never)).toThrow(InvalidInputError);
    expect(() => new RerankKitEmbeddingModelV4(undefined as never)).toThrow(InvalidInputError);
  });

  it("need a modelId with a loader, and a scorer or embedder, saying which model class", () => {
    const message = (make: () => unknown) => {
      try {
        make();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidInputError);
        return (e as Error).message;
      }
      return "no error";
    };
    expect(message(() => new RerankKitRerankingModel({ scorer: async () => new CountingScorer() }))).toBe("RerankKitRerankingModel needs a modelId when given a loader");
    expect(message(() => new RerankKitRerankingModelV4({ scorer: {} as never }))).toBe(
      "RerankKitRerankingModelV4 needs a scorer (loadWorkerScorer(), loadScorer() or a RemoteScorer)",
    );
    expect(message(() => new RerankKitEmbeddingModel({ embedder: async () => new CountingEmbedder() }))).toBe("RerankKitEmbeddingModel needs a modelId when given a loader");
    expect(message(() => new RerankKitEmbeddingModelV4({ embedder: 3 as never }))).toBe(
      "RerankKitEmbeddingModelV4 needs an embedder (a bi-encoder scorer or a RemoteEmbedder)",
    );
    expect(() => new RerankKitRerankingModel({ scorer: new CountingScorer(), scoreOptions: { activation: "no" } as never })).toThrow(
      /^RerankKitRerankingModel scoreOptions: option `activation`/,
    );
    expect(() => new RerankKitRerankingModel({ scorer: new CountingScorer(), scoreOptions: { documentField: "body" } as never })).toThrow(/unknown option `documentField`/);
    expect(() => new RerankKitEmbeddingModel({ embedder: new CountingEmbedder(), embedOptions: { kind: "passage" } as never })).toThrow(
      /^RerankKitEmbeddingModel embedOptions: option `kind`/,
    );
    expect(() => new RerankKitEmbeddingModel({ embedder: new CountingEmbedder(), remote: "yes" } as never)).toThrow(/^RerankKitEmbeddingModel: option `remote`/);
  });

  it("load a loader's model once, on the first call, and close only what they loaded", async () => {
    const scorer = new CountingScorer();
    let loads = 0;
    const owned = new RerankKitRerankingModel({ scorer: async () => (loads++, scorer), modelId: "loaded" });
    expect(loads).toBe(0);
    await owned.doRerank({ documents: text(DOCS), query: QUERY });
    await owned.doRerank({ documents: text(DOCS), query: QUERY });
    expect(loads).toBe(1);
    await owned.close();
    expect(scorer.closed).toBe(1);
    const given = new CountingScorer();
    const notOwned = new RerankKitRerankingModelV4({ scorer: given });
    await notOwned.doRerank({ documents: text(DOCS), query: QUERY });
    await notOwned.close();
    expect(given.closed).toBe(0);

    const embedder = new CountingEmbedder();
    const ownedEmbedding = new RerankKitEmbeddingModelV4({ embedder: async () => embedder, modelId: "e" });
    await ownedEmbedding.doEmbed({ values: ["a"] });
    await ownedEmbedding.close();
    expect(embedder.closed).toBe(1);
    const givenEmbedder = new CountingEmbedder();
    await new RerankKitEmbeddingModel({ embedder: givenEmbedder }).close();
    expect(givenEmbedder.closed).toBe(0);
  });

  it("check the signal before loading and again before scoring", async () => {
    let loads = 0;
    const scorer = new CountingScorer();
    const aborted = new RerankKitRerankingModel({ scorer: async () => (loads++, scorer), modelId: "m" });
    const error = await aborted.doRerank({ documents: text(DOCS), query: QUERY, abortSignal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(loads).toBe(0);
    const controller = new AbortController();
    const midLoad = new RerankKitRerankingModel({ scorer: async () => (controller.abort(), scorer), modelId: "m" });
    await expect(midLoad.doRerank({ documents: text(DOCS), query: QUERY, abortSignal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(scorer.calls).toHaveLength(0);

    const embedder = new CountingEmbedder();
    const embedController = new AbortController();
    const embedMidLoad = new RerankKitEmbeddingModel({ embedder: async () => (embedController.abort(), embedder), modelId: "e" });
    await expect(embedMidLoad.doEmbed({ values: ["a"], abortSignal: embedController.signal })).rejects.toBeInstanceOf(AbortError);
    expect(embedder.calls).toHaveLength(0);
    let embedLoads = 0;
    const embedAborted = new RerankKitEmbeddingModel({ embedder: async () => (embedLoads++, embedder), modelId: "e" });
    await expect(embedAborted.doEmbed({ values: ["a"], abortSignal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(embedLoads).toBe(0);
  });
});

describe("doEmbed: what reaches the embedder", () => {
  it("embeds as documents by default, as the model's embedOptions say, and as the call says over both", async () => {
    const embedder = new CountingEmbedder();
    await new RerankKitEmbeddingModel({ embedder }).doEmbed({ values: ["a"] });
    await new RerankKitEmbeddingModel({ embedder, embedOptions: { kind: "query", normalize: false } }).doEmbed({ values: ["a"] });
    await new RerankKitEmbeddingModel({ embedder, embedOptions: { kind: "query" } }).doEmbed({ values: ["a"], providerOptions: { rerankKit: { kind: "document" } } });
    expect(embedder.calls.map((c) => c.options)).toEqual([{ kind: "document" }, { kind: "query", normalize: false }, { kind: "document" }]);
  });

  it("passes dimensions and the abort signal, and nothing it was not given", async () => {
    const embedder = new CountingEmbedder();
    const controller = new AbortController();
    await new RerankKitEmbeddingModelV4({ embedder }).doEmbed({ values: ["a"], dimensions: 4, abortSignal: controller.signal });
    expect(embedder.calls[0]?.options?.dimensions).toBe(4);
    expect(embedder.calls[0]?.options?.signal).toBe(controller.signal);
    await new RerankKitEmbeddingModelV4({ embedder, embedOptions: { dimensions: 8 } }).doEmbed({ values: ["a"] });
    expect(embedder.calls[1]?.options).toEqual({ kind: "document", dimensions: 8 });
    expect(Object.keys(embedder.calls[1]?.options ?? {}).sort()).toEqual(["dimensions", "kind"]);
  });

  it("returns the vectors as number arrays with the prompt tokens as usage and metadata", async () => {
    const embedder = new CountingEmbedder();
    const out = await new RerankKitEmbeddingModel({ embedder }).doEmbed({ values: ["solar panels", "bread"] });
    expect(out.embeddings).toEqual([Array.from(hashVector("solar panels")), Array.from(hashVector("bread"))]);
    expect(out.embeddings.every((v) => Array.isArray(v))).toBe(true);
    expect(out.usage).toEqual({ tokens: 5 });
    expect(out.providerMetadata).toEqual({ rerankKit: { usage: { promptTokens: 5, totalTokens: 5 } } });
    expect(out.warnings).toEqual([]);
  });

  it("answers no values without calling the embedder, and refuses values that are not an array", async () => {
    const embedder = new CountingEmbedder();
    const model = new RerankKitEmbeddingModel({ embedder });
    const out = await model.doEmbed({ values: [] });
    expect(out).toEqual({ embeddings: [], usage: { tokens: 0 }, warnings: [], providerMetadata: { rerankKit: { usage: { promptTokens: 0, totalTokens: 0 } } } });
    expect(embedder.calls).toHaveLength(0);
    const error = await rejection(model.doEmbed({ values: "a" as never }));
    expect(error.field).toBe("values");
    expect(error.message).toBe("values must be an array of strings");
  });

  it("refuses an embedder that returns the wrong number of vectors", async () => {
    const embedder = new CountingEmbedder();
    embedder.embedWithUsage = async () => ({ embeddings: [Float32Array.of(1)], usage: { promptTokens: 0, totalTokens: 0 } });
    const error = await rejection(new RerankKitEmbeddingModel({ embedder }).doEmbed({ values: ["a", "b"] }));
    expect(error.message).toBe("The embedder returned 1 vectors for 2 values");
    expect(error.field).toBe("values");
  });

  it("warns about caller headers a local embedder cannot send, not about the SDK's user-agent", async () => {
    const model = new RerankKitEmbeddingModel({ embedder: new CountingEmbedder() });
    expect((await model.doEmbed({ values: ["a"], headers: { "x-trace": "1" } })).warnings).toEqual([
      { type: "unsupported", feature: "headers", details: "a local model makes no HTTP request" },
    ]);
    expect((await model.doEmbed({ values: ["a"], headers: { "User-Agent": "ai" } })).warnings).toEqual([]);
    expect((await model.doEmbed({ values: ["a"], providerOptions: { rerankKit: { pooling: "cls" } } })).warnings).toEqual([
      { type: "unsupported", feature: "providerOptions.rerankKit.pooling", details: "rerank-kit does not know pooling; it was ignored" },
    ]);
  });
});

describe("createRerankKit with a server (baseURL)", () => {
  it("sends each model id, the apiKey, the provider's headers and the call's headers to the server", async () => {
    const f = recordingFetch();
    const kit = createRerankKit({
      baseURL: "http://rerank.test",
      apiKey: "sk-1",
      headers: { "x-team": "search" },
      remoteScorer: { fetch: f.fetch, maxRetries: 0 },
      remoteEmbedder: { fetch: f.fetch, maxRetries: 0 },
    });
    const reranking = kit.rerankingModel("served-reranker");
    expect(reranking).toMatchObject({ modelId: "served-reranker", provider: "rerank-kit" });
    const ranked = await reranking.doRerank({ documents: text(DOCS), query: QUERY, headers: { "x-trace": "7" } });
    expect(ranked.warnings).toEqual([]);
    expect(ranked.ranking.map((r) => r.index).sort()).toEqual([0, 1, 2]);
    const embedding = kit.embeddingModel("served-embedder");
    expect(embedding.supportsParallelCalls).toBe(true);
    await embedding.doEmbed({ values: ["a", "b"], headers: { "x-trace": "8" } });
    expect(f.calls.map((c) => c.body.model)).toEqual(["served-reranker", "served-embedder"]);
    for (const [i, call] of f.calls.entries()) {
      expect(call.url.startsWith("http://rerank.test")).toBe(true);
      expect(call.headers.get("authorization")).toBe("Bearer sk-1");
      expect(call.headers.get("x-team")).toBe("search");
      expect(call.headers.get("x-trace")).toBe(String(7 + i));
    }
    await kit.close();
  });

  it("creates one client per model id and a new one after close()", async () => {
    const f = recordingFetch();
    const kit = createRerankKit({ baseURL: "http://rerank.test", remoteScorer: { fetch: f.fetch, maxRetries: 0 } });
    const a = kit.rerankingModel("a");
    const again = kit.rerankingModel("a");
    await a.doRerank({ documents: text(DOCS), query: QUERY });
    await again.doRerank({ documents: text(DOCS), query: QUERY });
    await kit.close();
    // a closed RemoteScorer refuses calls: a working call after close() proves a fresh client
    await kit.rerankingModel("a").doRerank({ documents: text(DOCS), query: QUERY });
    await expect(again.doRerank({ documents: text(DOCS), query: QUERY })).rejects.toThrow(/closed/);
    expect(f.calls).toHaveLength(3);
    await kit.close();
  });

  it("a model's own close() leaves the client it shares with the provider's other models open", async () => {
    const f = recordingFetch();
    const kit = createRerankKit({
      baseURL: "http://rerank.test",
      remoteScorer: { fetch: f.fetch, maxRetries: 0 },
      remoteEmbedder: { fetch: f.fetch, maxRetries: 0 },
    });
    const [first, second] = [kit.rerankingModel("a"), kit.rerankingModel("a")];
    await first.doRerank({ documents: text(DOCS), query: QUERY });
    await first.close();
    await second.doRerank({ documents: text(DOCS), query: QUERY });
    const [e1, e2] = [kit.embeddingModel("e"), kit.embeddingModel("e")];
    await e1.doEmbed({ values: ["a"] });
    await e1.close();
    await e2.doEmbed({ values: ["b"] });
    expect(f.calls).toHaveLength(4);
    await kit.close();
    await expect(second.doRerank({ documents: text(DOCS), query: QUERY })).rejects.toThrow(/closed/);
  });

  it("refuses a mistyped setting before any model exists", () => {
    expect(() => createRerankKit({ apiKey: 3 } as never)).toThrow(InvalidOptionError);
    expect(() => createRerankKit({ remoteScorer: "fast" } as never)).toThrow(/^createRerankKit: option `remoteScorer` must be an object/);
    expect(() => createRerankKit({ worker: "no" } as never)).toThrow(/^createRerankKit: option `worker` must be true or false/);
    expect(() => createRerankKit({ loadOptions: 1 } as never)).toThrow(/option `loadOptions` must be an object/);
    expect(() => createRerankKit({ headers: "x" } as never)).toThrow(/option `headers` must be an object/);
    expect(() => createRerankKit({ remoteEmbedder: 1 } as never)).toThrow(/option `remoteEmbedder` must be an object/);
  });

  it("marks local embedding models as not parallel, a RemoteEmbedder as parallel, and lets `remote` decide", () => {
    expect(createRerankKit().embeddingModel("some/model").supportsParallelCalls).toBe(false);
    const remote = new RemoteEmbedder({ baseURL: "http://rerank.test/v1", fetch: recordingFetch().fetch });
    expect(new RerankKitEmbeddingModel({ embedder: remote }).supportsParallelCalls).toBe(true);
    expect(new RerankKitEmbeddingModel({ embedder: remote, remote: false }).supportsParallelCalls).toBe(false);
    expect(new RerankKitEmbeddingModelV4({ embedder: new CountingEmbedder(), remote: true }).supportsParallelCalls).toBe(true);
  });
});
