/**
 * /generative_scoring (vLLM's generative scoring) on the tiny Qwen3 causal LM whose PyTorch
 * goldens give logit[yes] - logit[no] at the last position: with apply_softmax over [yes, no] the
 * score is sigmoid of that golden, so the route is checked against the Python reference.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScorer } from "../../src/index.js";
import { BaseScorer } from "../../src/base-scorer.js";
import type { NextTokenOptions, NextTokenResponse } from "../../src/contracts/next-token-scorer.js";
import type { Scorer, ScoreResponse, ScoreType, Tokenization } from "../../src/types.js";
import { FakeBiEncoder, fakeTokenize } from "./fakes.js";
import { post, start } from "./helpers.js";

const CELL = join("test/golden/llm-rerankers", "qwen3-causal");
const OVERRIDES = '{"classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}';
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as {
  input_ids: number[][];
  logits: number[];
  true_token_id: number;
  false_token_id: number;
};
/** fp32 ONNX Runtime vs PyTorch, on probabilities. */
const TOL = 1e-4;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const YES = golden.true_token_id;
const NO = golden.false_token_id;

describe("POST /generative_scoring", () => {
  let lm: Scorer & { close(): Promise<void>; maxLength: number };
  /** A server over the loaded model (helpers.start closes servers after each test, not the model). */
  const serve = async (): Promise<string> => (await start({ scorer: lm })).url;
  /** Golden rows the route keeps whole (it keeps max_model_len - 1 tokens, as vLLM). */
  let rows: number[];
  beforeAll(async () => {
    lm = (await loadScorer(CELL, { hfOverrides: OVERRIDES, rewriteHead: false, threads: 1 })) as typeof lm;
    rows = golden.input_ids.map((_, i) => i).filter((i) => golden.input_ids[i]!.length < lm.maxLength);
  }, 60_000);
  afterAll(() => lm.close());

  it("scores P(first label) with softmax over the labels: sigmoid of the PyTorch yes-no logit", async () => {
    const url = await serve();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    // Token-id query + items: each golden prompt split after its first 5 tokens.
    for (const i of rows.slice(0, 3)) {
      const ids = golden.input_ids[i]!;
      const r = await post(`${url}/generative_scoring`, { query: ids.slice(0, 5), items: [ids.slice(5)], label_token_ids: [YES, NO] });
      expect(r.status).toBe(200);
      expect(r.body.object).toBe("list");
      expect(r.body.id).toMatch(/^generative-scoring-/);
      expect(r.body.data).toEqual([{ index: 0, object: "score", score: expect.any(Number) }]);
      expect(Math.abs(r.body.data[0].score - sigmoid(golden.logits[i]!))).toBeLessThanOrEqual(TOL);
      expect(r.body.usage).toEqual({ prompt_tokens: ids.length, completion_tokens: 1, total_tokens: ids.length + 1 });
    }
  }, 60_000);

  it("item_first puts the item before the query; the wrong order is far from the golden", async () => {
    const url = await serve();
    const i = rows[0]!;
    const ids = golden.input_ids[i]!;
    const first = await post(`${url}/generative_scoring`, { query: ids.slice(5), items: [ids.slice(0, 5)], label_token_ids: [YES, NO], item_first: true });
    expect(Math.abs(first.body.data[0].score - sigmoid(golden.logits[i]!))).toBeLessThanOrEqual(TOL);
    const wrong = await post(`${url}/generative_scoring`, { query: ids.slice(5), items: [ids.slice(0, 5)], label_token_ids: [YES, NO] });
    expect(Math.abs(wrong.body.data[0].score - sigmoid(golden.logits[i]!))).toBeGreaterThan(100 * TOL);
  }, 60_000);

  it("apply_softmax: false gives the model's own probabilities over the whole vocabulary", async () => {
    const url = await serve();
    const i = rows[1]!;
    const ids = golden.input_ids[i]!;
    const body = { query: ids.slice(0, 5), items: [ids.slice(5), ids.slice(5)], apply_softmax: false };
    const yes = await post(`${url}/generative_scoring`, { ...body, label_token_ids: [YES, NO] });
    const no = await post(`${url}/generative_scoring`, { ...body, label_token_ids: [NO] });
    const pYes = yes.body.data[0].score as number;
    const pNo = no.body.data[0].score as number;
    expect(yes.body.data).toHaveLength(2);
    expect(pYes + pNo).toBeLessThan(1);
    expect(Math.abs(pYes / (pYes + pNo) - sigmoid(golden.logits[i]!))).toBeLessThanOrEqual(TOL);
    // Softmax over every token of the vocabulary is the model's own probability.
    const all = [YES, ...Array.from({ length: 700 }, (_, k) => k).filter((k) => k !== YES)];
    const full = await post(`${url}/generative_scoring`, { ...body, label_token_ids: all, apply_softmax: true });
    expect(Math.abs(full.body.data[0].score - pYes)).toBeLessThanOrEqual(1e-6);
  }, 60_000);

  it("takes text: the query with special tokens, items without", async () => {
    const url = await serve();
    const r = await post(`${url}/generative_scoring`, { query: "is paris the capital of france? ", items: ["yes it is", "no"], label_token_ids: [YES, NO] });
    expect(r.status).toBe(200);
    expect(r.body.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    for (const d of r.body.data) {
      expect(d.score).toBeGreaterThan(0);
      expect(d.score).toBeLessThan(1);
    }
  }, 60_000);

  it("answers vLLM's 400s: a label id out of the vocabulary, no labels, no items, a missing field", async () => {
    const url = await serve();
    const oov = await post(`${url}/generative_scoring`, { query: "q", items: ["i"], label_token_ids: [9999999, 2] });
    expect(oov.status).toBe(400);
    expect(oov.body.error.message).toBe("label_token_id 9999999 is out of vocabulary range [0, 700). Please provide valid token IDs.");
    const none = await post(`${url}/generative_scoring`, { query: "q", items: ["i"], label_token_ids: [] });
    expect(none.body.error.message).toBe("label_token_ids must contain at least one token ID.");
    const empty = await post(`${url}/generative_scoring`, { query: "q", items: [], label_token_ids: [YES] });
    expect(empty.body.error.message).toBe("items must contain at least one item.");
    const missing = await post(`${url}/generative_scoring`, { query: "q", items: ["i"] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe("body.label_token_ids");
    const badId = await post(`${url}/generative_scoring`, { query: [1, 2], items: [[700]], label_token_ids: [YES] });
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(/Token id 700 is out of vocabulary/);
  }, 60_000);
});

describe("models that cannot score next tokens", () => {
  it("a bi-encoder refuses with the reason", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder() });
    const r = await post(`${url}/generative_scoring`, { query: "q", items: ["i"], label_token_ids: [1] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/does not support generative scoring: it needs a causal language model with its LM head/);
  });

  it("an LLM reranker whose head was rewritten to the score says how to load it", async () => {
    const lm = await loadScorer(CELL, { hfOverrides: OVERRIDES, threads: 1 });
    try {
      const { url } = await start({ scorer: lm });
      const r = await post(`${url}/generative_scoring`, { query: [1, 2], items: [[3]], label_token_ids: [YES, NO] });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/rewriteHead: false/);
    } finally {
      await lm.close();
    }
  }, 60_000);
});

describe("through the worker pool (as rerank-kit serve runs it)", () => {
  it("forwards nextTokenLogProbs to the worker and gives the same score", async () => {
    const { loadWorkerScorer } = await import("../../src/local/worker-pool/index.js");
    const lm = await loadWorkerScorer(CELL, { hfOverrides: OVERRIDES, rewriteHead: false, threads: 1, workers: 1 });
    try {
      const { url } = await start({ scorer: lm });
      const ids = golden.input_ids[0]!;
      const r = await post(`${url}/generative_scoring`, { query: ids.slice(0, 5), items: [ids.slice(5)], label_token_ids: [YES, NO] });
      expect(r.status).toBe(200);
      expect(Math.abs(r.body.data[0].score - sigmoid(golden.logits[0]!))).toBeLessThanOrEqual(TOL);
    } finally {
      await lm.close();
    }
  }, 60_000);
});

/**
 * A causal LM stand-in without a tokenizer: it logs every sequence and signal that reaches it and
 * answers the log-probabilities the test sets, so the route's prompt building and its softmax are
 * checked against numbers the test owns.
 */
class FakeCausalLM extends BaseScorer {
  readonly scoreType: ScoreType = "cross-encoder";
  readonly model = "fake/causal-lm";
  /** Label ids are valid in [0, 40). */
  readonly vocabularySize = 40;
  readonly calls: Array<{ sequences: number[][]; labels: number[]; signal: AbortSignal | undefined }> = [];
  /** The log-probabilities of the labels after one sequence. */
  logProbsOf: (sequence: number[], labels: number[]) => number[] = (_s, labels) => labels.map((id) => -1 - id / 10);
  /** When set, every call waits for it, so a test can hold a call open. */
  gate: Promise<void> | undefined;

  async nextTokenLogProbs(sequences: number[][], labelTokenIds: number[], options: NextTokenOptions = {}): Promise<NextTokenResponse> {
    this.calls.push({ sequences: sequences.map((s) => [...s]), labels: [...labelTokenIds], signal: options.signal });
    if (this.gate) await this.gate;
    const tokens = sequences.reduce((n, s) => n + s.length, 0);
    return { logProbs: sequences.map((s) => this.logProbsOf(s, labelTokenIds)), usage: { promptTokens: tokens, totalTokens: tokens } };
  }

  async scoreWithUsage(): Promise<ScoreResponse> {
    throw new Error("not a cross-encoder");
  }

  async close(): Promise<void> {}
}

/** {@link FakeCausalLM} with the fakes' whitespace tokenizer and a context of `maxLength` tokens. */
class FakeCausalLMWithTokenizer extends FakeCausalLM {
  constructor(readonly maxLength = 32) {
    super();
  }

  tokenize(text: string, options?: { addSpecialTokens?: boolean }): Tokenization {
    return fakeTokenize(text, options?.addSpecialTokens ?? true);
  }
}

const ids = (text: string, special: boolean): number[] => fakeTokenize(text, special).ids;

describe("POST /generative_scoring over a fake causal LM", () => {
  it("builds vLLM's prompts: a text query with special tokens, text items without, query first", async () => {
    const lm = new FakeCausalLMWithTokenizer();
    const { url } = await start({ scorer: lm });
    const r = await post(`${url}/generative_scoring`, { query: "is it paris", items: ["yes it is", "no"], label_token_ids: [3, 5] });
    expect(r.status).toBe(200);
    const query = ids("is it paris", true);
    expect(query).toHaveLength(5);
    expect(lm.calls[0]!.sequences).toEqual([
      [...query, ...ids("yes it is", false)],
      [...query, ...ids("no", false)],
    ]);
    expect(lm.calls[0]!.labels).toEqual([3, 5]);
    // One output token per item, as vLLM's max_tokens=1 generation counts it.
    expect(r.body.usage).toEqual({ prompt_tokens: 8 + 6, completion_tokens: 2, total_tokens: 16 });
  });

  it("add_special_tokens: false leaves them out of the query; item_first puts each item first", async () => {
    const lm = new FakeCausalLMWithTokenizer();
    const { url } = await start({ scorer: lm });
    const plain = await post(`${url}/generative_scoring`, { query: "is it paris", items: ["yes"], label_token_ids: [1], add_special_tokens: false });
    expect(plain.status).toBe(200);
    expect(lm.calls[0]!.sequences).toEqual([[...ids("is it paris", false), ...ids("yes", false)]]);
    const first = await post(`${url}/generative_scoring`, { query: "is it paris", items: ["yes"], label_token_ids: [1], item_first: true });
    expect(first.status).toBe(200);
    expect(lm.calls[1]!.sequences).toEqual([[...ids("yes", false), ...ids("is it paris", true)]]);
  });

  it("keeps max_model_len - 1 tokens of each prompt, room for the one output token", async () => {
    const lm = new FakeCausalLMWithTokenizer(8);
    const { url } = await start({ scorer: lm });
    const r = await post(`${url}/generative_scoring`, { query: [1, 2, 3, 4, 5, 6], items: [[7, 8, 9, 10], [11]], label_token_ids: [1] });
    expect(r.status).toBe(200);
    expect(lm.calls[0]!.sequences).toEqual([
      [1, 2, 3, 4, 5, 6, 7],
      [1, 2, 3, 4, 5, 6, 11],
    ]);
    expect(r.body.usage).toEqual({ prompt_tokens: 14, completion_tokens: 2, total_tokens: 16 });
  });

  it("scores the first label with a softmax over the labels that stays exact when one label is far less likely", async () => {
    const lm = new FakeCausalLMWithTokenizer();
    lm.logProbsOf = () => [-2, -3, -800];
    const { url } = await start({ scorer: lm });
    const body = { query: [1], items: [[2], [3]], label_token_ids: [4, 5, 6] };
    const soft = await post(`${url}/generative_scoring`, body);
    expect(soft.status).toBe(200);
    const p = 1 / (1 + Math.exp(-1) + Math.exp(-798));
    expect(soft.body.data).toEqual([
      { index: 0, object: "score", score: expect.closeTo(p, 12) },
      { index: 1, object: "score", score: expect.closeTo(p, 12) },
    ]);
    const own = await post(`${url}/generative_scoring`, { ...body, apply_softmax: false });
    expect(own.body.data[0].score).toBeCloseTo(Math.exp(-2), 12);
  });

  it("accepts label ids in [0, vocabulary size) and refuses the rest with vLLM's message", async () => {
    const lm = new FakeCausalLMWithTokenizer();
    const { url } = await start({ scorer: lm });
    expect((await post(`${url}/generative_scoring`, { query: [1], items: [[2]], label_token_ids: [0, 39] })).status).toBe(200);
    for (const id of [40, -1]) {
      const r = await post(`${url}/generative_scoring`, { query: [1], items: [[2]], label_token_ids: [0, id] });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({
        message: `label_token_id ${id} is out of vocabulary range [0, 40). Please provide valid token IDs.`,
        type: "BadRequestError",
        param: null,
        code: 400,
      });
    }
    expect(lm.calls).toHaveLength(1);
  });

  it("limits the number of items per request, naming the field", async () => {
    const lm = new FakeCausalLMWithTokenizer();
    const { url } = await start({ scorer: lm, maxDocuments: 2 });
    const r = await post(`${url}/generative_scoring`, { query: [1], items: [[2], [3], [4]], label_token_ids: [1] });
    expect(r.status).toBe(400);
    expect(r.body.error.param).toBe("items");
    expect(r.body.error.message).toBe("Too many items: 3 given, this server accepts at most 2.");
    expect(lm.calls).toHaveLength(0);
  });

  it("without a tokenizer takes token ids and refuses text with vLLM's message", async () => {
    const lm = new FakeCausalLM();
    const { url } = await start({ scorer: lm });
    const text = await post(`${url}/generative_scoring`, { query: "is it paris", items: [[2]], label_token_ids: [1] });
    expect(text.status).toBe(400);
    expect(text.body.error.message).toBe("Tokenizer not available. Cannot process generative scoring request.");
    const tokens = await post(`${url}/generative_scoring`, { query: [1, 2], items: [[3, 4, 5]], label_token_ids: [1] });
    expect(tokens.status).toBe(200);
    expect(lm.calls[0]!.sequences).toEqual([[1, 2, 3, 4, 5]]);
  });

  it("cancels the model's call when the request times out", async () => {
    const lm = new FakeCausalLMWithTokenizer();
    let release!: () => void;
    lm.gate = new Promise((resolve) => (release = resolve));
    const { url } = await start({ scorer: lm, requestTimeoutMs: 100 });
    try {
      const r = await post(`${url}/generative_scoring`, { query: [1], items: [[2]], label_token_ids: [1] });
      expect(r.status).toBe(504);
      expect(lm.calls[0]!.signal?.aborted).toBe(true);
    } finally {
      release();
    }
  });

  it("takes a cache_salt of 1 to 1024 characters, as vLLM", async () => {
    const { url } = await start({ scorer: new FakeCausalLMWithTokenizer() });
    const body = { query: [1], items: [[2]], label_token_ids: [1] };
    for (const salt of ["s", "salt-2", "x".repeat(1024)]) {
      expect((await post(`${url}/generative_scoring`, { ...body, cache_salt: salt })).status, salt).toBe(200);
    }
    for (const salt of ["", "x".repeat(1025)]) {
      const r = await post(`${url}/generative_scoring`, { ...body, cache_salt: salt });
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe("body.cache_salt");
    }
  });

  it("documents the route in /openapi.json under vLLM's schema names, each field described", async () => {
    const { url } = await start({ scorer: new FakeCausalLMWithTokenizer() });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, checked field by field
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as any;
    const op = doc.paths["/generative_scoring"].post;
    expect(op.tags).toEqual(["scoring"]);
    expect(op.summary).toEqual(expect.stringMatching(/\S/));
    expect(op.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/GenerativeScoringRequest" });
    expect(op.responses["200"].description).toEqual(expect.stringMatching(/\S/));
    expect(op.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/GenerativeScoringResponse" });
    const request = doc.components.schemas.GenerativeScoringRequest.properties;
    for (const field of ["query", "items", "label_token_ids", "apply_softmax", "item_first", "add_special_tokens", "priority", "cache_salt"]) {
      expect(request[field].description, field).toEqual(expect.stringMatching(/\S/));
    }
    // vLLM's defaults.
    expect([request.apply_softmax.default, request.item_first.default, request.add_special_tokens.default]).toEqual([true, false, true]);
    const response = doc.components.schemas.GenerativeScoringResponse;
    expect(Object.keys(response.properties).sort()).toEqual(["created", "data", "id", "model", "object", "usage"]);
    expect(Object.keys(response.properties.data.items.properties).sort()).toEqual(["index", "object", "score"]);
  });
});
