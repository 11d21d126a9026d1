/**
 * Per-call truncation options of the local scorers, each checked against a token window built by
 * hand from the library tokenizer and scored by the float64 reference (nothing from src/ builds
 * the expected side). Every case also checks that the option moves the score, so an ignored
 * option fails.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CrossEncoderScorer, LateInteractionScorer } from "../../src/index.js";
import { PUNCTUATION } from "../fixtures/index.js";
import { referenceForward, refL2Normalize, refMaxSim, refSigmoid } from "../reference/index.js";
import { CLS, DOCS, LONG_DOC, MASK, QUERY, SEP, UNUSED0, UNUSED1, modelDir, rawIds, weightsOf } from "./helpers.js";

const TOL = 1e-4;
const MOVES = 100 * TOL;

describe("cross-encoder per-call truncation options", () => {
  let scorer: CrossEncoderScorer;
  let ids: (t: string) => number[];
  const weights = weightsOf("cross-encoder");
  /** Sigmoid of the reference logit of a hand-built [CLS] q [SEP] d [SEP] window (or a slice of it). */
  const ref = (inputIds: number[], tokenTypeIds: number[]) => refSigmoid(referenceForward(weights, { inputIds, tokenTypeIds }).logits as number);
  const pair = (q: number[], d: number[]) => ({
    inputIds: [CLS, ...q, SEP, ...d, SEP],
    tokenTypeIds: [...Array<number>(q.length + 2).fill(0), ...Array<number>(d.length + 1).fill(1)],
  });
  const refPair = (q: number[], d: number[]) => {
    const p = pair(q, d);
    return ref(p.inputIds, p.tokenTypeIds);
  };

  beforeAll(async () => {
    const dir = await modelDir("cross-encoder");
    scorer = await CrossEncoderScorer.fromPretrained(dir);
    ids = rawIds(dir);
  });

  it("maxTokensPerQuery keeps the first N query tokens", async () => {
    const doc = DOCS[1] as string;
    const [score] = await scorer.score(QUERY, doc, { maxTokensPerQuery: 3 });
    const expected = refPair(ids(QUERY).slice(0, 3), ids(doc));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(expected - refPair(ids(QUERY), ids(doc)))).toBeGreaterThan(MOVES);
  });

  it("maxTokensPerDoc keeps the first N document tokens of a long document", async () => {
    const [score] = await scorer.score(QUERY, LONG_DOC, { maxTokensPerDoc: 12 });
    const expected = refPair(ids(QUERY), ids(LONG_DOC).slice(0, 12));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(expected - refPair(ids(QUERY), ids(LONG_DOC).slice(0, 118)))).toBeGreaterThan(MOVES);
  });

  it("truncatePromptTokens cuts the pair to N tokens longest-first (7 + 10 + 3 = 20)", async () => {
    const q = ids(QUERY);
    expect(q.length).toBe(7);
    const [score] = await scorer.score(QUERY, LONG_DOC, { truncatePromptTokens: 20 });
    const expected = refPair(q, ids(LONG_DOC).slice(0, 10));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(expected - refPair(q, ids(LONG_DOC).slice(0, 118)))).toBeGreaterThan(MOVES);
  });

  it('truncationSide "left" keeps the last N tokens of the rendered pair', async () => {
    const full = pair(ids(QUERY), ids(LONG_DOC));
    const [score] = await scorer.score(QUERY, LONG_DOC, { truncatePromptTokens: 20, truncationSide: "left" });
    // The last 20 positions: the document's last 19 tokens and the final [SEP], all segment 1.
    const window = full.inputIds.slice(-20);
    expect(window).toEqual([...ids(LONG_DOC).slice(-19), SEP]);
    const expected = ref(window, Array<number>(20).fill(1));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(expected - refPair(ids(QUERY), ids(LONG_DOC).slice(0, 10)))).toBeGreaterThan(MOVES);
  });
});

describe.each(["colbert-pylate", "colbert-stanford"])("late-interaction per-call truncation options: %s", (name) => {
  const QUERY_LENGTH = 32;
  const DOC_LENGTH = 64;
  let scorer: LateInteractionScorer;
  let ids: (t: string) => number[];
  let skip: Set<number>;
  const weights = weightsOf(name);
  const vectors = (input: number[], attention: number[], keep: boolean[]) =>
    (referenceForward(weights, { inputIds: input, attentionMask: attention }).projected as number[][]).filter((_, t) => keep[t]).map(refL2Normalize);
  /** [CLS] [unused0] q [SEP] then [MASK] (attention 0) up to `length`. */
  const refQuery = (q: number[], length = QUERY_LENGTH) => {
    const input = [CLS, UNUSED0, ...q, SEP];
    const attention = input.map(() => 1);
    while (input.length < length) {
      input.push(MASK);
      attention.push(0);
    }
    return vectors(input, attention, input.map(() => true));
  };
  /** [CLS] [unused1] d [SEP], punctuation left out of MaxSim. */
  const refDoc = (d: number[]) => {
    const input = [CLS, UNUSED1, ...d, SEP];
    return vectors(input, input.map(() => 1), input.map((id) => !skip.has(id)));
  };
  const full = (text: string, budget: number) => ids(text).slice(0, budget);

  beforeAll(async () => {
    const dir = await modelDir(name);
    scorer = await LateInteractionScorer.fromPretrained(dir, { documentCacheSize: 100 });
    ids = rawIds(dir);
    skip = new Set([...PUNCTUATION].map((c) => ids(c)[0] as number));
  });

  it("maxTokensPerDoc keeps the first N document tokens", async () => {
    const [score] = await scorer.score(QUERY, LONG_DOC, { maxTokensPerDoc: 6 });
    const expected = refMaxSim(refQuery(full(QUERY, 29)), refDoc(ids(LONG_DOC).slice(0, 6)));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    const [untruncated] = await scorer.score(QUERY, LONG_DOC);
    expect(Math.abs((untruncated as number) - expected)).toBeGreaterThan(MOVES);
  });

  it("maxTokensPerQuery keeps the first N query tokens, then expands with [MASK]", async () => {
    const doc = DOCS[1] as string;
    const [score] = await scorer.score(QUERY, doc, { maxTokensPerQuery: 2 });
    const expected = refMaxSim(refQuery(ids(QUERY).slice(0, 2)), refDoc(full(doc, 61)));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    expect(Math.abs(expected - refMaxSim(refQuery(full(QUERY, 29)), refDoc(full(doc, 61))))).toBeGreaterThan(MOVES);
  });

  it("truncatePromptTokens caps each prompt: [CLS] marker 7 tokens [SEP] = 10, expansion included", async () => {
    const [score] = await scorer.score(QUERY, LONG_DOC, { truncatePromptTokens: 10 });
    const expected = refMaxSim(refQuery(ids(QUERY).slice(0, 7), 10), refDoc(ids(LONG_DOC).slice(0, 7)));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    const r = await scorer.scoreWithUsage(QUERY, LONG_DOC, { truncatePromptTokens: 10 });
    expect(r.usage.promptTokens).toBe(10 + 1 + 10);
  });

  it("caches documents per option: a capped call does not answer a later uncapped one", async () => {
    const capped = await scorer.score(QUERY, LONG_DOC, { maxTokensPerDoc: 6 });
    const plain = await scorer.score(QUERY, LONG_DOC);
    const again = await scorer.score(QUERY, LONG_DOC, { maxTokensPerDoc: 6 });
    expect(again).toEqual(capped);
    const expected = refMaxSim(refQuery(full(QUERY, 29)), refDoc(full(LONG_DOC, DOC_LENGTH - 3)));
    expect(Math.abs((plain[0] as number) - expected)).toBeLessThanOrEqual(TOL);
  });

  it('convention "vllm": truncatePromptTokens keeps [CLS] + 8 tokens + [SEP]', async () => {
    const vllm = await LateInteractionScorer.fromPretrained(await modelDir(name), { convention: "vllm" });
    const plainVectors = (t: number[]) => {
      const input = [CLS, ...t, SEP];
      return vectors(input, input.map(() => 1), input.map(() => true));
    };
    const [score] = await vllm.score(QUERY, LONG_DOC, { truncatePromptTokens: 10 });
    const expected = refMaxSim(plainVectors(ids(QUERY)), plainVectors(ids(LONG_DOC).slice(0, 8)));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    await vllm.close();
  });
});
