/**
 * `CrossEncoderScorer.classify` against the naive float64 reference: single texts laid out by hand
 * as `[CLS] text [SEP]` (segment 0), softmax / sigmoid computed here, not imported from src/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContextLengthError, CrossEncoderScorer, InvalidInputError, InvalidOptionError } from "../../src/index.js";
import { referenceForward, refSigmoid } from "../reference/index.js";
import { CLS, DOCS, LONG_DOC, SEP, maxAbsDiff, modelDir, rawIds, weightsOf } from "./helpers.js";

const TOL = 1e-4;
const TEXTS = DOCS.filter((d) => d !== LONG_DOC).slice(0, 4);

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

const single = (ids: number[]) => ({ inputIds: [CLS, ...ids, SEP], tokenTypeIds: Array(ids.length + 2).fill(0) });

describe("classify on a 3-label sequence classifier", () => {
  let scorer: CrossEncoderScorer;
  let ids: (t: string) => number[];
  const weights = weightsOf("cross-encoder-3labels");
  const refLogits = (t: string) => referenceForward(weights, single(ids(t))).labelLogits as number[];

  beforeAll(async () => {
    const dir = await modelDir("cross-encoder-3labels");
    scorer = await CrossEncoderScorer.fromPretrained(dir, { threads: 1 });
    ids = rawIds(dir);
  });
  afterAll(() => scorer.close());

  it("probs are the softmax of the reference logits; label is id2label of the argmax", async () => {
    const { classifications, usage } = await scorer.classify(TEXTS);
    let err = 0;
    classifications.forEach((c, i) => {
      const logits = refLogits(TEXTS[i] as string);
      err = Math.max(err, maxAbsDiff(c.logits, logits), maxAbsDiff(c.probs, softmax(logits)));
      const best = logits.indexOf(Math.max(...logits));
      expect(c.index).toBe(best);
      expect(c.label).toBe(["NEG", "NEU", "POS"][best]);
      expect(c.tokens).toBe(ids(TEXTS[i] as string).length + 2);
    });
    console.log(`[parity] classify 3 labels max abs error: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
    // The fixture must be sensitive: probabilities far from uniform and different per text.
    for (const c of classifications) expect(Math.max(...c.probs) - Math.min(...c.probs)).toBeGreaterThan(0.05);
    const spread = Math.max(...classifications.map((c) => c.probs[0]!)) - Math.min(...classifications.map((c) => c.probs[0]!));
    expect(spread).toBeGreaterThan(0.01);
    expect(usage.promptTokens).toBe(classifications.reduce((n, c) => n + c.tokens, 0));
  });

  it("activation: false returns the raw logits", async () => {
    const [c] = (await scorer.classify([TEXTS[0] as string], { activation: false })).classifications;
    expect(maxAbsDiff(c!.probs, refLogits(TEXTS[0] as string))).toBeLessThanOrEqual(TOL);
  });

  it("classifySequences runs token ids as given and equals classify of the same text", async () => {
    const text = TEXTS[1] as string;
    const byText = (await scorer.classify([text])).classifications[0]!;
    const byIds = (await scorer.classifySequences([[CLS, ...ids(text), SEP]])).classifications[0]!;
    expect(maxAbsDiff(byIds.probs, byText.probs)).toBeLessThanOrEqual(1e-6);
    // Without the special tokens the model sees a different sequence.
    const bare = (await scorer.classifySequences([ids(text)])).classifications[0]!;
    expect(maxAbsDiff(bare.logits, referenceForward(weights, { inputIds: ids(text) }).labelLogits as number[])).toBeLessThanOrEqual(TOL);
  });

  it("truncates long texts to the model's limit, or throws with truncate: false", async () => {
    const [c] = (await scorer.classify([LONG_DOC])).classifications;
    const kept = ids(LONG_DOC).slice(0, scorer.maxLength - 2);
    expect(c!.tokens).toBe(scorer.maxLength);
    expect(maxAbsDiff(c!.probs, softmax(referenceForward(weights, single(kept)).labelLogits as number[]))).toBeLessThanOrEqual(TOL);
    await expect(scorer.classify([LONG_DOC], { truncate: false })).rejects.toThrow(ContextLengthError);
  });

  it("refuses bad input and options with typed errors", async () => {
    await expect(scorer.classify(["ok", 3 as unknown as string])).rejects.toThrow(InvalidInputError);
    await expect(scorer.classifySequences([[]])).rejects.toThrow(/sequences\[0\] must be a non-empty list/);
    await expect(scorer.classifySequences([Array(scorer.maxLength + 1).fill(CLS)])).rejects.toThrow(ContextLengthError);
    await expect(scorer.classify(["x"], { instruction: "no" } as never)).rejects.toThrow(InvalidOptionError);
    await expect(scorer.classifySequences([[CLS, SEP]], { truncatePromptTokens: 3 })).rejects.toThrow(InvalidOptionError);
  });
});

describe("classify on a one-label cross-encoder", () => {
  it("probs is [sigmoid(logit)] even when the score activation is Identity", async () => {
    const dir = await modelDir("cross-encoder-identity");
    const scorer = await CrossEncoderScorer.fromPretrained(dir, { threads: 1 });
    const ids = rawIds(dir);
    try {
      const [c] = (await scorer.classify([TEXTS[0] as string])).classifications;
      const logit = referenceForward(weightsOf("cross-encoder-identity"), single(ids(TEXTS[0] as string))).logits as number;
      expect(c!.probs).toHaveLength(1);
      expect(Math.abs(c!.probs[0]! - refSigmoid(logit))).toBeLessThanOrEqual(TOL);
      expect(c!.label).toBe("LABEL_0");
    } finally {
      await scorer.close();
    }
  });
});
