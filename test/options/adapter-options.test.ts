import { Document } from "@langchain/core/documents";
import { MetadataMode, TextNode, type NodeWithScore } from "@llamaindex/core/schema";
import { describe, expect, it } from "vitest";
import { EMBED_PROVIDER_RULES, RERANK_PROVIDER_RULES } from "../../adapters/ai-sdk/provider-options.js";
import { createRerankKit, RerankKitEmbeddingModel, RerankKitRerankingModel } from "../../adapters/ai-sdk/index.js";
import { RerankCompressor } from "../../adapters/langchain/index.js";
import { EMBEDDING_RULES } from "../../adapters/llamaindex/embedding.js";
import { RerankKitEmbedding, RerankKitPostprocessor } from "../../adapters/llamaindex/index.js";
import { RerankKitRelevanceScorer } from "../../adapters/mastra/index.js";
import { InvalidOptionError } from "../../src/index.js";
import type { OptionRule, OptionSpec } from "../../src/internal.js";
import { SCORE_OPTION_RULES } from "../../src/options/call-options.js";
import type { EmbedOptions, EmbedResponse, RerankOptions, RerankResponse, ScoreInput, ScoreResponse, Scorer, Embedder } from "../../src/types.js";

/** A scorer and embedder that records the options of every call and answers plausibly. */
class Recorder implements Scorer, Embedder {
  readonly scoreType = "bi-encoder" as const;
  readonly model = "recorder";
  readonly options: Array<Record<string, unknown>> = [];
  async score(q: ScoreInput | ScoreInput[], d: ScoreInput | ScoreInput[], o?: object): Promise<number[]> {
    return (await this.scoreWithUsage(q, d, o)).scores;
  }
  async scoreWithUsage(_q: ScoreInput | ScoreInput[], d: ScoreInput | ScoreInput[], o: object = {}): Promise<ScoreResponse> {
    this.options.push({ ...o });
    const n = Array.isArray(d) ? d.length : 1;
    return { scores: Array.from({ length: n }, (_, i) => 1 - i / 10), usage: { promptTokens: 0, totalTokens: 0 } };
  }
  async rerank(q: ScoreInput, d: ScoreInput[], o?: RerankOptions) {
    return (await this.rerankWithUsage(q, d, o)).results;
  }
  async rerankWithUsage(_q: ScoreInput, d: ScoreInput[], o: RerankOptions = {}): Promise<RerankResponse> {
    this.options.push({ ...o });
    return { results: d.map((document, index) => ({ index, score: 1 - index / 10, document })), usage: { promptTokens: 0, totalTokens: 0 } };
  }
  async embed(texts: string[], o?: EmbedOptions) {
    return (await this.embedWithUsage(texts, o)).embeddings;
  }
  async embedWithUsage(texts: string[], o: EmbedOptions = {}): Promise<EmbedResponse> {
    this.options.push({ ...o });
    return { embeddings: texts.map(() => Float32Array.of(1, 0)), usage: { promptTokens: 0, totalTokens: 0 } };
  }
  async close(): Promise<void> {}
}

/** Every value worth sending for a rule: each enum value and both booleans, so a dropped option cannot pass by matching a default. */
function samples(rule: OptionRule): unknown[] {
  switch (rule.kind) {
    case "enum":
      return [...rule.values];
    case "boolean":
      return [true, false];
    case "integer":
      return [Math.max(rule.min ?? 0, 0) + 3];
    case "number":
      return [0.25];
    case "string":
      return ["sample text"];
    case "object":
      return [{ sample: 1 }];
    case "signal":
      return [new AbortController().signal];
    default:
      throw new Error(`no sample for rule ${rule.kind}`);
  }
}

const without = (spec: OptionSpec, ...names: string[]): OptionSpec => Object.fromEntries(Object.entries(spec).filter(([n]) => !names.includes(n)));

interface Bag {
  /** Which adapter option carries the options. */
  name: string;
  /** The options that option documents (its type's rule table). */
  spec: OptionSpec;
  /** Builds the adapter with `options` in place and makes one call; the recorder sees what reached the model. */
  run(recorder: Recorder, options: Record<string, unknown>): Promise<unknown>;
}

const docs = ["alpha", "beta", "gamma"];
const nodes = (): NodeWithScore[] => docs.map((text) => ({ node: new TextNode({ text }), score: 0 }));
const rerankDocs = { documents: { type: "text" as const, values: docs }, query: "q", topN: 3 };

const bags: Bag[] = [
  {
    name: "langchain RerankCompressor scoreOptions",
    spec: without(SCORE_OPTION_RULES, "signal", "onProgress", "topN", "scoreThreshold"),
    run: (r, o) => new RerankCompressor({ scorer: r, topN: 0, scoreOptions: o }).compressDocuments(docs.map((pageContent) => new Document({ pageContent })), "q"),
  },
  {
    name: "llamaindex RerankKitPostprocessor scoreOptions",
    spec: without(SCORE_OPTION_RULES, "topN", "scoreThreshold", "onProgress"),
    run: (r, o) => new RerankKitPostprocessor({ scorer: r, topN: 0, metadataMode: MetadataMode.NONE, scoreOptions: o }).postprocessNodes(nodes(), "q"),
  },
  {
    name: "llamaindex RerankKitEmbedding options",
    spec: without(EMBEDDING_RULES, "embedder", "worker", "loadOptions", "embedBatchSize"),
    run: (r, o) => new RerankKitEmbedding({ embedder: r, ...o }).getTextEmbeddings(docs),
  },
  {
    name: "mastra RerankKitRelevanceScorer scoreOptions",
    spec: without(SCORE_OPTION_RULES, "onProgress", "topN", "scoreThreshold"),
    run: (r, o) => new RerankKitRelevanceScorer({ scorer: r, scoreOptions: o }).getRelevanceScore("q", "alpha"),
  },
  {
    name: "ai-sdk reranking model scoreOptions",
    spec: without(RERANK_PROVIDER_RULES, "documentField"),
    run: (r, o) => new RerankKitRerankingModel({ scorer: r, scoreOptions: o }).doRerank(rerankDocs),
  },
  {
    name: "ai-sdk reranking call providerOptions.rerankKit",
    spec: without(RERANK_PROVIDER_RULES, "documentField"),
    run: (r, o) => new RerankKitRerankingModel({ scorer: r }).doRerank({ ...rerankDocs, providerOptions: { rerankKit: o as never } }),
  },
  {
    name: "ai-sdk embedding model embedOptions",
    spec: EMBED_PROVIDER_RULES,
    run: (r, o) => new RerankKitEmbeddingModel({ embedder: r, embedOptions: o }).doEmbed({ values: docs }),
  },
  {
    name: "ai-sdk embedding call providerOptions.rerankKit",
    spec: EMBED_PROVIDER_RULES,
    run: (r, o) => new RerankKitEmbeddingModel({ embedder: r }).doEmbed({ values: docs, providerOptions: { rerankKit: o as never } }),
  },
];

// One case per (adapter option bag, documented option, sample value), generated from the rule tables.
const cases = bags.flatMap((bag) =>
  Object.entries(bag.spec).flatMap(([option, rule]) => samples(rule).map((value) => ({ bag, option, value, label: `${bag.name}: ${option} = ${String(value)}` }))),
);

describe("every option an adapter documents reaches the model", () => {
  it("covers every documented option of every bag", () => {
    for (const bag of bags) expect(Object.keys(bag.spec).length, bag.name).toBeGreaterThan(0);
    expect(cases.map((c) => `${c.bag.name}: ${c.option}`)).toEqual(
      expect.arrayContaining(["ai-sdk embedding model embedOptions: kind", "llamaindex RerankKitEmbedding options: dimensions"]),
    );
  });

  it.each(cases)("$label", async ({ bag, option, value }) => {
    const recorder = new Recorder();
    await bag.run(recorder, { [option]: value });
    expect(recorder.options.length).toBeGreaterThan(0);
    for (const seen of recorder.options) {
      if (value instanceof AbortSignal) expect(seen[option], "a signal reaches the model").toBeInstanceOf(AbortSignal);
      else expect(seen[option]).toEqual(value);
    }
  });
});

describe("adapters refuse misspelled options with a near-miss hint", () => {
  const scorer = new Recorder();
  it.each([
    ["RerankCompressor", "top_n", "topN", () => new RerankCompressor({ scorer, top_n: 3 } as never)],
    ["RerankKitPostprocessor", "top_n", "topN", () => new RerankKitPostprocessor({ scorer, top_n: 3 } as never)],
    ["RerankKitEmbedding", "dimension", "dimensions", () => new RerankKitEmbedding({ embedder: scorer, dimension: 8 } as never)],
    ["RerankKitRelevanceScorer", "maxWaitMS", "maxWaitMs", () => new RerankKitRelevanceScorer({ scorer, maxWaitMS: 5 } as never)],
    ["RerankKitRerankingModel", "scoreoptions", "scoreOptions", () => new RerankKitRerankingModel({ scorer, scoreoptions: {} } as never)],
    ["createRerankKit", "baseUrl", "baseURL", () => createRerankKit({ baseUrl: "http://127.0.0.1:1" } as never)],
  ] as const)("%s refuses `%s` and names `%s`", (where, option, suggestion, make) => {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
    expect((error as InvalidOptionError).suggestions[0]).toBe(suggestion);
    expect((error as Error).message).toContain(where);
  });

  it("RerankCompressor.rerank refuses a misspelled call option", async () => {
    await expect(new RerankCompressor({ scorer }).rerank(["a"], "q", { top_n: 1 } as never)).rejects.toMatchObject({ name: "InvalidOptionError", suggestions: ["topN"] });
  });

  it("RerankCompressor.fromModel refuses a misspelled field before loading anything", async () => {
    await expect(RerankCompressor.fromModel("/nonexistent/model", { top_n: 3 } as never)).rejects.toMatchObject({ name: "InvalidOptionError", option: "top_n" });
  });
});
