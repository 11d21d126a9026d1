import { describe, expect, it } from "vitest";
import { FakeScorer, overlapScore } from "./fakes.js";
import { post, start } from "./helpers.js";

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const Q = "capital of france";
const DOCS = ["the capital of brazil is brasilia", "paris is the capital of france", "bananas are yellow"];

/** A model that decodes images itself (it embeds them), so the server loads image URLs through its media policy. */
class FakeImageModel extends FakeScorer {
  async embedImages(): Promise<Float32Array[]> {
    return [];
  }
}

const image = (url: string) => ({ content: [{ type: "image_url", image_url: { url } }] });

describe("POST /rerank", () => {
  it("sorts by relevance, echoes documents with multi_modal null, and counts all docs in usage", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/rerank`, { query: Q, documents: DOCS }, { "x-request-id": "r1" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["id", "model", "results", "usage"]);
    expect(r.body.id).toBe("rerank-r1");
    const expected = DOCS.map((d, index) => ({ index, score: sigmoid(overlapScore(Q, d)) })).sort((a, b) => b.score - a.score);
    expect(r.body.results.map((x: { index: number }) => x.index)).toEqual(expected.map((e) => e.index));
    expect(r.body.results[0]).toEqual({
      index: 1,
      document: { text: DOCS[1], multi_modal: null },
      relevance_score: expected[0]!.score,
    });
    const top = await post(`${url}/rerank`, { query: Q, documents: DOCS, top_n: 1 });
    expect(top.body.results).toHaveLength(1);
    expect(top.body.usage.prompt_tokens).toBe(r.body.usage.prompt_tokens);
    expect(top.body.usage).toEqual({ prompt_tokens: r.body.usage.total_tokens, total_tokens: r.body.usage.total_tokens });
  });

  it("keeps input order on ties (stable sort)", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const docs = ["zz one", "yy two", "xx three", "capital"];
    const r = await post(`${url}/rerank`, { query: "capital", documents: docs });
    expect(r.body.results.map((x: { index: number }) => x.index)).toEqual([3, 0, 1, 2]);
  });

  it("handles top_n 0, larger than the list, and a single string document", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    expect((await post(`${url}/rerank`, { query: Q, documents: DOCS, top_n: 0 })).body.results).toHaveLength(3);
    expect((await post(`${url}/rerank`, { query: Q, documents: DOCS, top_n: 10 })).body.results).toHaveLength(3);
    const single = await post(`${url}/rerank`, { query: Q, documents: "paris" });
    expect(single.status).toBe(200);
    expect(single.body.results).toHaveLength(1);
    expect(single.body.results[0].document).toEqual({ text: "paris", multi_modal: null });
  });

  it("rejects a negative top_n as a 'Bad Request' validation error", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/rerank`, { query: Q, documents: DOCS, top_n: -1 });
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe("Bad Request");
    expect(r.body.error.param).toBe("body.top_n");
  });

  it("rejects empty documents with vLLM's message", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/rerank`, { query: Q, documents: [] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("At least one text_pair element must be given");
  });

  it("serves /v1/rerank and /v2/rerank with the same answer, plus Cohere's meta", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const a = await post(`${url}/rerank`, { query: Q, documents: DOCS }, { "x-request-id": "same" });
    expect(a.body.meta).toBeUndefined();
    for (const [path, version] of [["/v1/rerank", "1"], ["/v2/rerank", "2"]]) {
      const b = await post(`${url}${path}`, { query: Q, documents: DOCS }, { "x-request-id": "same" });
      expect(b.status).toBe(200);
      const { meta, ...rest } = b.body;
      expect(rest).toEqual(a.body);
      expect(meta).toEqual({ api_version: { version }, billed_units: { search_units: 1 } });
    }
  });

  it("passes multimodal documents through to the scorer and reports its refusal as 400", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/rerank`, {
      query: Q,
      documents: [{ content: [{ type: "image_url", image_url: { url: "data:," } }] }],
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("MultiModalParam is not supported");
  });

  it("limits the number of documents per request", async () => {
    const { url } = await start({ scorer: new FakeScorer(), maxDocuments: 2 });
    const r = await post(`${url}/rerank`, { query: Q, documents: DOCS });
    expect(r.status).toBe(400);
    expect(r.body.error.param).toBe("documents");
    expect(r.body.error.message).toContain("at most 2");
  });
  it("bills Cohere search units per started 100 documents", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    for (const [count, units] of [[100, 1], [101, 2], [250, 3]] as const) {
      const docs = Array.from({ length: count }, (_, i) => `doc ${i}`);
      const r = await post(`${url}/v2/rerank`, { query: Q, documents: docs, top_n: 1 });
      expect(r.status).toBe(200);
      expect(r.body.meta.billed_units, String(count)).toEqual({ search_units: units });
    }
  });

  it("names the query or the document whose image URL the media policy refuses", async () => {
    const { url } = await start({ scorer: new FakeImageModel() });
    const query = await post(`${url}/rerank`, { query: image("pic.png"), documents: ["a"] });
    expect(query.status).toBe(400);
    expect(query.body.error.param).toBe("image_url");
    expect(query.body.error.message).toMatch(/^query: The URL must be either a HTTP, data or file URL/);
    const doc = await post(`${url}/rerank`, { query: Q, documents: ["a", image("pic.png")] });
    expect(doc.body.error.message).toMatch(/^documents\[1\]: The URL must be either a HTTP, data or file URL/);
  });

  it("documents /rerank and its two aliases in /openapi.json", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, checked field by field
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as any;
    const ops = ["/rerank", "/v1/rerank", "/v2/rerank"].map((p) => doc.paths[p].post);
    for (const op of ops) {
      expect(op.tags).toEqual(["scoring"]);
      expect(op.summary).toEqual(expect.stringMatching(/\S/));
      expect(op.responses["200"].description).toEqual(expect.stringMatching(/\S/));
      expect(op.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/RerankResponse" });
    }
    expect(ops[0].summary).not.toMatch(/alias/i);
    for (const op of ops.slice(1)) expect(op.summary).toMatch(/alias of \/rerank\b/i);
    // Each alias says which client family it serves.
    expect(ops[1].summary).not.toBe(ops[2].summary);
  });
});

describe("POST /invocations", () => {
  it("routes rerank and score bodies like vLLM's SageMaker entry", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const headers = { "x-request-id": "inv" };
    const direct = await post(`${url}/rerank`, { query: Q, documents: DOCS }, headers);
    const viaInvocations = await post(`${url}/invocations`, { query: Q, documents: DOCS }, headers);
    expect(viaInvocations.status).toBe(200);
    expect(viaInvocations.body).toEqual(direct.body);
    const score = await post(`${url}/invocations`, { text_1: Q, text_2: DOCS });
    expect(score.body.object).toBe("list");
    expect(score.body.data).toHaveLength(3);
    const unknown = await post(`${url}/invocations`, { foo: 1 });
    expect(unknown.status).toBe(400);
  });
});
