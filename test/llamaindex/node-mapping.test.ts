/**
 * The LlamaIndex adapters in detail, over recording fakes: how nodes map to scored texts and back
 * (order, topN around nodes without text, metadata mode), the query's text, what reaches the
 * embedder, and the typed errors. In-process and model-free, so StrykerJS runs them for the
 * `adapters` scopes (vitest.mutate.config.ts).
 */
import { ImageNode, MetadataMode, TextNode, type NodeWithScore } from "@llamaindex/core/schema";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/index.js";
import type { EmbedOptions, ImageInput } from "../../src/index.js";
import { RerankKitEmbedding, RerankKitMultiModalEmbedding, RerankKitPostprocessor } from "../../adapters/llamaindex/index.js";
import { queryText } from "../../adapters/llamaindex/query-text.js";
import { FakeEmbedder, FakeScorer, hashVector, lexicalScore } from "../langchain/helpers/fake-scorer.js";

const QUERY = "solar panels turn light into power";
const TEXTS = ["Bread needs yeast to rise.", "Solar panels turn light into power.", "Light travels fast.", "Solar power is cheap."];
const nodes = (texts = TEXTS): NodeWithScore[] => texts.map((text, i) => ({ node: new TextNode({ id_: `n${i}`, text, metadata: { source: `s${i}` } }), score: 0.5 }));
const idsAndScores = (ranked: NodeWithScore[]) => ranked.map((n) => [n.node.id_, n.score]);
const order = (texts = TEXTS) => texts.map((t, i) => ({ i, s: lexicalScore(QUERY, t) })).sort((a, b) => b.s - a.s || a.i - b.i).map((e) => e.i);

describe("RerankKitPostprocessor mapping", () => {
  it("maps ranked indices back to the right nodes when nodes without text sit between them", async () => {
    const scorer = new FakeScorer();
    const mixed = [{ node: new TextNode({ id_: "blank", text: "" }) }, ...nodes().slice(0, 2), { node: new ImageNode({ id_: "img", image: "x.png" }) }, ...nodes().slice(2)];
    const out = await new RerankKitPostprocessor({ scorer, topN: 0 }).postprocessNodes(mixed, QUERY);
    expect(out.map((n) => n.node.id_)).toEqual([...order().map((i) => `n${i}`), "blank", "img"]);
    expect(out.slice(0, TEXTS.length).map((n) => n.score)).toEqual(order().map((i) => lexicalScore(QUERY, TEXTS[i] as string)));
  });

  it("lets topN cut the nodes without text too", async () => {
    const withBlank = [...nodes().slice(0, 2), { node: new TextNode({ id_: "blank", text: " " }) }];
    const out = await new RerankKitPostprocessor({ scorer: new FakeScorer(), topN: 2 }).postprocessNodes(withBlank, QUERY);
    expect(out.map((n) => n.node.id_)).toEqual(order(TEXTS.slice(0, 2)).map((i) => `n${i}`));
    const three = await new RerankKitPostprocessor({ scorer: new FakeScorer(), topN: 3 }).postprocessNodes(withBlank, QUERY);
    expect(three.map((n) => n.node.id_).at(-1)).toBe("blank");
  });

  it("answers nodes that all lack text without calling the scorer", async () => {
    const scorer = new FakeScorer();
    const out = await new RerankKitPostprocessor({ scorer }).postprocessNodes([{ node: new TextNode({ id_: "e", text: "" }) }], QUERY);
    expect(out).toEqual([{ node: expect.objectContaining({ id_: "e" }), score: undefined }]);
    expect(scorer.calls).toHaveLength(0);
    const dropped = await new RerankKitPostprocessor({ scorer, nodesWithoutText: "drop" }).postprocessNodes([{ node: new TextNode({ text: "" }) }], QUERY);
    expect(dropped).toEqual([]);
  });

  it("scores the text in the chosen metadata mode, and sends topN and scoreThreshold with the scoring options", async () => {
    const scorer = new FakeScorer();
    await new RerankKitPostprocessor({ scorer, metadataMode: MetadataMode.ALL, topN: 2, scoreThreshold: -5 }).postprocessNodes(nodes(), QUERY);
    expect(scorer.calls[0]?.documents).toEqual(nodes().map((n) => n.node.getContent(MetadataMode.ALL)));
    expect((scorer.calls[0]?.documents as string[])[0]).toContain("s0");
    await new RerankKitPostprocessor({ scorer }).postprocessNodes(nodes(), QUERY);
    expect(scorer.calls[1]?.documents).toEqual(TEXTS);
  });

  it("keeps nodes at or above scoreThreshold", async () => {
    const threshold = lexicalScore(QUERY, TEXTS[3] as string);
    const out = await new RerankKitPostprocessor({ scorer: new FakeScorer(), topN: 0, scoreThreshold: threshold }).postprocessNodes(nodes(), QUERY);
    expect(out.map((n) => n.node.id_).sort()).toEqual(TEXTS.map((t, i) => [t, i] as const).filter(([t]) => lexicalScore(QUERY, t) >= threshold).map(([, i]) => `n${i}`).sort());
  });

  it("exposes its settings with their defaults, and refuses bad nodes and options by name", async () => {
    const scorer = new FakeScorer();
    expect(new RerankKitPostprocessor({ scorer })).toMatchObject({ topN: 3, scoreThreshold: undefined, metadataMode: MetadataMode.NONE, nodesWithoutText: "last" });
    await expect(new RerankKitPostprocessor({ scorer }).postprocessNodes("x" as never, QUERY)).rejects.toMatchObject({ field: "nodes", message: "nodes must be an array" });
    expect(() => new RerankKitPostprocessor({ scorer: { score: () => [] } as never })).toThrow("RerankKitPostprocessor needs a scorer or a model id / folder");
    expect(() => new RerankKitPostprocessor({ scorer, nodesWithoutText: "first" as never })).toThrow(InvalidInputError);
    expect(() => new RerankKitPostprocessor({ scorer, topN: -2 })).toThrow("RerankKitPostprocessor: option `topN` must be an integer >= 0 (0 = all), got -2");
  });
});

describe("queryText", () => {
  it("joins the text parts with blank lines and skips the rest", () => {
    expect(queryText("plain")).toBe("plain");
    expect(queryText({ type: "text", text: "one" })).toBe("one");
    expect(queryText([{ type: "text", text: "a" }, { type: "image_url", image_url: { url: "u" } }, { type: "text", text: "" }, { type: "text", text: "b" }])).toBe("a\n\nb");
  });

  it("refuses a query with no text", () => {
    for (const q of [undefined, "", [], [{ type: "image_url", image_url: { url: "u" } }]]) {
      expect(() => queryText(q as never)).toThrow("The query has no text to rerank against");
    }
  });
});

describe("RerankKitEmbedding mapping", () => {
  it("sends dimensions and normalize only when set, with the kind of each call", async () => {
    const embedder = new FakeEmbedder();
    await new RerankKitEmbedding({ embedder, dimensions: 8, normalize: false }).getTextEmbedding("a");
    await new RerankKitEmbedding({ embedder }).getQueryEmbedding({ type: "text", text: "q" });
    expect(embedder.calls.map((c) => c.options)).toEqual([{ dimensions: 8, normalize: false, kind: "document" }, { kind: "query" }]);
  });

  it("returns number arrays, one per text in order, and [] for no texts without a call", async () => {
    const embedder = new FakeEmbedder();
    const embedding = new RerankKitEmbedding({ embedder });
    const out = await embedding.getTextEmbeddings(["a b", "c"]);
    expect(out).toEqual([Array.from(hashVector("a b")), Array.from(hashVector("c"))]);
    expect(out.every((v) => Array.isArray(v))).toBe(true);
    expect(await embedding.getTextEmbeddings([])).toEqual([]);
    expect(embedder.calls).toHaveLength(1);
    expect(embedding.embedBatchSize).toBe(64);
  });

  it("refuses non-string texts, a missing embedder and a bad batch size", async () => {
    const embedding = new RerankKitEmbedding({ embedder: new FakeEmbedder() });
    await expect(embedding.getTextEmbeddings(["a", 1 as never])).rejects.toMatchObject({ field: "texts", message: "texts must be an array of strings" });
    await expect(embedding.getTextEmbeddings("a" as never)).rejects.toMatchObject({ field: "texts" });
    expect(() => new RerankKitEmbedding({ embedder: {} as never })).toThrow("RerankKitEmbedding needs an embedder or a model id / folder");
    expect(() => new RerankKitEmbedding({ embedder: new FakeEmbedder(), embedBatchSize: 0 })).toThrow(InvalidInputError);
  });
});

describe("RerankKitMultiModalEmbedding over a recording image-text embedder", () => {
  class FakeImageText extends FakeEmbedder {
    readonly imageCalls: ImageInput[][] = [];
    readonly textOptions: Array<EmbedOptions | undefined> = [];
    async embedImages(images: ImageInput[]): Promise<Float32Array[]> {
      this.imageCalls.push(images);
      return images.map((_, i) => Float32Array.of(i, 2));
    }
  }

  it("embeds texts in one call and images (path, URL, Blob) in one call, in order", async () => {
    const embedder = new FakeImageText();
    const model = new RerankKitMultiModalEmbedding({ embedder });
    expect(model.embedBatchSize).toBe(16);
    expect(await model.getTextEmbeddings(["x y", "z"])).toEqual([Array.from(hashVector("x y")), Array.from(hashVector("z"))]);
    expect(await model.getTextEmbedding("z")).toEqual(Array.from(hashVector("z")));
    const url = new URL("file:///tmp/a.png");
    const out = await model.getImageEmbeddings(["p.png", url, new Blob([Uint8Array.of(1, 2, 3)])]);
    expect(out).toEqual([[0, 2], [1, 2], [2, 2]]);
    expect(embedder.imageCalls[0]?.slice(0, 2)).toEqual(["p.png", url]);
    expect(embedder.imageCalls[0]?.[2]).toEqual(Uint8Array.of(1, 2, 3));
    expect(await model.getImageEmbedding("q.png")).toEqual([0, 2]);
    expect(await model.getImageEmbeddings([])).toEqual([]);
    expect(await model.getTextEmbeddings([])).toEqual([]);
    expect(embedder.imageCalls).toHaveLength(2);
    expect(embedder.calls).toHaveLength(2);
  });

  it("refuses other images, non-string texts, bad batch sizes and text-only embedders", async () => {
    const embedder = new FakeImageText();
    const model = new RerankKitMultiModalEmbedding({ embedder, embedBatchSize: 4 });
    expect(model.embedBatchSize).toBe(4);
    await expect(model.getImageEmbeddings([42 as never])).rejects.toMatchObject({ field: "image", message: "an image must be a path, a URL or a Blob" });
    await expect(model.getTextEmbeddings([1 as never])).rejects.toMatchObject({ field: "texts", message: "texts must be an array of strings" });
    expect(() => new RerankKitMultiModalEmbedding({ embedder, embedBatchSize: 0 })).toThrow("embedBatchSize must be a positive integer, got 0");
    expect(() => new RerankKitMultiModalEmbedding({ embedder, embedBatchSize: 1.5 })).toThrow(/embedBatchSize/);
    expect(() => new RerankKitMultiModalEmbedding({ embedder: new FakeEmbedder() as never })).toThrow(
      "RerankKitMultiModalEmbedding needs an embedder of texts and images (a CLIP or SigLIP model)",
    );
    expect(() => new RerankKitMultiModalEmbedding({ embedder: { embedImages: async () => [] } as never })).toThrow(/texts and images/);
  });
});

describe("what the LlamaIndex adapters hand on, exactly", () => {
  it("refuses a missing options object with the typed error, not a TypeError", () => {
    expect(() => new RerankKitPostprocessor(undefined as never)).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "scorer" }));
    expect(() => new RerankKitEmbedding(undefined as never)).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "embedder" }));
    expect(() => new RerankKitMultiModalEmbedding(undefined as never)).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "embedder" }));
  });

  it("accepts nodesWithoutText \"last\" given explicitly, and an embedBatchSize of 1", async () => {
    const blank = { node: new TextNode({ id_: "blank", text: "" }) };
    const out = await new RerankKitPostprocessor({ scorer: new FakeScorer(), topN: 0, nodesWithoutText: "last" }).postprocessNodes([blank, ...nodes()], QUERY);
    expect(out.map((n) => n.node.id_)).toEqual([...order().map((i) => `n${i}`), "blank"]);
    expect(new RerankKitMultiModalEmbedding({ embedder: Object.assign(new FakeEmbedder(), { embedImages: async () => [] }), embedBatchSize: 1 }).embedBatchSize).toBe(1);
  });

  it("drops entries that hold no node when nodesWithoutText is \"drop\"", async () => {
    const broken = [null, {}, ...nodes()] as unknown as NodeWithScore[];
    const out = await new RerankKitPostprocessor({ scorer: new FakeScorer(), topN: 0, nodesWithoutText: "drop" }).postprocessNodes(broken, QUERY);
    expect(out.map((n) => n.node.id_)).toEqual(order().map((i) => `n${i}`));
  });

  it("refuses an entry holding no node by its index when nodesWithoutText is \"last\", before any model call", async () => {
    for (const [bad, label] of [[null, "null"], [{}, "{}"], [{ score: 0.4 }, "no node"]] as const) {
      const scorer = new FakeScorer();
      const broken = [...nodes().slice(0, 2), bad, ...nodes().slice(2)] as unknown as NodeWithScore[];
      const call = new RerankKitPostprocessor({ scorer, topN: 0 }).postprocessNodes(broken, QUERY);
      await expect(call, label).rejects.toMatchObject({ name: "InvalidInputError", field: "nodes[2]", message: "nodes[2] holds no node" });
      expect(scorer.calls, label).toHaveLength(0);
    }
  });

  it("sends the embedder no dimensions or normalize key it was not given", async () => {
    const embedder = new FakeEmbedder();
    const embedding = new RerankKitEmbedding({ embedder });
    await embedding.getTextEmbeddings(["a"]);
    await embedding.getQueryEmbedding({ type: "text", text: "q" });
    expect(embedder.calls.map((c) => Object.keys(c.options ?? {}))).toEqual([["kind"], ["kind"]]);
  });

  it("treats a node whose text is only whitespace as a node without text: never scored, last or dropped", async () => {
    // A chunk of spaces and newlines has nothing to rank on; scoring it would rank noise among the
    // real nodes (and spend a model slot), so it goes where the empty chunk goes. TextNode trims its
    // content itself, but a node class of one's own need not (BaseNode.getContent is abstract).
    class RawTextNode extends TextNode {
      override getContent(): string {
        return this.text;
      }
    }
    const blanks = [{ node: new TextNode({ id_: "ws", text: " \n\t " }) }, { node: new RawTextNode({ id_: "raw-ws", text: " \n\t " }) }];
    expect(blanks[1]?.node.getContent(MetadataMode.NONE)).toBe(" \n\t ");
    const scorer = new FakeScorer();
    const last = await new RerankKitPostprocessor({ scorer, topN: 0 }).postprocessNodes([...blanks, ...nodes()], QUERY);
    expect(scorer.calls.map((c) => c.documents)).toEqual([TEXTS]);
    expect(idsAndScores(last)).toEqual([...order().map((i) => [`n${i}`, lexicalScore(QUERY, TEXTS[i] as string)]), ["ws", undefined], ["raw-ws", undefined]]);
    const dropped = await new RerankKitPostprocessor({ scorer, topN: 0, nodesWithoutText: "drop" }).postprocessNodes([...nodes(), ...blanks], QUERY);
    expect(scorer.calls[1]?.documents).toEqual(TEXTS);
    expect(dropped.map((n) => n.node.id_)).toEqual(order().map((i) => `n${i}`));
  });

  it("names embedBatchSize in the field of its error, for a zero and a fractional size", () => {
    const embedder = Object.assign(new FakeEmbedder(), { embedImages: async () => [] });
    for (const embedBatchSize of [0, 2.5]) {
      expect(() => new RerankKitMultiModalEmbedding({ embedder, embedBatchSize })).toThrow(
        expect.objectContaining({ name: "InvalidInputError", field: "embedBatchSize", message: `embedBatchSize must be a positive integer, got ${embedBatchSize}` }),
      );
    }
  });

  it("skips empty parts of a multi-modal query", () => {
    expect(queryText([null, { type: "text", text: "only" }] as never)).toBe("only");
  });
});
