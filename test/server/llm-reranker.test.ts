import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScorer, type LocalScorer } from "../../src/local/index.js";
import { post, start } from "./helpers.js";

const ROOT = "test/golden/llm-rerankers";
const g = JSON.parse(readFileSync(join(ROOT, "qwen3-causal", "golden.json"), "utf8")) as {
  cases: Array<{ query: string; document: string; instruction: string | null }>;
  logits: number[];
};
const instructed = g.cases.findIndex((c) => c.instruction !== null);
const c = g.cases[instructed]!;
const OVERRIDES = '{"architectures":["Qwen3ForSequenceClassification"],"classifier_from_token":["no","yes"],"is_original_qwen3_reranker":true}';

describe("LLM reranker served: per-request instruction and chat_template_kwargs", () => {
  let scorer: LocalScorer;
  beforeAll(async () => {
    scorer = await loadScorer(join(ROOT, "qwen3-causal"), { hfOverrides: OVERRIDES, chatTemplate: "qwen3-reranker", threads: 1 });
  });
  afterAll(() => scorer.close());

  it("instruction on /score and chat_template_kwargs on /rerank reach the template", async () => {
    const { url } = await start({ scorer });
    const web = "Given a web search query, retrieve relevant passages that answer the query";
    const [score, rerank, plain, other] = await Promise.all([
      post(`${url}/score`, { queries: c.query, documents: [c.document], instruction: c.instruction, use_activation: false }),
      post(`${url}/rerank`, { query: c.query, documents: [c.document], chat_template_kwargs: { instruction: c.instruction }, use_activation: false }),
      post(`${url}/score`, { queries: c.query, documents: [c.document], use_activation: false }),
      post(`${url}/rerank`, { query: c.query, documents: [c.document], chat_template_kwargs: { instruction: web }, use_activation: false }),
    ]);
    expect(score.status).toBe(200);
    expect(rerank.status).toBe(200);
    const expected = g.logits[instructed]!;
    expect(Math.abs(score.body.data[0].score - expected)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(rerank.body.results[0].relevance_score - expected)).toBeLessThanOrEqual(1e-4);
    // Requests with other kwargs are not merged into one call (the default instruction scores differently).
    expect(Math.abs(plain.body.data[0].score - g.logits[0]!)).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(plain.body.data[0].score - expected)).toBeGreaterThan(1e-2);
    // Two batched requests that differ only in a kwarg's value keep their own kwargs.
    expect(Math.abs(other.body.results[0].relevance_score - g.logits[0]!)).toBeLessThanOrEqual(1e-4);
  });

  it("an instruction the template has no place for is a 400", async () => {
    const gemma = await loadScorer(join(ROOT, "gemma-bge"), {
      hfOverrides: '{"classifier_from_token":["Yes"],"method":"no_post_processing"}',
      chatTemplate: "bge-reranker-v2-gemma",
      threads: 1,
    });
    try {
      const { url } = await start({ scorer: gemma });
      const res = await post(`${url}/score`, { queries: "q", documents: ["d"], instruction: "x" });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain("takes no instruction");
    } finally {
      await gemma.close();
    }
  });
});

describe("batching keeps chat_template_kwargs apart", () => {
  it("never merges requests whose kwargs differ only in a nested value", async () => {
    const { FakeScorer } = await import("./fakes.js");
    const scorer = new FakeScorer({ delayMs: 20 });
    const { url } = await start({ scorer, batching: { maxWaitMs: 20 } });
    const bodies = Array.from({ length: 8 }, (_, i) => ({
      query: "q common",
      documents: ["a common", "b"],
      chat_template_kwargs: { instruct: `task ${i % 4 === 3 ? 1 : 0}` },
    }));
    const answers = await Promise.all(bodies.map((b) => post(`${url}/rerank`, b)));
    for (const a of answers) expect(a.status).toBe(200);
    for (const call of scorer.calls) {
      const kwargs = call.options.chatTemplateKwargs as { instruct: string };
      expect(kwargs.instruct).toMatch(/^task [01]$/);
    }
    // Pairs scored under each kwarg value = pairs of the requests that sent it (6 x 2 and 2 x 2).
    const pairs: Record<string, number> = {};
    for (const call of scorer.calls) {
      const k = (call.options.chatTemplateKwargs as { instruct: string }).instruct;
      pairs[k] = (pairs[k] ?? 0) + call.pairs;
    }
    expect(pairs).toEqual({ "task 0": 12, "task 1": 4 });
    expect(scorer.calls.length).toBeLessThan(bodies.length); // batching did merge
  });
});
