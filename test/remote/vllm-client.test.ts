// VllmClient and the cohere embeddings dialect against the real server on the tiny models.
import { beforeAll, describe, expect, it } from "vitest";
import { CrossEncoderScorer } from "../../src/local/index.js";
import { BadRequestError, NotFoundError, RemoteEmbedder, VllmClient } from "../../src/remote/index.js";
import type { LocalScorer } from "../../src/local/index.js";
import { startShared, tiny } from "../server/vllm-conformance/support.js";

let bi: LocalScorer;
let biUrl: string;
let colbertUrl: string;

beforeAll(async () => {
  bi = await tiny("bi-encoder-mean");
  ({ url: biUrl } = await startShared({ scorer: bi, servedModelName: "emb" }));
  ({ url: colbertUrl } = await startShared({ scorer: await tiny("colbert-pylate", { convention: "vllm" }) }));
});

describe("VllmClient", () => {
  it("tokenize and detokenize round-trip through the server's tokenizer", async () => {
    const client = new VllmClient({ baseURL: `${biUrl}/v1` });
    const t = await client.tokenize("paris is the capital of france", { returnTokenStrs: true });
    expect(t.tokens).toEqual(bi.tokenize("paris is the capital of france").ids);
    expect(t.count).toBe(t.tokens.length);
    expect(t.maxModelLen).toBe(bi.maxLength);
    expect(t.tokenStrs).toHaveLength(t.tokens.length);
    const plain = await client.tokenize("paris", { addSpecialTokens: false });
    expect(await client.detokenize(plain.tokens)).toBe("paris");
  });

  it("pooling: embed vectors for texts and token ids; token_embed matrices", async () => {
    const client = new VllmClient({ baseURL: biUrl });
    const ids = bi.tokenize("hello world").ids;
    const a = await client.pooling(["hello world"]);
    const b = await client.pooling(ids);
    expect(a.data[0]).toHaveLength((b.data[0] as number[]).length);
    (a.data[0] as number[]).forEach((v, i) => expect(v).toBeCloseTo((b.data[0] as number[])[i]!, 6));
    expect(a.usage.promptTokens).toBe(ids.length);
    const colbert = new VllmClient({ baseURL: colbertUrl });
    const m = await colbert.pooling("hello world", { task: "token_embed" });
    expect((m.data[0] as number[][])[0]).toHaveLength(16);
  });

  it("cohereEmbed returns typed embeddings and billed tokens", async () => {
    const client = new VllmClient({ baseURL: biUrl, model: "emb" });
    const r = await client.cohereEmbed(["hello world"], { embeddingTypes: ["float", "ubinary"] });
    const float = r.embeddings.float![0] as Float32Array;
    expect(float).toBeInstanceOf(Float32Array);
    expect(r.embeddings.ubinary![0]).toHaveLength(float.length / 8);
    expect(r.inputTokens).toBe(bi.tokenize("hello world").ids.length);
    await expect(new VllmClient({ baseURL: biUrl }).cohereEmbed(["x"])).rejects.toThrow(/needs `model`/);
  });

  it("classify against the real server: the local classifier's probabilities, token ids, raw logits, typed errors", async () => {
    const classifier = (await tiny("cross-encoder-3labels", { scoreType: "cross-encoder" })) as CrossEncoderScorer;
    const { url } = await startShared({ scorer: classifier, servedModelName: "cls" });
    const client = new VllmClient({ baseURL: `${url}/v1`, model: "cls" });
    const texts = ["paris is the capital of france", "the cat sat on the mat"];
    const local = await classifier.classify(texts);
    const r = await client.classify(texts);
    expect(r.data.map((d) => d.index)).toEqual([0, 1]);
    r.data.forEach((d, i) => {
      const want = local.classifications[i]!;
      expect(d.numClasses).toBe(3);
      expect(d.label).toBe(want.label);
      d.probs.forEach((p, k) => expect(p).toBeCloseTo(want.probs[k]!, 6));
    });
    expect(r.usage.promptTokens).toBe(local.usage.promptTokens);
    const ids = classifier.tokenize(texts[0]!).ids;
    const byIds = await client.classify(ids);
    byIds.data[0]!.probs.forEach((p, k) => expect(p).toBeCloseTo(r.data[0]!.probs[k]!, 6));
    const raw = await client.classify(texts[0]!, { useActivation: false });
    raw.data[0]!.probs.forEach((p, k) => expect(p).toBeCloseTo(local.classifications[0]!.logits[k]!, 5));
    const cut = await client.classify(texts[0]!, { truncatePromptTokens: 3 });
    expect(cut.usage.promptTokens).toBe(3);
    await expect(client.classify(texts[0]!, { truncatePromptTokens: 0 })).rejects.toThrow(BadRequestError);
    await expect(client.classify(texts[0]!, { truncatePromptTokens: 0 })).rejects.toThrow(/The decoder prompt cannot be empty/);
    // A server whose model is no classifier has no /classify route.
    await expect(new VllmClient({ baseURL: biUrl }).classify("x")).rejects.toThrow(NotFoundError);
  });

  it("classify parses vLLM's /classify answer", async () => {
    const fetch = async (): Promise<Response> =>
      Response.json({
        id: "classify-1",
        object: "list",
        created: 0,
        model: "m",
        data: [{ index: 0, label: "positive", probs: [0.1, 0.9], num_classes: 2 }],
        usage: { prompt_tokens: 3, total_tokens: 3 },
      });
    const client = new VllmClient({ baseURL: "http://127.0.0.1:1", fetch });
    const r = await client.classify("great");
    expect(r.data).toEqual([{ index: 0, label: "positive", probs: [0.1, 0.9], numClasses: 2 }]);
    expect(r.usage.promptTokens).toBe(3);
  });
});

describe("RemoteEmbedder dialect cohere (/v2/embed)", () => {
  it("matches /v1/embeddings with the model's prompts picked by kind", async () => {
    const cohere = new RemoteEmbedder({ baseURL: biUrl, model: "emb", dialect: "cohere" });
    const vllm = new RemoteEmbedder({ baseURL: biUrl, model: "emb" });
    const [q] = await cohere.embed(["capital of france"], { kind: "query" });
    const [expected] = await vllm.embed(["query: capital of france"]);
    q!.forEach((v, i) => expect(v).toBeCloseTo(expected![i]!, 6));
    const { usage } = await cohere.embedWithUsage(["capital of france"]);
    expect(usage.promptTokens).toBe(bi.tokenize("passage: capital of france").ids.length);
  });
});
