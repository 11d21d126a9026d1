/**
 * A sequence classifier over the fake tokenizer (test/server/fakes.ts) that records what reaches
 * the model: the token ids of each `/classify` call and the options it was given. Its logits are a
 * test-owned formula of the sequence length, so each test can say which label must win.
 */
import type { Classification, ClassifyOptions, ClassifyResponse } from "../../src/types.js";
import { FakeScorer, fakeTokenize } from "./fakes.js";

/** The fake's labels by class index; the third class has no name in `id2label`. */
export const FAKE_LABELS = ["short", "long", undefined] as const;

/** The fake's logits of a sequence of `n` tokens: "long" wins from 5 tokens, the unnamed class at 1. */
export function fakeClassLogits(n: number): number[] {
  return [2, n / 2, n === 1 ? 9 : 0];
}

/** Softmax, written out here so the expected probabilities do not come from the code under test. */
export function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** The token ids the fake tokenizer gives `text` (whitespace words; `[CLS]`/`[SEP]` when asked). */
export function ids(text: string, addSpecialTokens = false): number[] {
  return fakeTokenize(text, addSpecialTokens).ids;
}

/**
 * A cross-encoder-like fake that is also a three-label classifier and declares model files
 * (`tokenizer_config.json` as given), as a local model does.
 */
export class RecordingClassifier extends FakeScorer {
  readonly labels: readonly (string | undefined)[] = FAKE_LABELS;
  readonly modelConfig = {};
  readonly sentenceTransformersPrompts = {};
  /** Each `classifySequences` call: the sequences and the options as received. */
  readonly runs: Array<{ sequences: number[][]; options: ClassifyOptions }> = [];

  constructor(readonly tokenizerConfig: Record<string, unknown> = {}) {
    super({ maxLength: 64 });
  }

  /** Not used by the server (it renders prompts itself); present because the contract has it. */
  async classify(texts: string[], options: ClassifyOptions = {}): Promise<ClassifyResponse> {
    return this.classifySequences(texts.map((t) => fakeTokenize(t).ids), options);
  }

  async classifySequences(sequences: number[][], options: ClassifyOptions = {}): Promise<ClassifyResponse> {
    this.runs.push({ sequences: sequences.map((s) => [...s]), options: { ...options } });
    // Defaults filled by spread, as many classifiers do: an option the server passes as an
    // explicit `undefined` would turn the activation off here.
    const { activation } = { activation: true, ...options };
    const classifications = sequences.map((s): Classification => {
      const logits = fakeClassLogits(s.length);
      const probs = activation ? softmax(logits) : logits;
      const index = probs.indexOf(Math.max(...probs));
      return { logits, probs, index, label: this.labels[index], tokens: s.length };
    });
    const total = sequences.reduce((n, s) => n + s.length, 0);
    return { classifications, usage: { promptTokens: total, totalTokens: total } };
  }
}
