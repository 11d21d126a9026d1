/**
 * A `loadScorer` for the worker capability tests: a fake that embeds and also classifies (as
 * some models do), with a test-owned formula for both.
 */
import type { Classification, ClassifyOptions, ClassifyResponse } from "../../src/types.js";
import { FakeBiEncoder, fakeTokenize, type FakeOptions } from "./fakes.js";

/** The fake classifier's logits of a text: [word count, vowel count]. */
export function fakeLogits(text: string): number[] {
  return [text.split(/\s+/).filter(Boolean).length, (text.match(/[aeiou]/g) ?? []).length];
}

/** A bi-encoder fake that is also a two-label classifier (softmax unless `activation: false`). */
export class FakeEmbeddingClassifier extends FakeBiEncoder {
  readonly labels = ["words", "vowels"] as const;

  async classify(texts: string[], options: ClassifyOptions = {}): Promise<ClassifyResponse> {
    const classifications = texts.map((t): Classification => {
      const logits = fakeLogits(t);
      const exp = logits.map((x) => Math.exp(x));
      const sum = exp.reduce((a, b) => a + b, 0);
      const probs = options.activation === false ? logits : exp.map((x) => x / sum);
      const index = probs.indexOf(Math.max(...probs));
      return { logits, probs, index, label: this.labels[index], tokens: fakeTokenize(t).ids.length };
    });
    const total = classifications.reduce((n, c) => n + c.tokens, 0);
    return { classifications, usage: { promptTokens: total, totalTokens: total } };
  }

  async classifySequences(sequences: number[][], options: ClassifyOptions = {}): Promise<ClassifyResponse> {
    return this.classify(sequences.map((s) => s.map(String).join(" ")), options);
  }
}

export async function loadScorer(_idOrPath: string, options: FakeOptions): Promise<FakeEmbeddingClassifier> {
  return new FakeEmbeddingClassifier(options);
}
