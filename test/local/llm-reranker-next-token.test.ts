/**
 * LlmRerankerScorer beyond score(): next-token log-probabilities (vLLM's generative scoring)
 * against the PyTorch logits of the tiny Qwen3 causal LM, the vocabulary they are checked
 * against, and which folders are detected as LLM rerankers.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, loadScorer } from "../../src/index.js";
import { LlmRerankerScorer } from "../../src/local/llm-reranker/llm-reranker.js";

const CELL = join("test/golden/llm-rerankers", "qwen3-causal");
const OVERRIDES = '{"classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}';
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as {
  input_ids: number[][];
  logits: number[];
  true_token_id: number;
  false_token_id: number;
};
const YES = golden.true_token_id;
const NO = golden.false_token_id;
const VOCAB = 700; // config.json vocab_size
const TOL = 1e-4;
const root = mkdtempSync(join(tmpdir(), "rk-llm-next-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the fixture at root/<name> with its config.json patched (undefined removes a key). */
function copy(name: string, patch: Record<string, unknown>): string {
  const dir = join(root, name);
  cpSync(CELL, dir, { recursive: true });
  const config = { ...(JSON.parse(readFileSync(join(CELL, "config.json"), "utf8")) as Record<string, unknown>), ...patch };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

describe("nextTokenLogProbs on the full LM head", () => {
  let lm: LlmRerankerScorer;
  let rows: number[];
  beforeAll(async () => {
    lm = (await loadScorer(CELL, { hfOverrides: OVERRIDES, rewriteHead: false, threads: 1 })) as LlmRerankerScorer;
    rows = golden.input_ids.map((_, i) => i).filter((i) => golden.input_ids[i]!.length <= lm.maxLength);
  }, 60_000);
  afterAll(() => lm.close());

  it("log p(yes) - log p(no) is PyTorch's yes-no logit, for a mixed-length batch", async () => {
    expect(lm.headRewritten).toBe(false);
    const picked = rows.slice(0, 4);
    const lengths = new Set(picked.map((i) => golden.input_ids[i]!.length));
    expect(lengths.size).toBeGreaterThan(1);
    const r = await lm.nextTokenLogProbs(picked.map((i) => golden.input_ids[i]!), [YES, NO]);
    expect(r.logProbs).toHaveLength(picked.length);
    for (const [k, i] of picked.entries()) {
      const [yes, no] = r.logProbs[k]!;
      expect(Math.abs(yes! - no! - golden.logits[i]!)).toBeLessThanOrEqual(TOL);
      expect(yes).toBeLessThan(0);
      expect(no).toBeLessThan(0);
    }
    const tokens = picked.reduce((s, i) => s + golden.input_ids[i]!.length, 0);
    expect(r.usage).toEqual({ promptTokens: tokens, totalTokens: tokens });
  });

  it("the log-probabilities over the whole vocabulary sum to 1", async () => {
    const all = Array.from({ length: VOCAB }, (_, k) => k);
    const r = await lm.nextTokenLogProbs([golden.input_ids[rows[0]!]!], all);
    const total = r.logProbs[0]!.reduce((s, v) => s + Math.exp(v), 0);
    expect(total).toBeCloseTo(1, 5);
  });

  it("refuses label ids outside [0, vocab_size), naming the range", async () => {
    for (const id of [-1, VOCAB, 1.5]) {
      await expect(lm.nextTokenLogProbs([[1, 2, 3]], [id])).rejects.toThrow(InvalidInputError);
      await expect(lm.nextTokenLogProbs([[1, 2, 3]], [id])).rejects.toThrow(`label token id ${id} is outside the vocabulary [0, ${VOCAB})`);
    }
    await expect(lm.nextTokenLogProbs([[1, 2, 3]], [0, VOCAB - 1])).resolves.toMatchObject({ logProbs: [[expect.any(Number), expect.any(Number)]] });
  });
});

describe("LlmRerankerScorer vocabulary and head", () => {
  it("without vocab_size in config.json the vocabulary is the tokenizer's largest id + 1", async () => {
    const lm = (await loadScorer(copy("no-vocab-size", { vocab_size: undefined }), { hfOverrides: OVERRIDES, rewriteHead: false, threads: 1 })) as LlmRerankerScorer;
    try {
      const tokenizer = JSON.parse(readFileSync(join(CELL, "tokenizer.json"), "utf8")) as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
      const largest = Math.max(...Object.values(tokenizer.model.vocab), ...tokenizer.added_tokens.map((t) => t.id));
      expect(lm.vocabularySize).toBe(largest + 1);
    } finally {
      await lm.close();
    }
  });

  it("a rewritten head has no next-token probabilities and says how to load one that has", async () => {
    const lm = (await loadScorer(CELL, { hfOverrides: OVERRIDES, threads: 1 })) as LlmRerankerScorer;
    try {
      expect(lm.headRewritten).toBe(true);
      expect(lm.vocabularySize).toBe(VOCAB);
      await expect(lm.nextTokenLogProbs([[1, 2]], [YES])).rejects.toThrow(InvalidInputError);
      await expect(lm.nextTokenLogProbs([[1, 2]], [YES])).rejects.toThrow(/load it with rewriteHead: false \(serve --no-rewrite-head\)/);
    } finally {
      await lm.close();
    }
  });
});

describe("which causal LMs load as LLM rerankers", () => {
  it.each([
    ["classifier_from_token in config.json", { classifier_from_token: ["no", "yes"] }, "config.json"],
    ["is_original_qwen3_reranker in config.json", { is_original_qwen3_reranker: true }, "config.json"],
  ])("%s", async (_name, patch, source) => {
    const scorer = await loadScorer(copy(`detect-${Object.keys(patch)[0]}`, patch), { threads: 1, scoreTemplate: false });
    try {
      expect(scorer).toBeInstanceOf(LlmRerankerScorer);
      expect((scorer as LlmRerankerScorer).head.description.startsWith(`${source}: `)).toBe(true);
      expect((scorer as LlmRerankerScorer).head.rows).toEqual([
        { tokenId: YES, coefficient: 1 },
        { tokenId: NO, coefficient: -1 },
      ]);
    } finally {
      await scorer.close();
    }
  });

  it("a folder named like a known reranker needs no keys: its preset gives the head", async () => {
    const scorer = (await loadScorer(copy("Qwen3-Reranker-0.6B", {}), { threads: 1 })) as LlmRerankerScorer;
    try {
      expect(scorer).toBeInstanceOf(LlmRerankerScorer);
      expect(scorer.head.description).toMatch(/^preset for .*Qwen3-Reranker-0\.6B: \["no","yes"\] from_2_way_softmax$/);
    } finally {
      await scorer.close();
    }
  });

  it("is_original_qwen3_reranker: false is no reranker", async () => {
    await expect(loadScorer(copy("not-original", { is_original_qwen3_reranker: false }), { threads: 1 })).rejects.toThrow(/hfOverrides/);
  });
});

describe("nextTokenLogProbs on a fused-attention (GroupQueryAttention) graph, padded on the right", () => {
  const GQA = join("test", "golden", "gqa", "gqa-reranker");
  const g = JSON.parse(readFileSync(join(GQA, "golden.json"), "utf8")) as { hf_overrides: Record<string, unknown>; input_ids: number[][]; true_token_id: number; false_token_id: number };

  it("reads each row where its mask ends: a mixed-length batch equals one sequence at a time", async () => {
    const lm = (await loadScorer(GQA, { hfOverrides: JSON.stringify(g.hf_overrides), rewriteHead: false, threads: 1 })) as LlmRerankerScorer;
    try {
      const seqs = g.input_ids.slice(0, 4);
      expect(new Set(seqs.map((s) => s.length)).size).toBeGreaterThan(1);
      const labels = [g.true_token_id, g.false_token_id];
      const batch = (await lm.nextTokenLogProbs(seqs, labels)).logProbs;
      for (const [i, s] of seqs.entries()) {
        const alone = (await lm.nextTokenLogProbs([s], labels)).logProbs[0]!;
        expect(Math.max(...alone.map((v, k) => Math.abs(v - batch[i]![k]!)))).toBeLessThanOrEqual(TOL);
      }
      // ...and the rows differ, so a row read at the wrong position would show.
      expect(Math.abs(batch[0]![0]! - batch[1]![0]!)).toBeGreaterThan(100 * TOL);
    } finally {
      await lm.close();
    }
  });
});
