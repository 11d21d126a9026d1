import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadScorer } from "../../src/index.js";
import type { LlmRerankerScorer } from "../../src/local/llm-reranker/llm-reranker.js";

// The README promises that prefix reuse (1:N) scores within 1e-4 of the full pass. The golden
// cases' documents share no leading words, so the prefix there is the template and the query.
// Here documents share leading tokens unevenly: the first and last share many, a middle one
// fewer, and one is shorter than the others' common part. A prefix taken from the wrong rows,
// or cut at the wrong length, scores the middle ones against a cache they do not continue.
const CELL = "test/golden/llm-rerankers/qwen3-causal";
const OVERRIDES = '{"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}';
const TOL = 1e-4;
const QUERY = "What is the capital of France?";
const DOCUMENTS = [
  "Paris is the capital and most populous city of France, on the Seine.",
  "Paris is the capital of Texas in some stories.",
  "Paris is",
  "Paris is the capital and most populous city of France, with museums.",
  "Paris is the capital and most populous city of France.",
  "Lyon is a city in France.",
  "Paris is the capital and most populous city of France, on the Seine, in the north.",
];

describe("LLM reranker prefix reuse with unevenly shared document prefixes", () => {
  let reused: LlmRerankerScorer;
  let full: LlmRerankerScorer;
  beforeAll(async () => {
    const options = { hfOverrides: OVERRIDES, chatTemplate: "qwen3-reranker" } as const;
    reused = (await loadScorer(CELL, options)) as LlmRerankerScorer;
    full = (await loadScorer(CELL, { ...options, reusePrefix: false })) as LlmRerankerScorer;
  });
  afterAll(async () => {
    await reused?.close();
    await full?.close();
  });

  it.each([
    ["all seven (shared part: template + query)", DOCUMENTS],
    ["all but Lyon (shared part reaches into the documents)", DOCUMENTS.filter((d) => !d.startsWith("Lyon"))],
    ["the long ones only (shared part ends inside a clause)", DOCUMENTS.filter((d) => d.length > 40 && d.startsWith("Paris is the capital and"))],
  ])("%s: every document scores as in its own full pass", async (_label, documents) => {
    const session = (reused as unknown as { session: { prefixCache: (ids: number[]) => Promise<unknown> } }).session;
    const spy = vi.spyOn(session, "prefixCache");
    const withReuse = await reused.score(QUERY, documents, { activation: false });
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const alone: number[] = [];
    for (const d of documents) alone.push((await full.score(QUERY, d, { activation: false }))[0] as number);
    const errors = withReuse.map((s, i) => Math.abs(s - (alone[i] as number)));
    expect(Math.max(...errors)).toBeLessThanOrEqual(TOL);
    // The documents score apart, so a document scored against another's prefix shows.
    expect(Math.max(...alone) - Math.min(...alone)).toBeGreaterThan(100 * TOL);
  });
});

// Each row of a batch behind a cached prefix gets its own copy of the prefix's key/value cache
// and attends over prefix + its own tokens, so the micro-batch budget counts the prefix: planned
// by the documents' own tokens, 32 short documents behind a 100-token prefix fed 32 cache copies
// (about 0.7 GB on Qwen3-Reranker-0.6B; bench/README.md).
describe("LLM reranker prefix reuse within the micro-batch budget", () => {
  const MAX_BATCH_TOKENS = 480;
  let budgeted: LlmRerankerScorer;
  let full: LlmRerankerScorer;
  beforeAll(async () => {
    const options = { hfOverrides: OVERRIDES, chatTemplate: "qwen3-reranker" } as const;
    budgeted = (await loadScorer(CELL, { ...options, maxBatchTokens: MAX_BATCH_TOKENS })) as LlmRerankerScorer;
    full = (await loadScorer(CELL, { ...options, reusePrefix: false })) as LlmRerankerScorer;
  });
  afterAll(async () => {
    await budgeted?.close();
    await full?.close();
  });

  it("keeps rows x (prefix + longest row) within maxBatchTokens, and scores as the full pass", async () => {
    type Run = (feeds: Record<string, { dims: number[] }>, output: string, options?: { prefix?: { length: number } }) => Promise<unknown>;
    const session = (budgeted as unknown as { session: { run: Run } }).session;
    const spy = vi.spyOn(session, "run");
    const documents = [...DOCUMENTS, ...DOCUMENTS.map((d) => d.split(" ").reverse().join(" "))];
    const scores = await budgeted.score(QUERY, documents, { activation: false });
    const batches = spy.mock.calls.map(([feeds, , options]) => {
      const [rows, seq] = feeds["input_ids"]!.dims as [number, number];
      return { rows, context: seq + (options?.prefix?.length ?? 0), prefix: options?.prefix?.length ?? 0 };
    });
    spy.mockRestore();
    // The prefix was reused, and some batch holds several rows, so the bound below is tested.
    expect(batches.every((b) => b.prefix >= 16)).toBe(true);
    expect(batches.some((b) => b.rows > 1)).toBe(true);
    for (const b of batches) if (b.rows > 1) expect(b.rows * b.context).toBeLessThanOrEqual(MAX_BATCH_TOKENS);
    const alone: number[] = [];
    for (const d of documents) alone.push((await full.score(QUERY, d, { activation: false }))[0] as number);
    expect(Math.max(...scores.map((s, i) => Math.abs(s - (alone[i] as number))))).toBeLessThanOrEqual(TOL);
  });
});

// Generative scoring sends one query with many items: the query's tokens (here the rendered
// template, 90 shared tokens) are cached once, and each item's next-token log-probabilities stay
// those of its own full pass, with the full LM head (rewriteHead: false).
describe("LLM reranker prefix reuse in next-token log-probabilities", () => {
  const golden = JSON.parse(readFileSync(`${CELL}/golden.json`, "utf8")) as { input_ids: number[][]; true_token_id: number; false_token_id: number };
  const LABELS = [golden.true_token_id, golden.false_token_id];
  let reused: LlmRerankerScorer;
  let full: LlmRerankerScorer;
  beforeAll(async () => {
    const options = { hfOverrides: OVERRIDES, rewriteHead: false } as const;
    reused = (await loadScorer(CELL, options)) as LlmRerankerScorer;
    full = (await loadScorer(CELL, { ...options, reusePrefix: false })) as LlmRerankerScorer;
  });
  afterAll(async () => {
    await reused?.close();
    await full?.close();
  });

  it("caches the shared prefix once and matches each sequence's own pass", async () => {
    const sequences = golden.input_ids.slice(0, 6);
    const session = (reused as unknown as { session: { prefixCache: (ids: number[]) => Promise<unknown> } }).session;
    const spy = vi.spyOn(session, "prefixCache");
    const withReuse = await reused.nextTokenLogProbs(sequences, LABELS);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    const fullSession = (full as unknown as { session: { prefixCache: (ids: number[]) => Promise<unknown> } }).session;
    const fullSpy = vi.spyOn(fullSession, "prefixCache");
    const alone: number[][] = [];
    for (const s of sequences) alone.push((await full.nextTokenLogProbs([s], LABELS)).logProbs[0]!);
    expect(fullSpy).not.toHaveBeenCalled();
    fullSpy.mockRestore();
    const errors = withReuse.logProbs.flatMap((row, i) => row.map((v, k) => Math.abs(v - alone[i]![k]!)));
    expect(Math.max(...errors)).toBeLessThanOrEqual(TOL);
    // The sequences differ after the prefix, so an item read against another's cache would show.
    const yes = alone.map((r) => r[0]!);
    expect(Math.max(...yes) - Math.min(...yes)).toBeGreaterThan(100 * TOL);
  });
});
