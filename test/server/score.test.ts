import { describe, expect, it } from "vitest";
import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../src/types.js";
import { FakeScorer, overlapScore, pairTokens } from "./fakes.js";
import { post, start } from "./helpers.js";

/** A text-only local model: its config.json names the architecture and has no vision tower. */
class FakeTextModel extends FakeScorer {
  readonly modelConfig: Readonly<Record<string, unknown>> = { architectures: ["BertForSequenceClassification"] };
  readonly tokenizerConfig = {};
  readonly sentenceTransformersPrompts = {};
}

/** A local model with a vision tower: takes `{content}` items, logs what reaches it, scores 0.5 each. */
class FakeVisionModel extends FakeTextModel {
  override readonly modelConfig = { architectures: ["SiglipModel"], vision_config: { image_size: 224 } };
  readonly seen: ScoreInput[][] = [];

  override async scoreWithUsage(queries: ScoreInput | ScoreInput[], documents: ScoreInput | ScoreInput[]): Promise<ScoreResponse> {
    const docs = Array.isArray(documents) ? documents : [documents];
    this.seen.push([...(Array.isArray(queries) ? queries : [queries]), ...docs]);
    return { scores: docs.map(() => 0.5), usage: { promptTokens: docs.length, totalTokens: docs.length } };
  }
}

/** A model that decodes images itself (it embeds them), so the server loads image URLs through its media policy. */
class FakeImageModel extends FakeScorer {
  async embedImages(): Promise<Float32Array[]> {
    return [];
  }
}

/** A scorer whose own default is raw scores: the server must not override it with an unset field. */
class RawByDefaultScorer extends FakeScorer {
  /** The options as the server passed them, before the defaults. */
  readonly received: ScoreOptions[] = [];

  override async scoreWithUsage(queries: ScoreInput | ScoreInput[], documents: ScoreInput | ScoreInput[], options: ScoreOptions = {}): Promise<ScoreResponse> {
    this.received.push({ ...options });
    return super.scoreWithUsage(queries, documents, { activation: false, ...options });
  }
}

const image = (url: string) => ({ content: [{ type: "image_url", image_url: { url } }] });

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

  it("limits the number of pairs per request, naming documents", async () => {
    const scorer = new FakeScorer();
    const { url } = await start({ scorer, maxDocuments: 1 });
    const r = await post(`${url}/score`, { queries: Q, documents: D });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ message: "Too many documents: 2 given, this server accepts at most 1.", type: "BadRequestError", param: "documents", code: 400 });
    expect(scorer.calls).toHaveLength(0);
  });

  it("uses the complete field pair when a stray field of another pair is present", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    const stray = await post(`${url}/score`, { data_1: Q, data_2: D, documents: ["bananas are yellow"] });
    expect(stray.status).toBe(200);
    expect(stray.body.data.map((d: { score: number }) => d.score)).toEqual(D.map((d) => sigmoid(overlapScore(Q, d))));
  });

  it("refuses bad pairings with vLLM's exact message before anything reaches the model", async () => {
    // Counts every call, before the fake's own pairing check could refuse it.
    const scorer = new (class extends FakeScorer {
      reached = 0;
      override scoreWithUsage(...args: Parameters<FakeScorer["scoreWithUsage"]>): Promise<ScoreResponse> {
        this.reached++;
        return super.scoreWithUsage(...args);
      }
    })();
    const { url } = await start({ scorer });
    const cases: Array<[unknown, string]> = [
      [{ queries: ["a", "b"], documents: ["c"] }, "Input lengths must be either 1:1, 1:N or N:N"],
      [{ queries: [], documents: ["c"] }, "At least one text element must be given"],
      [{ queries: [], documents: ["c", "d"] }, "At least one text element must be given"],
    ];
    for (const [body, message] of cases) {
      const r = await post(`${url}/score`, body);
      expect(r.body.error, JSON.stringify(body)).toEqual({ message, type: "BadRequestError", param: null, code: 400 });
    }
    expect(scorer.reached).toBe(0);
  });

  it("refuses image items for a text-only model with vLLM's message naming its architecture", async () => {
    const scorer = new FakeTextModel();
    const { url } = await start({ scorer });
    const bodies = [
      { queries: Q, documents: ["paris", image("data:,")] },
      { queries: image("data:,"), documents: ["paris"] },
    ];
    for (const body of bodies) {
      const r = await post(`${url}/score`, body);
      expect(r.body.error).toEqual({ message: "MultiModalParam is not supported for BertForSequenceClassification", type: "BadRequestError", param: null, code: 400 });
    }
    expect(scorer.calls).toHaveLength(0);
    expect((await post(`${url}/score`, { queries: Q, documents: ["paris"] })).status).toBe(200);
  });

  it("passes image items to a model whose config has a vision tower", async () => {
    const scorer = new FakeVisionModel();
    const { url } = await start({ scorer });
    const r = await post(`${url}/score`, { queries: "a red car", documents: [image("data:,"), "a car"] });
    expect(r.status).toBe(200);
    expect(r.body.data.map((d: { score: number }) => d.score)).toEqual([0.5, 0.5]);
    expect(scorer.seen).toEqual([["a red car", "a red car", image("data:,"), "a car"]]);
  });

  it("names the item whose image URL the media policy refuses", async () => {
    const { url } = await start({ scorer: new FakeImageModel() });
    const doc = await post(`${url}/score`, { queries: ["q", "r"], documents: ["a", image("pic.png")] });
    expect(doc.status).toBe(400);
    expect(doc.body.error.param).toBe("image_url");
    expect(doc.body.error.message).toMatch(/^documents\[1\]: The URL must be either a HTTP, data or file URL/);
    const query = await post(`${url}/score`, { queries: [image("pic.png")], documents: ["a"] });
    expect(query.body.error.message).toMatch(/^queries\[0\]: The URL must be either a HTTP, data or file URL/);
  });

  it("accepts truncate_prompt_tokens equal to max_model_len, and caps each pair at it", async () => {
    const scorer = new FakeScorer({ maxLength: 16 });
    const { url } = await start({ scorer });
    const q = "a b c d";
    const d = "e f g h";
    expect(pairTokens(q, d)).toBe(11);
    const full = await post(`${url}/score`, { queries: q, documents: d, truncate_prompt_tokens: 16 });
    expect(full.status).toBe(200);
    expect(full.body.usage.prompt_tokens).toBe(11);
    const capped = await post(`${url}/score`, { queries: q, documents: [d, d], truncate_prompt_tokens: 5 });
    expect(capped.status).toBe(200);
    expect(capped.body.usage.prompt_tokens).toBe(10);
    expect(scorer.calls.at(-1)!.options).toMatchObject({ truncate: true, truncatePromptTokens: 5 });
  });

  it("passes max_tokens_per_query to the scorer", async () => {
    const scorer = new FakeScorer({ maxLength: 16 });
    const { url } = await start({ scorer });
    const r = await post(`${url}/score`, { queries: "a", documents: "b", max_tokens_per_query: 3 });
    expect(r.status).toBe(200);
    expect(scorer.calls.at(-1)!.options).toMatchObject({ maxTokensPerQuery: 3 });
  });

  it("leaves fields the request did not set out of the scorer's options, so the scorer's own defaults stand", async () => {
    const scorer = new RawByDefaultScorer();
    const { url } = await start({ scorer });
    const r = await post(`${url}/score`, { queries: Q, documents: D[1] });
    expect(r.body.data[0].score).toBe(overlapScore(Q, D[1]!));
    const given = Object.keys(scorer.received[0]!);
    for (const name of ["activation", "instruction", "maxTokensPerQuery", "maxTokensPerDoc"]) expect(given).not.toContain(name);
    await post(`${url}/score`, { queries: Q, documents: D[1], max_tokens_per_query: 0, max_tokens_per_doc: 0, use_activation: null, instruction: null });
    const zeros = Object.keys(scorer.received[1]!);
    for (const name of ["activation", "instruction", "maxTokensPerQuery", "maxTokensPerDoc"]) expect(zeros).not.toContain(name);
  });

  it("documents /score and its /v1/score alias in /openapi.json", async () => {
    const { url } = await start({ scorer: new FakeScorer() });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, checked field by field
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as any;
    const main = doc.paths["/score"].post;
    const alias = doc.paths["/v1/score"].post;
    for (const op of [main, alias]) {
      expect(op.tags).toEqual(["scoring"]);
      expect(op.summary).toEqual(expect.stringMatching(/\S/));
      expect(op.responses["200"].description).toEqual(expect.stringMatching(/\S/));
      expect(op.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ScoreResponse" });
    }
    expect(main.summary).not.toMatch(/alias/i);
    expect(alias.summary).toMatch(/alias of \/score\b/i);
  });
});
