// The LLM reranker checks its per-call options through the shared option path, as the other
// local scorers do: nothing it cannot honour is silently ignored.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidOptionError, loadScorer } from "../../src/index.js";
import type { Scorer } from "../../src/types.js";

const CELL = join("test/golden/llm-rerankers", "qwen3-causal");
const OVERRIDES = '{"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}';

describe("LlmRerankerScorer per-call options", () => {
  let scorer: Scorer & { close(): Promise<void> };
  beforeAll(async () => {
    scorer = await loadScorer(CELL, { hfOverrides: OVERRIDES, chatTemplate: "qwen3-reranker", threads: 1 });
  });
  afterAll(() => scorer.close());

  it("refuses a misspelt option with a did-you-mean, before any work", async () => {
    const call = scorer.score("q", "d", { maxTokenPerDoc: 4 } as never);
    await expect(call).rejects.toThrow(InvalidOptionError);
    await expect(scorer.score("q", "d", { maxTokenPerDoc: 4 } as never)).rejects.toThrow(/maxTokensPerDoc/);
  });

  it("refuses an option it cannot honour and a bad value", async () => {
    await expect(scorer.score("q", "d", { truncationStrategy: "only_second" })).rejects.toThrow(InvalidOptionError);
    await expect(scorer.score("q", "d", { maxTokensPerDoc: -1 })).rejects.toThrow(InvalidOptionError);
    await expect(scorer.score("q", "d", { activation: "no" as never })).rejects.toThrow(InvalidOptionError);
  });

  it("accepts the options it applies, and they change the score", async () => {
    const plain = await scorer.score("what is the capital of france", "paris is the capital of france", { activation: false });
    const cut = await scorer.score("what is the capital of france", "paris is the capital of france", { activation: false, maxTokensPerDoc: 1 });
    const instructed = await scorer.score("what is the capital of france", "paris is the capital of france", {
      activation: false,
      instruction: "Judge relevance",
      chatTemplateKwargs: {},
    });
    expect(Math.abs(cut[0]! - plain[0]!)).toBeGreaterThan(1e-4);
    expect(Math.abs(instructed[0]! - plain[0]!)).toBeGreaterThan(1e-4);
  });
});
