/**
 * A real, offline LlamaIndex.TS pipeline on tiny generated models: VectorStoreIndex built with
 * RerankKitEmbedding, queried through its retriever and a RetrieverQueryEngine holding
 * RerankKitPostprocessor. Expected values come from the in-process scorers on the same weights.
 */
import { Document, MetadataMode, RetrieverQueryEngine, Settings, VectorStoreIndex } from "llamaindex";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, CrossEncoderScorer } from "../../src/index.js";
import type { EmbedOptions, Embedder } from "../../src/index.js";
import { RerankKitEmbedding, RerankKitPostprocessor } from "../../adapters/llamaindex/index.js";
import { ensureTestModels } from "../fixtures/index.js";
import { EchoLLM } from "./helpers/echo-llm.js";

const CORPUS = [
  "Cats purr when they are content, and sometimes when they are stressed.",
  "Dogs bark to warn their owners about strangers at the door.",
  "Solar panels convert sunlight into electricity with silicon cells.",
  "A purring cat vibrates its larynx between 25 and 150 hertz.",
  "Electric cars store energy in lithium batteries instead of petrol tanks.",
  "Why do cats purr? Scientists think purring also helps cats heal.",
];
const QUERY = "why do cats purr";

/** Records every embed call of a real bi-encoder. */
function counting(inner: Embedder): Embedder & { calls: Array<{ n: number; kind: EmbedOptions["kind"] }> } {
  const calls: Array<{ n: number; kind: EmbedOptions["kind"] }> = [];
  return {
    model: inner.model,
    calls,
    embed: (texts, options) => (calls.push({ n: texts.length, kind: options?.kind }), inner.embed(texts, options)),
    embedWithUsage: (texts, options) => (calls.push({ n: texts.length, kind: options?.kind }), inner.embedWithUsage(texts, options)),
  };
}

let models: Record<string, string>;
let bi: BiEncoderScorer;
let cross: CrossEncoderScorer;
beforeAll(async () => {
  models = await ensureTestModels();
  bi = await BiEncoderScorer.fromPretrained(models["bi-encoder-mean"] as string);
  cross = await CrossEncoderScorer.fromPretrained(models["cross-encoder"] as string);
});
afterAll(async () => {
  await Promise.all([bi?.close(), cross?.close()]);
});

describe("LlamaIndex.TS pipeline: index -> retriever -> postprocessor", () => {
  it("embeds nodes in one batched call, retrieves by the query embedding and reranks with the cross-encoder", async () => {
    const embedder = counting(bi);
    const embedModel = new RerankKitEmbedding({ embedder });
    const reranker = new RerankKitPostprocessor({ scorer: cross, topN: 2 });
    const docs = CORPUS.map((text, i) => new Document({ text, id_: `doc-${i}` }));
    const index = await Settings.withEmbedModel(embedModel, () => VectorStoreIndex.fromDocuments(docs));
    expect(embedder.calls).toEqual([{ n: CORPUS.length, kind: "document" }]);

    const retriever = index.asRetriever({ similarityTopK: 4 });
    const llm = new EchoLLM();
    const engine = Settings.withLLM(llm, () => new RetrieverQueryEngine(retriever, undefined, [reranker]));
    const response = await Settings.withLLM(llm, () => Settings.withEmbedModel(embedModel, () => engine.query({ query: QUERY })));
    const nodes = response.sourceNodes ?? [];
    expect(embedder.calls.at(-1)).toEqual({ n: 1, kind: "query" });

    // the same four candidates the retriever returns, reranked by the cross-encoder's own scores
    const candidates = await Settings.withEmbedModel(embedModel, () => retriever.retrieve(QUERY));
    expect(candidates).toHaveLength(4);
    const texts = candidates.map((c) => c.node.getContent(MetadataMode.NONE));
    const scores = await cross.score(QUERY, texts);
    const order = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, 2);
    expect(nodes.map((n) => n.node.id_)).toEqual(order.map((o) => candidates[o.i]?.node.id_));
    nodes.forEach((n, k) => expect(n.score).toBeCloseTo(order[k]?.s as number, 5));
    // only the reranked nodes reached the synthesizer
    const prompt = llm.prompts.join("\n");
    texts.forEach((text, i) => expect(prompt.includes(text)).toBe(order.some((o) => o.i === i)));

    // the retriever's ranking is by cosine against the query-prompted vector
    const [q] = await bi.embed([QUERY], { kind: "query" });
    const docVectors = await bi.embed(CORPUS, { kind: "document" });
    const cos = docVectors.map((d) => d.reduce((acc, x, j) => acc + x * (q?.[j] as number), 0));
    const byCos = cos.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s).slice(0, 4).map((e) => `doc-${e.i}`);
    expect(candidates.map((c) => c.node.sourceNode?.nodeId)).toEqual(byCos);
  });

  it("loads a model folder itself (worker thread by default) and closes it", async () => {
    const reranker = new RerankKitPostprocessor({ scorer: models["cross-encoder"] as string, topN: 1 });
    const embedModel = new RerankKitEmbedding({ embedder: models["bi-encoder-mean"] as string, worker: false });
    try {
      const index = await Settings.withEmbedModel(embedModel, () => VectorStoreIndex.fromDocuments(CORPUS.map((text) => new Document({ text }))));
      const engine = Settings.withLLM(new EchoLLM(), () => new RetrieverQueryEngine(index.asRetriever({ similarityTopK: 3 }), undefined, [reranker]));
      const [best] = await Settings.withEmbedModel(embedModel, () => engine.retrieve(QUERY));
      const scores = await cross.score(QUERY, [best?.node.getContent(MetadataMode.NONE) as string]);
      expect(best?.score).toBeCloseTo(scores[0] as number, 5);
    } finally {
      await Promise.all([reranker.close(), embedModel.close()]);
    }
  });
});
