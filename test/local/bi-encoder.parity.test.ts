import { beforeAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, InvalidInputError } from "../../src/index.js";
import { referenceForward, refClsPool, refCosine, refDense, refL2Normalize, refLastTokenPool, refMaxPool, refMeanPool } from "../reference/index.js";
import { CLS, DOCS, LONG_DOC, QUERY, SEP, maxAbsDiff, modelDir, rawIds, weightsOf } from "./helpers.js";

const TOL = 1e-4;
const MAX_TEXT = 128 - 2; // max_seq_length 128 minus [CLS] and [SEP]

type Pool = "mean" | "cls" | "lasttoken";

/** Reference embedding: [CLS] text [SEP] cut to the limit, naive forward, pooling, optional L2. */
function reference(name: string, ids: (t: string) => number[], text: string, pool: Pool, normalize: boolean): number[] {
  const inputIds = [CLS, ...ids(text).slice(0, MAX_TEXT), SEP];
  const hidden = referenceForward(weightsOf(name), { inputIds }).lastHiddenState;
  const mask = inputIds.map(() => 1);
  const v = pool === "mean" ? refMeanPool(hidden, mask) : pool === "cls" ? refClsPool(hidden) : refLastTokenPool(hidden, mask);
  return normalize ? refL2Normalize(v) : v;
}

describe.each([
  ["bi-encoder-mean", "mean", true],
  ["bi-encoder-cls", "cls", false],
  ["bi-encoder-lasttoken", "lasttoken", true],
] as const)("bi-encoder parity: %s", (name, pool, normalize) => {
  let scorer: BiEncoderScorer;
  let ids: (t: string) => number[];
  let prefix: { query: string; document: string };

  beforeAll(async () => {
    const dir = await modelDir(name);
    scorer = await BiEncoderScorer.fromPretrained(dir);
    ids = rawIds(dir);
    prefix = name === "bi-encoder-mean" ? { query: "query: ", document: "passage: " } : { query: "", document: "" };
  });

  it(`reads ${pool} pooling and Normalize=${normalize} from the sentence-transformers files`, () => {
    expect(scorer.pipeline.pooling).toBe(pool);
    expect(scorer.pipeline.normalize).toBe(normalize);
    expect(scorer.prefixes).toEqual(prefix);
  });

  it("embeds mixed-length documents (one truncated) within 1e-4 of the reference, in input order", async () => {
    const got = await scorer.embed(DOCS);
    let err = 0;
    DOCS.forEach((d, i) => {
      err = Math.max(err, maxAbsDiff(got[i] as Float32Array, reference(name, ids, prefix.document + d, pool, normalize)));
    });
    console.log(`[parity] ${name} fp32 max abs error (embeddings): ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
  });

  it("uses the query prompt for kind: query", async () => {
    const [q] = await scorer.embed([QUERY], { kind: "query" });
    expect(maxAbsDiff(q as Float32Array, reference(name, ids, prefix.query + QUERY, pool, normalize))).toBeLessThanOrEqual(TOL);
  });

  it("scores pairs as the cosine of the reference embeddings", async () => {
    const scores = await scorer.score(QUERY, DOCS);
    const q = reference(name, ids, prefix.query + QUERY, pool, normalize);
    const expected = DOCS.map((d) => refCosine(q, reference(name, ids, prefix.document + d, pool, normalize)));
    const err = maxAbsDiff(scores, expected);
    console.log(`[parity] ${name} fp32 max abs error (cosine scores): ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
  });
});

describe("bi-encoder features", () => {
  let scorer: BiEncoderScorer;
  let ids: (t: string) => number[];
  beforeAll(async () => {
    const dir = await modelDir("bi-encoder-mean");
    scorer = await BiEncoderScorer.fromPretrained(dir);
    ids = rawIds(dir);
  });

  it("is sensitive: mean pooling over padding moves the embedding by > 100x the tolerance", () => {
    const text = "passage: " + (DOCS[0] as string);
    const real = [CLS, ...ids(text), SEP];
    const padded = [...real, 0, 0, 0, 0, 0, 0];
    const mask = [...real.map(() => 1), 0, 0, 0, 0, 0, 0];
    const hidden = referenceForward(weightsOf("bi-encoder-mean"), { inputIds: padded, attentionMask: mask }).lastHiddenState;
    const right = refMeanPool(hidden, mask);
    const wrong = refMeanPool(hidden, padded.map(() => 1));
    expect(maxAbsDiff(refL2Normalize(right), refL2Normalize(wrong))).toBeGreaterThan(100 * TOL);
  });

  it("is sensitive: a missing prompt moves the embedding by > 100x the tolerance", () => {
    const a = reference("bi-encoder-mean", ids, "query: " + QUERY, "mean", true);
    const b = reference("bi-encoder-mean", ids, QUERY, "mean", true);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(100 * TOL);
  });

  it("truncates Matryoshka dimensions then re-normalizes", async () => {
    const [v] = await scorer.embed([DOCS[1] as string], { dimensions: 8 });
    const inputIds = [CLS, ...ids("passage: " + (DOCS[1] as string)), SEP];
    const hidden = referenceForward(weightsOf("bi-encoder-mean"), { inputIds }).lastHiddenState;
    const pooled = refL2Normalize(refMeanPool(hidden, inputIds.map(() => 1)));
    expect(v).toHaveLength(8);
    expect(maxAbsDiff(v as Float32Array, refL2Normalize(pooled.slice(0, 8)))).toBeLessThanOrEqual(TOL);
    await expect(scorer.embed(["x"], { dimensions: 1000 })).rejects.toThrow(/dimensions must be at most 32/);
  });

  it("embeds texts as given with prompt: false", async () => {
    const [v] = await scorer.embed([QUERY], { kind: "query", prompt: false });
    expect(maxAbsDiff(v as Float32Array, reference("bi-encoder-mean", ids, QUERY, "mean", true))).toBeLessThanOrEqual(TOL);
  });

  it("overrides prompts with explicit prefixes", async () => {
    const dir = await modelDir("bi-encoder-mean");
    const custom = await BiEncoderScorer.fromPretrained(dir, { queryPrefix: "", documentPrefix: "" });
    const [v] = await custom.embed([QUERY], { kind: "query" });
    expect(maxAbsDiff(v as Float32Array, reference("bi-encoder-mean", ids, QUERY, "mean", true))).toBeLessThanOrEqual(TOL);
  });

  it("counts embedding usage as the tokens of each text with special tokens", async () => {
    const r = await scorer.embedWithUsage([DOCS[0] as string, DOCS[2] as string]);
    const expected = [DOCS[0], DOCS[2]].reduce((n, d) => n + ids("passage: " + (d as string)).length + 2, 0);
    expect(r.usage.promptTokens).toBe(expected);
  });

  it("throws ContextLengthError for a long text with truncate: false, and names non-string texts", async () => {
    await expect(scorer.embed([LONG_DOC], { truncate: false })).rejects.toThrow(/Please reduce the length of the input prompt/);
    await expect(scorer.embed(["a", 7 as unknown as string])).rejects.toThrow(InvalidInputError);
    await expect(scorer.embed(["a", 7 as unknown as string])).rejects.toThrow("texts[1] must be a string, got number 7");
  });
});

describe("bi-encoder parity: max pooling and a Dense module (bi-encoder-max-dense)", () => {
  const name = "bi-encoder-max-dense";
  const weights = weightsOf(name);
  const dense = weights.dense!;
  let scorer: BiEncoderScorer;
  let ids: (t: string) => number[];

  /** [CLS] text [SEP], naive forward, max over attended tokens, Dense (tanh, bias), L2. */
  function refEmbed(text: string, o: { dense?: boolean; bias?: boolean } = {}): number[] {
    const inputIds = [CLS, ...ids(text).slice(0, MAX_TEXT), SEP];
    const hidden = referenceForward(weights, { inputIds }).lastHiddenState;
    const pooled = refMaxPool(hidden, inputIds.map(() => 1));
    const v = o.dense === false ? pooled : refDense(dense.weight, o.bias === false ? null : dense.bias, pooled, "tanh");
    return refL2Normalize(v);
  }

  beforeAll(async () => {
    const dir = await modelDir(name);
    scorer = await BiEncoderScorer.fromPretrained(dir);
    ids = rawIds(dir);
  });

  it("reads max pooling, one 32 -> 24 tanh Dense layer and Normalize from modules.json", () => {
    expect(scorer.pipeline.pooling).toBe("max");
    expect(scorer.pipeline.dense.map((d) => [d.inFeatures, d.outFeatures, d.activation, d.bias !== undefined])).toEqual([[32, 24, "tanh", true]]);
    expect(scorer.pipeline.normalize).toBe(true);
  });

  it("embeds a mixed-length batch (padding inside it, one text truncated) within 1e-4 of the reference", async () => {
    const got = await scorer.embed(DOCS);
    let err = 0;
    DOCS.forEach((d, i) => {
      expect(got[i]).toHaveLength(24);
      err = Math.max(err, maxAbsDiff(got[i] as Float32Array, refEmbed(d)));
    });
    console.log(`[parity] ${name} fp32 max abs error (embeddings): ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
  });

  it("scores pairs as the cosine of the reference embeddings", async () => {
    const scores = await scorer.score(QUERY, DOCS);
    const q = refEmbed(QUERY);
    expect(maxAbsDiff(scores, DOCS.map((d) => refCosine(q, refEmbed(d))))).toBeLessThanOrEqual(TOL);
  });

  it("is sensitive: max over padding, a dropped bias or mean instead of max move the embedding by > 100x the tolerance", () => {
    const text = DOCS[2] as string;
    const real = [CLS, ...ids(text), SEP];
    const padded = [...real, 0, 0, 0, 0, 0, 0];
    const mask = [...real.map(() => 1), 0, 0, 0, 0, 0, 0];
    const hidden = referenceForward(weights, { inputIds: padded, attentionMask: mask }).lastHiddenState;
    const embed = (pooled: number[]) => refL2Normalize(refDense(dense.weight, dense.bias, pooled, "tanh"));
    const right = embed(refMaxPool(hidden, mask));
    expect(maxAbsDiff(right, embed(refMaxPool(hidden, padded.map(() => 1))))).toBeGreaterThan(100 * TOL);
    expect(maxAbsDiff(right, embed(refMeanPool(hidden, mask)))).toBeGreaterThan(100 * TOL);
    expect(maxAbsDiff(refEmbed(text), refEmbed(text, { bias: false }))).toBeGreaterThan(100 * TOL);
  });
});
