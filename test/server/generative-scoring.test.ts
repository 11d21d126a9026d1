/**
 * /generative_scoring (vLLM's generative scoring) on the tiny Qwen3 causal LM whose PyTorch
 * goldens give logit[yes] - logit[no] at the last position: with apply_softmax over [yes, no] the
 * score is sigmoid of that golden, so the route is checked against the Python reference.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScorer } from "../../src/index.js";
import type { Scorer } from "../../src/types.js";
import { FakeBiEncoder } from "./fakes.js";
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
