import { describe, expect, it } from "vitest";
import { FakeScorer, overlapScore, pairTokens } from "./fakes.js";
import { post, start } from "./helpers.js";

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const Q = "capital of france";
const D = ["the capital of brazil is brasilia", "paris is the capital of france"];

describe("POST /score", () => {
  it("scores 1:1, 1:N and N:N in pair order with vLLM's body", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const one = await post(`${url}/score`, { queries: Q, documents: D[0] });
    expect(one.status).toBe(200);
    expect(one.body.object).toBe("list");
    expect(one.body.model).toBe("fake/cross-encoder");
    expect(one.body.data).toEqual([{ index: 0, object: "score", score: sigmoid(overlapScore(Q, D[0]!)) }]);

    const oneToN = await post(`${url}/score`, { queries: Q, documents: D });
    expect(oneToN.body.data.map((d: { score: number }) => d.score)).toEqual(D.map((d) => sigmoid(overlapScore(Q, d))));

    const zipped = await post(`${url}/score`, { queries: ["brazil", "france"], documents: D });
    expect(zipped.body.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(zipped.body.data[0].score).toBeCloseTo(sigmoid(overlapScore("brazil", D[0]!)), 12);
    expect(zipped.body.data[1].score).toBeCloseTo(sigmoid(overlapScore("france", D[1]!)), 12);
  });

  it("accepts all four field-name pairs with the same scores", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const q = ["brazil", "france"];
    const bodies = [
      { queries: q, documents: D },
      { queries: q, items: D },
      { data_1: q, data_2: D },
      { text_1: q, text_2: D },
    ];
    const results = await Promise.all(bodies.map((b) => post(`${url}/score`, b)));
    for (const r of results) expect(r.status).toBe(200);
    const scores = results.map((r) => r.body.data.map((d: { score: number }) => d.score));
    for (const s of scores) expect(s).toEqual(scores[0]);
  });

  it("also answers on the deprecated /v1/score alias", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/v1/score`, { text_1: Q, text_2: D });
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(2);
  });

  it("counts usage per pair and builds the id from X-Request-Id", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/score`, { queries: Q, documents: D }, { "x-request-id": "abc" });
    expect(r.body.id).toBe("score-abc");
    const expected = D.reduce((n, d) => n + pairTokens(Q, d), 0);
    expect(r.body.usage).toEqual({
      prompt_tokens: expected,
      total_tokens: expected,
      completion_tokens: 0,
      prompt_tokens_details: null,
    });
    const random = await post(`${url}/score`, { queries: Q, documents: D });
    expect(random.body.id).toMatch(/^score-[0-9a-f]{32}$/);
  });

  it("rejects N:1, N:M and empty lists with vLLM's messages", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const cases: Array<[unknown, string]> = [
      [{ queries: ["a", "b"], documents: ["c"] }, "Input lengths must be either 1:1, 1:N or N:N"],
      [{ queries: ["a", "b"], documents: ["c", "d", "e"] }, "Input lengths must be either 1:1, 1:N or N:N"],
      [{ queries: "a", documents: [] }, "At least one text_pair element must be given"],
      [{ queries: [], documents: ["c"] }, "At least one text element must be given"],
    ];
    for (const [body, message] of cases) {
      const r = await post(`${url}/score`, body);
      expect(r.status).toBe(400);
      expect(r.body.error.type).toBe("BadRequestError");
      expect(r.body.error.code).toBe(400);
      expect(r.body.error.message).toContain(message);
    }
  });

  it("rejects a too-long pair without truncation, with param input_tokens", async () => {
    const { url } = await start({ scorer: new FakeScorer({ maxLength: 16 }) });
    const long = Array.from({ length: 20 }, (_, i) => `w${i}`).join(" ");
    const r = await post(`${url}/score`, { queries: long, documents: "short" });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("Please reduce the length of the input prompt");
    expect(r.body.error.param).toBe("input_tokens");
    const truncated = await post(`${url}/score`, { queries: long, documents: "short", truncate_prompt_tokens: -1 });
    expect(truncated.status).toBe(200);
    expect(truncated.body.usage.prompt_tokens).toBe(16);
  });

  it("rejects truncate_prompt_tokens over max_model_len with vLLM's exact message", async () => {
    const { url } = await start({ scorer: new FakeScorer({ maxLength: 16 }) });
    const r = await post(`${url}/score`, { queries: "a", documents: "b", truncate_prompt_tokens: 17 });
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe("BadRequestError");
    expect(r.body.error.message).toBe(
      "truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.",
    );
    const below = await post(`${url}/score`, { queries: "a", documents: "b", truncate_prompt_tokens: -2 });
    expect(below.status).toBe(400);
    expect(below.body.error.type).toBe("Bad Request");
    expect(below.body.error.param).toBe("body.truncate_prompt_tokens");
  });

  it("checks max_tokens_per_doc like vLLM and passes options to the scorer", async () => {
    const scorer = new FakeScorer({ maxLength: 16 });
    const { url } = await start({ scorer });
    const negative = await post(`${url}/score`, { queries: "a", documents: "b", max_tokens_per_doc: -5 });
    expect(negative.status).toBe(400);
    expect(negative.body.error.message).toContain("must be a non-negative integer");
    const tooBig = await post(`${url}/score`, { queries: "a", documents: "b", max_tokens_per_doc: 16 });
    expect(tooBig.body.error.message).toContain("must be less than max_model_len (16).");
    const ok = await post(`${url}/score`, {
      queries: "a",
      documents: "b",
      max_tokens_per_doc: 5,
      use_activation: false,
      instruction: "find",
    });
    expect(ok.status).toBe(200);
    const last = scorer.calls.at(-1)!.options;
    expect(last).toMatchObject({ maxTokensPerDoc: 5, activation: false, instruction: "find", truncate: false });
  });

  it("returns raw scores with use_activation false", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const raw = await post(`${url}/score`, { queries: Q, documents: D[1], use_activation: false });
    const act = await post(`${url}/score`, { queries: Q, documents: D[1] });
    expect(sigmoid(raw.body.data[0].score)).toBeCloseTo(act.body.data[0].score, 12);
  });

  it("answers 404 NotFoundError for an unknown model and accepts served names", async () => {
    const { url } = await start({ scorer: new FakeScorer(), servedModelName: ["my-reranker", "alias"] });
    const bad = await post(`${url}/score`, { model: "nope", queries: "a", documents: "b" });
    expect(bad.status).toBe(404);
    expect(bad.body.error).toEqual({ message: "The model `nope` does not exist.", type: "NotFoundError", param: null, code: 404 });
    const alias = await post(`${url}/score`, { model: "alias", queries: "a", documents: "b" });
    expect(alias.status).toBe(200);
    expect(alias.body.model).toBe("my-reranker");
  });

  it("rejects a non-JSON content type with 400 Unsupported Media Type", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const res = await fetch(`${url}/score`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toContain("Unsupported Media Type: Only 'application/json' is allowed");
    expect(body.error.type).toBe("Bad Request");
  });

  it("rejects bodies without a complete field pair and malformed JSON", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const r = await post(`${url}/score`, { queries: "a" });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^\d+ validation errors?:/);
    const res = await fetch(`${url}/score`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(400);
  });
});
