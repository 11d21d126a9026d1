/**
 * RerankCompressor, RerankKitEmbeddings and RerankKitSparseEmbeddings in detail, over recording
 * fakes: the callback event's fields, which signal and options reach the scorer, the keep-order
 * fallback's bounds, long-document budgets, and the typed errors with their messages. In-process
 * and model-free, so StrykerJS runs them for the `adapters` scopes (vitest.mutate.config.ts).
 */
import { describe, expect, it } from "vitest";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { AbortError, InvalidInputError } from "../../src/index.js";
import type { SparseEmbedOptions, SparseVector } from "../../src/index.js";
import { RerankCompressor, RerankKitEmbeddings, RerankKitSparseEmbeddings, type RerankEvent } from "../../adapters/langchain/index.js";
import { FakeEmbedder, FakeScorer, FakeTokenizingScorer, hashVector, lexicalScore } from "./helpers/fake-scorer.js";

const QUERY = "how do cats purr";
const TEXTS = ["dogs bark at night", "cats purr when content", "how do cats purr and why", "the stock market fell"];
const docs = (): Document[] => TEXTS.map((pageContent, i) => new Document({ pageContent, id: `id-${i}` }));
const order = (texts = TEXTS, query = QUERY) =>
  texts.map((t, i) => ({ i, s: lexicalScore(query, t) })).sort((a, b) => b.s - a.s).map((x) => x.i);

function collect() {
  const events: Array<{ name: string; data: RerankEvent }> = [];
  return { events, handler: { handleCustomEvent: (name: string, data: RerankEvent) => void events.push({ name, data }), awaitHandlers: true } };
}

class FailingScorer extends FakeScorer {
  constructor(private readonly thrown: unknown) {
    super();
  }
  override async scoreWithUsage(): Promise<never> {
    throw this.thrown;
  }
}

describe("RerankCompressor event", () => {
  it("reports every field of the call, with scoreThreshold null when unset and the applied value when set", async () => {
    const { events, handler } = collect();
    await new RerankCompressor({ scorer: new FakeScorer(), topN: 2 }).compressDocuments(docs(), QUERY, [handler]);
    await new RerankCompressor({ scorer: new FakeScorer(), topN: 0, scoreThreshold: 2 }).compressDocuments(docs(), QUERY, [handler]);
    expect(events.map((e) => e.name)).toEqual(["rerank_kit", "rerank_kit"]);
    const { durationMs, ...first } = events[0]?.data as RerankEvent;
    expect(durationMs).toBeGreaterThanOrEqual(0);
    expect(durationMs).toBeLessThan(10_000);
    expect(first).toEqual({
      model: "fake-lexical",
      scoreType: "cross-encoder",
      documents: 4,
      kept: 2,
      longDocuments: "truncate",
      truncated: null,
      scoredTexts: 4,
      topN: 2,
      scoreThreshold: null,
      error: null,
    });
    const kept = TEXTS.filter((t) => lexicalScore(QUERY, t) >= 2).length;
    expect(events[1]?.data).toMatchObject({ topN: 0, scoreThreshold: 2, kept });
  });

  it("counts truncated documents for a scorer with a tokenizer, after maxTokensPerDoc", async () => {
    // maxLength 20 and a 4-word query leave 13 document tokens; maxTokensPerDoc 3 lowers it to 3.
    const scorer = new FakeTokenizingScorer(20);
    const { events, handler } = collect();
    await new RerankCompressor({ scorer, topN: 0 }).compressDocuments(docs(), QUERY, [handler]);
    await new RerankCompressor({ scorer, topN: 0, scoreOptions: { maxTokensPerDoc: 4 } }).compressDocuments(docs(), QUERY, [handler]);
    const over4 = TEXTS.filter((t) => t.split(" ").length > 4).length;
    expect(events.map((e) => e.data.truncated)).toEqual([0, over4]);
    expect(over4).toBeGreaterThan(0);
    expect(over4).toBeLessThan(TEXTS.length);
  });

  it("sends no event without callbacks, and reports a call with no documents", async () => {
    const { events, handler } = collect();
    await new RerankCompressor({ scorer: new FakeScorer() }).compressDocuments(docs(), QUERY);
    await new RerankCompressor({ scorer: new FakeScorer() }).compressDocuments([], QUERY, [handler]);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ documents: 0, kept: 0, scoredTexts: 0, truncated: 0, topN: 3 });
  });
});

describe("RerankCompressor results", () => {
  it("returns copies with the score, the id only when the source has one, and no rerankError on success", async () => {
    const input: DocumentInterface[] = [new Document({ pageContent: TEXTS[1] as string, id: "x", metadata: { a: 1 } }), { pageContent: TEXTS[0] as string, metadata: {} }];
    const out = await new RerankCompressor({ scorer: new FakeScorer(), topN: 0 }).compressDocuments(input, QUERY);
    expect(out.map((d) => d.id)).toEqual(["x", undefined]);
    expect("id" in (out[1] as object) && (out[1] as DocumentInterface).id !== undefined).toBe(false);
    expect(out[0]?.metadata).toEqual({ a: 1, relevanceScore: lexicalScore(QUERY, TEXTS[1] as string) });
  });

  it("passes the document's id and metadata (or {}) to documentToText, and refuses a non-string result", async () => {
    const seen: DocumentInterface[] = [];
    const compressor = new RerankCompressor({ scorer: new FakeScorer(), documentToText: (d) => (seen.push(d), d.pageContent) });
    await compressor.rerank([new Document({ pageContent: "a", id: "i1", metadata: { t: 1 } }), { pageContent: "b" }], QUERY);
    expect(seen).toEqual([
      { pageContent: "a", metadata: { t: 1 }, id: "i1" },
      { pageContent: "b", metadata: {} },
    ]);
    expect(seen[1]).not.toHaveProperty("id");
    const bad = new RerankCompressor({ scorer: new FakeScorer(), documentToText: () => 5 as never });
    await expect(bad.rerank([{ pageContent: "a" }], QUERY)).rejects.toMatchObject({ field: "documents[0]", message: "documentToText returned number for documents[0]" });
  });

  it("refuses documents that are not an array, and names a document without pageContent", async () => {
    const compressor = new RerankCompressor({ scorer: new FakeScorer() });
    await expect(compressor.rerank("abc" as never, QUERY)).rejects.toMatchObject({ field: "documents", message: "documents must be an array" });
    await expect(compressor.rerank(["ok", null as never], QUERY)).rejects.toMatchObject({ field: "documents[1]", message: "documents[1] has no string pageContent" });
    await expect(compressor.rerank(["ok"], 3 as never)).rejects.toMatchObject({ field: "query", message: "query must be a string, got number" });
  });

  it("rerank() takes topN and scoreThreshold per call over the constructor's", async () => {
    const compressor = new RerankCompressor({ scorer: new FakeScorer(), topN: 1, scoreThreshold: 100 });
    const all = await compressor.rerank(TEXTS, QUERY, { topN: 0, scoreThreshold: -1 });
    expect(all.map((r) => r.index)).toEqual(order());
    expect(await compressor.rerank(TEXTS, QUERY, { topN: 2 })).toEqual([]);
    const two = await new RerankCompressor({ scorer: new FakeScorer(), topN: 1 }).rerank(TEXTS, QUERY, { topN: 2 });
    expect(two.map((r) => r.index)).toEqual(order().slice(0, 2));
  });

  it("forwards scoreOptions to the scorer without the call's topN leaking into later calls", async () => {
    const scorer = new FakeScorer();
    const compressor = new RerankCompressor({ scorer, scoreOptions: { maxTokensPerDoc: 16 } });
    await compressor.rerank(TEXTS, QUERY, { topN: 1 });
    await compressor.rerank(TEXTS, QUERY);
    expect(scorer.calls.map((c) => c.options?.maxTokensPerDoc)).toEqual([16, 16]);
    expect(scorer.calls.every((c) => c.options !== undefined && !("signal" in c.options))).toBe(true);
  });
});

describe("RerankCompressor signals", () => {
  it("aborts on the constructor's signal even when the call brings its own, and the other way round", async () => {
    const aborted = AbortSignal.abort();
    const live = new AbortController().signal;
    await expect(new RerankCompressor({ scorer: new FakeScorer(), signal: aborted }).rerank(TEXTS, QUERY, { signal: live })).rejects.toBeInstanceOf(AbortError);
    await expect(new RerankCompressor({ scorer: new FakeScorer(), signal: live }).rerank(TEXTS, QUERY, { signal: aborted })).rejects.toBeInstanceOf(AbortError);
    await expect(new RerankCompressor({ scorer: new FakeScorer() }).rerank(TEXTS, QUERY, { signal: aborted })).rejects.toBeInstanceOf(AbortError);
    await expect(new RerankCompressor({ scorer: new FakeScorer(), signal: live }).rerank(TEXTS, QUERY, { signal: live })).resolves.toHaveLength(3);
  });
});

describe("RerankCompressor onError keep-order", () => {
  it("keeps every document with topN 0, and no more documents than exist", async () => {
    for (const topN of [0, 10]) {
      const out = await new RerankCompressor({ scorer: new FailingScorer(new Error("down")), onError: "keep-order", topN }).compressDocuments(docs(), QUERY);
      expect(out.map((d) => d.id)).toEqual(TEXTS.map((_, i) => `id-${i}`));
    }
  });

  it("reports a thrown non-Error as its string, with zero texts scored and truncation unknown", async () => {
    const { events, handler } = collect();
    const out = await new RerankCompressor({ scorer: new FailingScorer("plain failure"), onError: "keep-order", topN: 1, scoreThreshold: 0.5 }).compressDocuments(
      docs(),
      QUERY,
      [handler],
    );
    expect(out[0]?.metadata).toEqual({ relevanceScore: null, rerankError: "plain failure" });
    expect(events[0]?.data).toMatchObject({ error: "plain failure", scoredTexts: 0, truncated: null, topN: 1, scoreThreshold: 0.5, kept: 1 });
  });

  it("still rejects an input error from the scorer", async () => {
    const compressor = new RerankCompressor({ scorer: new FailingScorer(new InvalidInputError("bad doc", { field: "documents" })), onError: "keep-order" });
    await expect(compressor.compressDocuments(docs(), QUERY)).rejects.toThrow("bad doc");
  });
});

describe("RerankCompressor fields", () => {
  const message = (make: () => unknown) => {
    try {
      make();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError);
      return `${(e as InvalidInputError).field}: ${(e as Error).message}`;
    }
    return "no error";
  };

  it("names each bad field", () => {
    const scorer = new FakeScorer();
    expect(message(() => new RerankCompressor({ scorer: { rerank: () => [] } as never }))).toBe("scorer: RerankCompressor needs a scorer (loadScorer() or a RemoteScorer)");
    expect(message(() => new RerankCompressor({ scorer: { score: () => [] } as never }))).toBe("scorer: RerankCompressor needs a scorer (loadScorer() or a RemoteScorer)");
    expect(message(() => new RerankCompressor({ scorer, metadataKey: "" }))).toBe("metadataKey: metadataKey must be a non-empty string");
    expect(message(() => new RerankCompressor({ scorer, onError: "ignore" as never }))).toBe('onError: onError must be "throw" or "keep-order", got "ignore"');
    expect(message(() => new RerankCompressor({ scorer, longDocuments: "chunk-max" }))).toBe(
      'longDocuments: longDocuments "chunk-max" needs a scorer with tokenizer access (a local scorer)',
    );
    expect(message(() => new RerankCompressor({ scorer, topN: -1 }))).toBe("topN: RerankCompressor: option `topN` must be an integer >= 0 (0 = all), got -1");
    expect(message(() => new RerankCompressor({ scorer, overlapTokens: -1 }))).toMatch(/^overlapTokens: /);
    expect(message(() => new RerankCompressor({ scorer, maxChunksPerDoc: 0 }))).toMatch(/^maxChunksPerDoc: /);
    expect(message(() => new RerankCompressor({ scorer, longDocuments: "split" as never }))).toMatch(/^longDocuments: /);
    expect(message(() => new RerankCompressor({ scorer, onError: "keep-order", metadataKey: "s" }))).toBe("no error");
  });

  it("exposes its settings with their defaults", () => {
    const scorer = new FakeScorer();
    expect(new RerankCompressor({ scorer })).toMatchObject({ topN: 3, scoreThreshold: undefined, metadataKey: "relevanceScore", longDocuments: "truncate", onError: "throw" });
    expect(new RerankCompressor({ scorer, topN: 0, scoreThreshold: 1, metadataKey: "s", onError: "keep-order" })).toMatchObject({
      topN: 0,
      scoreThreshold: 1,
      metadataKey: "s",
      onError: "keep-order",
    });
  });
});

describe("chunk-max budgets", () => {
  it("refuses a query that leaves no room for the document, naming the model limit", async () => {
    // maxLength 6 with a 3-word query leaves 6 - 3 - 3 = 0 document tokens.
    const compressor = new RerankCompressor({ scorer: new FakeTokenizingScorer(6), longDocuments: "chunk-max" });
    await expect(compressor.rerank(["a b c"], "one two three")).rejects.toMatchObject({
      field: "query",
      message: "The query leaves no room for document tokens (model limit 6)",
    });
    // one token of room is enough
    await expect(new RerankCompressor({ scorer: new FakeTokenizingScorer(6), longDocuments: "chunk-max" }).rerank(["a b c"], "one two")).resolves.toHaveLength(1);
  });

  it("cuts windows to maxTokensPerDoc and caps the overlap at half a window", async () => {
    // budget 20 - 1 - 3 = 16, lowered to 4 by maxTokensPerDoc; overlap 32 is capped at 2: windows step by 2.
    const scorer = new FakeTokenizingScorer(20);
    const { events, handler } = collect();
    const text = "w0 w1 w2 w3 w4 w5 w6 w7";
    const compressor = new RerankCompressor({ scorer, longDocuments: "chunk-max", scoreOptions: { maxTokensPerDoc: 4 } });
    await compressor.compressDocuments([new Document({ pageContent: text })], "solar", [handler]);
    expect(scorer.calls[0]?.documents).toEqual(["w0 w1 w2 w3", "w2 w3 w4 w5", "w4 w5 w6 w7"]);
    expect(events[0]?.data).toMatchObject({ scoredTexts: 3, truncated: 0 });
  });

  it("scores each document as its best window, also when the best window comes first", async () => {
    const scorer = new FakeTokenizingScorer(9); // 1-word query: budget 5
    const text = "cats x1 x2 x3 x4 x5 x6 x7 x8 x9";
    const [r] = await new RerankCompressor({ scorer, longDocuments: "chunk-max", overlapTokens: 0 }).rerank([text], "cats");
    expect(r?.relevanceScore).toBe(lexicalScore("cats", "cats x1 x2 x3 x4"));
  });
});

describe("RerankKitEmbeddings details", () => {
  class ImageEmbedder extends FakeEmbedder {
    readonly imageCalls: unknown[][] = [];
    async embedImages(images: unknown[]): Promise<Float32Array[]> {
      this.imageCalls.push(images);
      return images.map((_, i) => Float32Array.of(i, 1));
    }
  }

  it("embeds images in batches of batchSize, in order, as number arrays", async () => {
    const embedder = new ImageEmbedder();
    const images = ["a.png", "b.png", "c.png"];
    const out = await new RerankKitEmbeddings({ embedder, batchSize: 2 }).embedImages(images);
    expect(embedder.imageCalls).toEqual([["a.png", "b.png"], ["c.png"]]);
    expect(out).toEqual([[0, 1], [1, 1], [0, 1]]);
    expect(out.every((v) => Array.isArray(v))).toBe(true);
    expect(await new RerankKitEmbeddings({ embedder }).embedImages([])).toEqual([]);
    expect(embedder.imageCalls).toHaveLength(2);
  });

  it("refuses images without an image embedder, a non-array, and a wrong vector count", async () => {
    await expect(new RerankKitEmbeddings({ embedder: new FakeEmbedder() }).embedImages(["a.png"])).rejects.toMatchObject({
      field: "embedder",
      message: "RerankKitEmbeddings.embedImages needs an embedder that embeds images (a CLIP or SigLIP model)",
    });
    const embedder = new ImageEmbedder();
    await expect(new RerankKitEmbeddings({ embedder }).embedImages("a.png" as never)).rejects.toMatchObject({ field: "images", message: "images must be an array" });
    embedder.embedImages = async () => [];
    await expect(new RerankKitEmbeddings({ embedder }).embedImages(["a.png"])).rejects.toMatchObject({ message: "The embedder returned 0 vectors for 1 images" });
  });

  it("names bad input precisely", async () => {
    const embeddings = new RerankKitEmbeddings({ embedder: new FakeEmbedder() });
    await expect(embeddings.embedDocuments("abc" as never)).rejects.toMatchObject({ field: "documents", message: "documents must be an array of strings" });
    await expect(embeddings.embedDocuments(["a", 3 as never])).rejects.toMatchObject({ message: "documents[1] must be a string, got number" });
    await expect(embeddings.embedQuery(7 as never)).rejects.toMatchObject({ field: "query[0]" });
    expect(() => new RerankKitEmbeddings({ embedder: {} as never })).toThrow("RerankKitEmbeddings needs an embedder (a bi-encoder scorer or a RemoteEmbedder)");
    expect(() => new RerankKitEmbeddings({ embedder: new FakeEmbedder(), batchSize: 1.5 })).toThrow("batchSize must be a positive integer, got 1.5");
    const wrong = new FakeEmbedder();
    wrong.embed = async () => [];
    await expect(new RerankKitEmbeddings({ embedder: wrong }).embedQuery("q")).rejects.toMatchObject({ field: "embedder", message: "The embedder returned 0 vectors for 1 texts" });
  });

  it("returns the query's vector as a number array, and batches exactly at batchSize", async () => {
    const embedder = new FakeEmbedder();
    const embeddings = new RerankKitEmbeddings({ embedder, batchSize: 2 });
    expect(await embeddings.embedQuery("cats purr")).toEqual(Array.from(hashVector("cats purr")));
    await embeddings.embedDocuments(["a", "b"]);
    expect(embedder.calls.map((c) => c.texts)).toEqual([["cats purr"], ["a", "b"]]);
    expect(embeddings.batchSize).toBe(2);
    expect(new RerankKitEmbeddings({ embedder }).batchSize).toBe(64);
  });
});

describe("RerankKitSparseEmbeddings over a recording embedder", () => {
  /** Returns, for each text, one entry per word: id = word length, weight = position + 1. */
  class FakeSparse {
    readonly calls: Array<{ texts: string[]; options: SparseEmbedOptions | undefined }> = [];
    async embedSparse(texts: string[], options?: SparseEmbedOptions): Promise<SparseVector[]> {
      this.calls.push({ texts: [...texts], options });
      return texts.map((t, i) => ({ indices: Uint32Array.of(t.length, t.length + 1), values: Float32Array.of(i + 1, 0.5) }) as unknown as SparseVector);
    }
  }

  it("embeds documents in batches as documents and queries as queries, with the pruning options", async () => {
    const embedder = new FakeSparse();
    const sparse = new RerankKitSparseEmbeddings({ embedder, batchSize: 2, topK: 5, threshold: 0.1 });
    const out = await sparse.embedDocuments(["aa", "bbb", "c"]);
    const q = await sparse.embedQuery("dddd");
    expect(embedder.calls).toEqual([
      { texts: ["aa", "bbb"], options: { topK: 5, threshold: 0.1, kind: "document" } },
      { texts: ["c"], options: { topK: 5, threshold: 0.1, kind: "document" } },
      { texts: ["dddd"], options: { topK: 5, threshold: 0.1, kind: "query" } },
    ]);
    expect(out).toEqual([
      { indices: [2, 3], values: [1, 0.5] },
      { indices: [3, 4], values: [2, 0.5] },
      { indices: [1, 2], values: [1, 0.5] },
    ]);
    expect(Array.isArray(out[0]?.indices) && Array.isArray(out[0]?.values)).toBe(true);
    expect(q).toEqual({ indices: [4, 5], values: [1, 0.5] });
  });

  it("sends no pruning it was not given, defaults to batches of 64, and refuses bad input", async () => {
    const embedder = new FakeSparse();
    const sparse = new RerankKitSparseEmbeddings({ embedder });
    expect(sparse.batchSize).toBe(64);
    await sparse.embedDocuments(Array.from({ length: 65 }, (_, i) => `t${i}`));
    expect(embedder.calls.map((c) => c.texts.length)).toEqual([64, 1]);
    expect(embedder.calls[0]?.options).toEqual({ kind: "document" });
    expect(await sparse.embedDocuments([])).toEqual([]);
    await expect(sparse.embedDocuments("x" as never)).rejects.toMatchObject({ field: "documents", message: "documents must be an array of strings" });
    expect(() => new RerankKitSparseEmbeddings({ embedder: {} as never })).toThrow(
      "RerankKitSparseEmbeddings needs a sparse embedder (a SPLADE or bge-m3 scorer, or a RemoteSparseEmbedder)",
    );
    expect(() => new RerankKitSparseEmbeddings({ embedder, batchSize: 0 })).toThrow("batchSize must be a positive integer, got 0");
    expect(() => new RerankKitSparseEmbeddings({ embedder, batchSize: 2.5 })).toThrow(/batchSize/);
    embedder.embedSparse = async () => [];
    await expect(sparse.embedQuery("q")).rejects.toMatchObject({ field: "embedder", message: "The sparse embedder returned 0 vectors for 1 texts" });
  });

  it("keeps at most maxConcurrency batches in flight (default 2) and does not retry by default", async () => {
    for (const [maxConcurrency, expected] of [[undefined, 2], [3, 3]] as const) {
      let inFlight = 0;
      let peak = 0;
      const embedder = new FakeSparse();
      const inner = embedder.embedSparse.bind(embedder);
      embedder.embedSparse = async (texts, options) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
        return inner(texts, options);
      };
      const params = maxConcurrency === undefined ? { embedder, batchSize: 1 } : { embedder, batchSize: 1, maxConcurrency };
      await new RerankKitSparseEmbeddings(params).embedDocuments(["a", "b", "c", "d", "e"]);
      expect(peak).toBe(expected);
    }
    let calls = 0;
    const failing = { embedSparse: async () => (calls++, Promise.reject(new Error("model error"))) };
    await expect(new RerankKitSparseEmbeddings({ embedder: failing }).embedQuery("q")).rejects.toThrow("model error");
    expect(calls).toBe(1);
  });
});

describe("what the LangChain adapters hand on, exactly", () => {
  it("accepts the documented default values when given explicitly", async () => {
    const scorer = new FakeScorer();
    const compressor = new RerankCompressor({ scorer, topN: 0, onError: "throw", longDocuments: "truncate" });
    expect(compressor).toMatchObject({ onError: "throw", longDocuments: "truncate" });
    expect((await compressor.rerank(TEXTS, QUERY)).map((r) => r.index)).toEqual(order());
  });

  it("refuses missing fields with the typed error, not a TypeError", () => {
    expect(() => new RerankCompressor(undefined as never)).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "scorer" }));
    expect(() => new RerankKitEmbeddings(undefined as never)).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "embedder" }));
    expect(() => new RerankKitSparseEmbeddings(undefined as never)).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "embedder" }));
    expect(() => new RerankKitSparseEmbeddings({} as never)).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "embedder" }));
  });

  it("sends the embedders no dimensions / normalize / topK / threshold key it was not given", async () => {
    const embedder = new FakeEmbedder();
    await new RerankKitEmbeddings({ embedder }).embedDocuments(["d"]);
    await new RerankKitEmbeddings({ embedder }).embedQuery("q");
    expect(embedder.calls.map((c) => Object.keys(c.options ?? {}))).toEqual([["kind"], ["kind"]]);
    const calls: Array<SparseEmbedOptions | undefined> = [];
    const sparse = {
      embedSparse: async (texts: string[], options?: SparseEmbedOptions) => (
        calls.push(options), texts.map(() => ({ indices: Uint32Array.of(1), values: Float32Array.of(1) }) as unknown as SparseVector)
      ),
    };
    await new RerankKitSparseEmbeddings({ embedder: sparse }).embedDocuments(["d"]);
    await new RerankKitSparseEmbeddings({ embedder: sparse }).embedQuery("q");
    expect(calls.map((o) => Object.keys(o ?? {}))).toEqual([["kind"], ["kind"]]);
  });

  it("names a non-array answer from an embedder instead of failing on it", async () => {
    const broken = new FakeEmbedder();
    broken.embed = async () => undefined as never;
    await expect(new RerankKitEmbeddings({ embedder: broken }).embedDocuments(["a"])).rejects.toMatchObject({
      name: "InvalidInputError",
      field: "embedder",
      message: "The embedder returned undefined vectors for 1 texts",
    });
    const images = Object.assign(new FakeEmbedder(), { embedImages: async () => undefined as never });
    await expect(new RerankKitEmbeddings({ embedder: images }).embedImages(["a.png"])).rejects.toMatchObject({
      name: "InvalidInputError",
      field: "embedder",
      message: "The embedder returned undefined vectors for 1 images",
    });
    const sparse = { embedSparse: async () => undefined as never };
    await expect(new RerankKitSparseEmbeddings({ embedder: sparse }).embedDocuments(["a"])).rejects.toMatchObject({
      name: "InvalidInputError",
      message: "The sparse embedder returned undefined vectors for 1 texts",
    });
  });

  it("hands the callback handlers the parent run's id, or a fresh run id without one", async () => {
    const runIds: unknown[] = [];
    const handler = { handleCustomEvent: (_: string, __: RerankEvent, runId: unknown) => void runIds.push(runId), awaitHandlers: true };
    const compressor = new RerankCompressor({ scorer: new FakeScorer() });
    await compressor.compressDocuments(docs(), QUERY, [handler]);
    const parent = new CallbackManager("3f1c6a2e-1111-4222-8333-444455556666");
    parent.addHandler(handler as never);
    await compressor.compressDocuments(docs(), QUERY, parent);
    expect(runIds[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(runIds[1]).toBe("3f1c6a2e-1111-4222-8333-444455556666");
  });

  it("treats null callbacks as none", async () => {
    const out = await new RerankCompressor({ scorer: new FakeScorer(), topN: 1 }).compressDocuments(docs(), QUERY, null as never);
    expect(out.map((d) => d.id)).toEqual([`id-${order()[0]}`]);
  });

  it("names batchSize when it refuses one", () => {
    expect(() => new RerankKitEmbeddings({ embedder: new FakeEmbedder(), batchSize: 0 })).toThrow(expect.objectContaining({ field: "batchSize" }));
    const sparse = { embedSparse: async () => [] };
    expect(() => new RerankKitSparseEmbeddings({ embedder: sparse, batchSize: 0 })).toThrow(expect.objectContaining({ field: "batchSize" }));
  });

  it("chunk-max applies topN and scoreThreshold to the documents' best windows", async () => {
    const scorer = new FakeTokenizingScorer(64);
    const top = await new RerankCompressor({ scorer, topN: 1, longDocuments: "chunk-max" }).rerank(TEXTS, QUERY);
    expect(top).toEqual([{ index: order()[0], relevanceScore: lexicalScore(QUERY, TEXTS[order()[0] as number] as string) }]);
    const kept = await new RerankCompressor({ scorer, topN: 0, scoreThreshold: 2, longDocuments: "chunk-max" }).rerank(TEXTS, QUERY);
    const expected = order().filter((i) => lexicalScore(QUERY, TEXTS[i] as string) >= 2);
    expect(kept.map((r) => r.index)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(TEXTS.length);
  });
});
