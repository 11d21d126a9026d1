/**
 * The family skeleton carries a family it has never seen. `ToySparse` below is SPLADE's shape
 * (log1p(relu(x)) max-pooled over the tokens, scored by a dot product), read from the hidden
 * states of the tiny bi-encoder fixture instead of a MaskedLM's logits, and written as a new
 * family is: its loading, its encoding, its head and its pair scoring, nothing else. Scores,
 * usage, deduplication, progress, abort and close come from the skeleton and are checked against
 * the float64 reference forward pass.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, RerankKitError } from "../../src/index.js";
import { loadModelFiles } from "../../src/local/files/model-files.js";
import { openLocalParts, type LocalParts } from "../../src/local/family/open-parts.js";
import { LocalScorerBase, type BatchCall } from "../../src/local/local-scorer-base.js";
import { encodeSingle } from "../../src/local/tokenization/pair-encoder.js";
import { scoreSeparately, type Encoded } from "../../src/scoring/pair-usage.js";
import type { Pairs } from "../../src/scoring/pairing.js";
import type { ScoreOptions, ScoreResponse } from "../../src/types.js";
import { referenceForward } from "../reference/index.js";
import { CLS, SEP, modelDir, rawIds, weightsOf } from "./helpers.js";

/** A whole family over the skeleton. */
class ToySparse extends LocalScorerBase {
  readonly scoreType = "bi-encoder" as const;

  private constructor(parts: LocalParts) {
    super(parts, { outputs: ["last_hidden_state", "token_embeddings"] });
  }

  static async fromFolder(dir: string): Promise<ToySparse> {
    return new ToySparse(await openLocalParts(await loadModelFiles(dir), { maxBatchSize: 2, threads: 1 }));
  }

  /** Encoding: `[CLS] text [SEP]`. Head: per hidden unit, the max over real tokens of log1p(relu(x)). */
  async embedSparse(texts: string[], call: BatchCall = {}): Promise<Encoded<Float32Array>> {
    this.checkTexts(texts);
    const sequences = texts.map((t) => encodeSingle(this.tokenizer, this.tokenizer.encode(t), this.maxLength, {}));
    const values = await this.runBatches(sequences, call, ({ output, row, seq, mask }) => {
      const hidden = output.dims[2] as number;
      const v = new Float32Array(hidden);
      for (let t = 0; t < seq; t++) {
        if (mask[row * seq + t] === 0n) continue;
        for (let h = 0; h < hidden; h++) v[h] = Math.max(v[h] as number, Math.log1p(Math.max(0, output.data[(row * seq + t) * hidden + h] as number)));
      }
      return v;
    });
    return { values, tokens: sequences.map((s) => s.ids.length) };
  }

  protected scorePairs(pairs: Pairs<string>, options: ScoreOptions): Promise<ScoreResponse> {
    return scoreSeparately(pairs, {
      encode: (texts, kind) => this.embedSparse(texts, kind === "document" ? options : {}),
      compare: (q, docs) => docs.map((d) => d.reduce((s, x, h) => s + x * (q[h] as number), 0)),
    });
  }
}

const QUERY = "where do rivers meet the sea";
// Different lengths, so a batch pads its shorter rows and the head must skip them.
const DOCS = ["rivers meet the sea at an estuary", "the sea", "mountains rise above the clouds in the north of the country", "rivers"];
const TOLERANCE = 1e-4;

describe("a new family over the skeleton (SPLADE's shape)", () => {
  let dir: string;
  let model: ToySparse;
  let reference: (text: string, pool?: "max" | "mean") => number[];
  beforeAll(async () => {
    dir = await modelDir("bi-encoder-mean");
    model = await ToySparse.fromFolder(dir);
    const ids = rawIds(dir);
    const weights = weightsOf("bi-encoder-mean");
    reference = (text, pool = "max") => {
      const hidden = referenceForward(weights, { inputIds: [CLS, ...ids(text), SEP] }).lastHiddenState;
      const act = hidden.map((row) => row.map((x) => Math.log1p(Math.max(0, x))));
      return act[0]!.map((_, h) => (pool === "max" ? Math.max(...act.map((r) => r[h]!)) : act.reduce((s, r) => s + r[h]!, 0) / act.length));
    };
  });
  afterAll(() => model.close());

  const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

  it("scores every pair as the float64 reference does, in pair order", async () => {
    const q = reference(QUERY);
    const expected = DOCS.map((d) => dot(q, reference(d)));
    const got = await model.score(QUERY, DOCS);
    got.forEach((s, i) => expect(Math.abs(s - expected[i]!)).toBeLessThan(TOLERANCE * Math.max(1, Math.abs(expected[i]!))));
    // Sensitive: the documents' scores lie far apart, and mean pooling (a wrong head) moves them far.
    const gaps = expected.flatMap((a, i) => expected.slice(i + 1).map((b) => Math.abs(a - b)));
    expect(Math.min(...gaps)).toBeGreaterThan(100 * TOLERANCE);
    const mean = DOCS.map((d) => dot(reference(QUERY, "mean"), reference(d, "mean")));
    expect(Math.max(...mean.map((m, i) => Math.abs(m - expected[i]!)))).toBeGreaterThan(100 * TOLERANCE);
  });

  it("encodes each distinct text once, reports progress and counts usage as vLLM", async () => {
    const ids = rawIds(dir);
    const docs = [DOCS[0]!, DOCS[1]!, DOCS[0]!, DOCS[1]!, DOCS[3]!];
    const progress: { done: number; total: number }[] = [];
    const response = await model.scoreWithUsage(QUERY, docs, { onProgress: (p) => void progress.push(p) });
    // Three distinct documents, batches of two.
    expect(progress).toEqual([
      { done: 2, total: 3 },
      { done: 3, total: 3 },
    ]);
    const q = ids(QUERY).length + 2;
    expect(response.pairTokens).toEqual(docs.map((d) => q + 1 + ids(d).length + 2));
    expect(response.usage.promptTokens).toBe(response.pairTokens!.reduce((a, b) => a + b, 0));
    expect(response.scores[2]).toBe(response.scores[0]);
  });

  it("refuses bad input, honours abort and refuses work once closed", async () => {
    await expect(model.score(QUERY, [1 as never])).rejects.toThrow(/documents\[0\] must be a string/);
    await expect(model.score(QUERY, DOCS, { maxTokensPerDoc: 3 })).rejects.toThrow(/maxTokensPerDoc/);
    const controller = new AbortController();
    controller.abort();
    await expect(model.score(QUERY, DOCS, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    const other = await ToySparse.fromFolder(dir);
    await other.close();
    await expect(other.score(QUERY, DOCS)).rejects.toBeInstanceOf(RerankKitError);
  });
});
