import { describe, expect, it } from "vitest";
import { Embeddings } from "@langchain/core/embeddings";
import { InvalidInputError, ModelLoadError } from "../../src/index.js";
import { RerankKitEmbeddings } from "../../adapters/langchain/index.js";
import { FakeEmbedder, hashVector } from "./helpers/fake-scorer.js";

const TEXTS = Array.from({ length: 10 }, (_, i) => `text number ${i} about ${i % 2 ? "cats" : "dogs"}`);

describe("RerankKitEmbeddings", () => {
  it("is a LangChain Embeddings and returns number[] vectors in input order", async () => {
    const embeddings = new RerankKitEmbeddings({ embedder: new FakeEmbedder() });
    expect(embeddings).toBeInstanceOf(Embeddings);
    const vectors = await embeddings.embedDocuments(TEXTS);
    expect(vectors).toHaveLength(TEXTS.length);
    vectors.forEach((v, i) => {
      expect(Array.isArray(v)).toBe(true);
      expect(v).toEqual(Array.from(hashVector(TEXTS[i] as string)));
    });
  });

  it("embeds queries with kind 'query' and documents with kind 'document'", async () => {
    const embedder = new FakeEmbedder();
    const embeddings = new RerankKitEmbeddings({ embedder, dimensions: 8, normalize: false });
    await embeddings.embedQuery("q");
    await embeddings.embedDocuments(["d"]);
    expect(embedder.calls.map((c) => c.options)).toEqual([
      { kind: "query", dimensions: 8, normalize: false },
      { kind: "document", dimensions: 8, normalize: false },
    ]);
    const plain = new FakeEmbedder();
    await new RerankKitEmbeddings({ embedder: plain }).embedDocuments(["d"]);
    expect(plain.calls[0]?.options).toEqual({ kind: "document" }); // no dimensions/normalize unless asked
  });

  it("splits documents into batches of batchSize (default 64)", async () => {
    const embedder = new FakeEmbedder();
    await new RerankKitEmbeddings({ embedder, batchSize: 4 }).embedDocuments(TEXTS);
    expect(embedder.calls.map((c) => c.texts.length)).toEqual([4, 4, 2]);
    const many = Array.from({ length: 130 }, (_, i) => `t${i}`);
    const e2 = new FakeEmbedder();
    const out = await new RerankKitEmbeddings({ embedder: e2 }).embedDocuments(many);
    expect(e2.calls.map((c) => c.texts.length)).toEqual([64, 64, 2]);
    expect(out[129]).toEqual(Array.from(hashVector("t129")));
  });

  it("keeps at most maxConcurrency batches in flight (default 2)", async () => {
    for (const [maxConcurrency, expected] of [[undefined, 2], [3, 3], [1, 1]] as const) {
      let inFlight = 0;
      let peak = 0;
      const embedder = new FakeEmbedder();
      const embed = embedder.embed.bind(embedder);
      embedder.embed = async (texts, options) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight--;
        return embed(texts, options);
      };
      const params = maxConcurrency === undefined ? { embedder, batchSize: 1 } : { embedder, batchSize: 1, maxConcurrency };
      await new RerankKitEmbeddings(params).embedDocuments(TEXTS);
      expect(peak).toBe(expected);
    }
  });

  it("does not retry a failing embedder by default", async () => {
    const embedder = new FakeEmbedder();
    embedder.failWith = new ModelLoadError("model file missing", { path: "/nowhere" });
    await expect(new RerankKitEmbeddings({ embedder }).embedQuery("q")).rejects.toBeInstanceOf(ModelLoadError);
    expect(embedder.calls).toHaveLength(1);
  });

  it("returns [] for no documents without calling the embedder, and rejects non-strings", async () => {
    const embedder = new FakeEmbedder();
    const embeddings = new RerankKitEmbeddings({ embedder });
    expect(await embeddings.embedDocuments([])).toEqual([]);
    await expect(embeddings.embedDocuments(["a", 3 as never])).rejects.toMatchObject({ field: "documents[1]" });
    await expect(embeddings.embedQuery(undefined as never)).rejects.toBeInstanceOf(InvalidInputError);
    expect(embedder.calls).toHaveLength(0);
    expect(() => new RerankKitEmbeddings({ embedder: {} as never })).toThrow(InvalidInputError);
    expect(() => new RerankKitEmbeddings({ embedder, batchSize: 0 })).toThrow(/batchSize/);
  });

  it("fails loudly when the embedder returns the wrong number of vectors", async () => {
    const embedder = new FakeEmbedder();
    embedder.embed = async () => [];
    await expect(new RerankKitEmbeddings({ embedder }).embedDocuments(["a"])).rejects.toThrow(/0 vectors for 1 texts/);
  });
});
