import { beforeAll, describe, expect, it } from "vitest";
import { ContextLengthError, CrossEncoderScorer, InvalidInputError, ModelLoadError } from "../../src/index.js";
import { referenceForward, refSigmoid } from "../reference/index.js";
import { CLS, DOCS, LONG_DOC, QUERY, SEP, maxAbsDiff, modelDir, rawIds, weightsOf } from "./helpers.js";

/** Parity tolerance for fp32 (ORT vs float64 reference). */
const TOL = 1e-4;

/** BERT pair layout by hand: [CLS] q [SEP] d [SEP], segment 1 on `d [SEP]`. */
function bertPair(q: number[], d: number[]) {
  return {
    inputIds: [CLS, ...q, SEP, ...d, SEP],
    tokenTypeIds: [...Array(q.length + 2).fill(0), ...Array(d.length + 1).fill(1)],
  };
}

describe("cross-encoder parity with the naive reference", () => {
  let dir: string;
  let scorer: CrossEncoderScorer;
  let ids: (t: string) => number[];
  const weights = weightsOf("cross-encoder");
  const refLogit = (q: number[], d: number[]) => referenceForward(weights, bertPair(q, d)).logits as number;

  beforeAll(async () => {
    dir = await modelDir("cross-encoder");
    scorer = await CrossEncoderScorer.fromPretrained(dir);
    ids = rawIds(dir);
  });

  it("scores 1:N mixed-length pairs within 1e-4 of sigmoid(reference logit)", async () => {
    const short = DOCS.filter((d) => d !== LONG_DOC);
    const scores = await scorer.score(QUERY, short);
    const expected = short.map((d) => refSigmoid(refLogit(ids(QUERY), ids(d))));
    const err = maxAbsDiff(scores, expected);
    console.log(`[parity] cross-encoder fp32 max abs error (short pairs): ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
  });

  it("truncates a long pair longest-first, keeping the final [SEP]", async () => {
    const q = ids(QUERY);
    const d = ids(LONG_DOC);
    // model_max_length 128, 3 special tokens -> 125 text tokens. The query (7 tokens) is shorter
    // than half of that, so only the document is cut, to 125 - 7 = 118 tokens.
    expect(q.length).toBe(7);
    expect(d.length).toBeGreaterThan(118);
    const expected = refSigmoid(refLogit(q, d.slice(0, 118)));
    const [score] = await scorer.score(QUERY, LONG_DOC);
    console.log(`[parity] cross-encoder fp32 max abs error (truncated pair): ${Math.abs((score as number) - expected).toExponential(2)}`);
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
  });

  it("cuts both texts when both are long (query keeps floor(125/2), document ceil)", async () => {
    const longQuery = LONG_DOC.split(" ").slice(0, 90).join(" ");
    const q = ids(longQuery);
    const d = ids(LONG_DOC);
    expect(q.length).toBeGreaterThan(63);
    expect(d.length).toBeGreaterThan(q.length);
    const expected = refSigmoid(refLogit(q.slice(0, 62), d.slice(0, 63)));
    const [score] = await scorer.score(longQuery, LONG_DOC);
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
  });

  it("scores N:N zipped pairs in pair order, as if each were scored alone", async () => {
    const queries = DOCS.map((_, i) => (i % 2 ? QUERY : "largest city in germany"));
    const batched = await scorer.score(queries, DOCS);
    const alone = await Promise.all(DOCS.map(async (d, i) => (await scorer.score(queries[i] as string, d))[0] as number));
    expect(maxAbsDiff(batched, alone)).toBeLessThanOrEqual(1e-5);
    const expected = DOCS.map((d, i) => {
      const q = ids(queries[i] as string);
      let dd = ids(d);
      if (q.length + dd.length > 125) dd = dd.slice(0, 125 - q.length);
      return refSigmoid(refLogit(q, dd));
    });
    expect(maxAbsDiff(batched, expected)).toBeLessThanOrEqual(TOL);
  });

  it("returns raw logits with activation: false (vLLM use_activation)", async () => {
    const raw = await scorer.score(QUERY, DOCS.slice(0, 3), { activation: false });
    const expected = DOCS.slice(0, 3).map((d) => refLogit(ids(QUERY), ids(d)));
    expect(maxAbsDiff(raw, expected)).toBeLessThanOrEqual(TOL);
  });

  it("is sensitive: a dropped final [SEP] or zeroed token types move the logit by > 100x the tolerance", () => {
    for (const doc of DOCS.slice(0, 3)) {
      const pair = bertPair(ids(QUERY), ids(doc));
      const good = referenceForward(weights, pair).logits as number;
      const noSep = referenceForward(weights, { inputIds: pair.inputIds.slice(0, -1), tokenTypeIds: pair.tokenTypeIds.slice(0, -1) }).logits as number;
      const noTypes = referenceForward(weights, { inputIds: pair.inputIds }).logits as number;
      expect(Math.abs(good - noSep)).toBeGreaterThan(100 * TOL);
      expect(Math.abs(good - noTypes)).toBeGreaterThan(100 * TOL);
    }
  });

  it("documents of different content get clearly different scores on the parity fixture", async () => {
    const scores = await scorer.score(QUERY, DOCS);
    expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThan(100 * TOL);
  });

  it("honors maxTokensPerDoc (only the document is cut)", async () => {
    const [score] = await scorer.score(QUERY, DOCS[1] as string, { maxTokensPerDoc: 4 });
    const expected = refSigmoid(refLogit(ids(QUERY), ids(DOCS[1] as string).slice(0, 4)));
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
  });

  it("throws ContextLengthError with vLLM's message when truncate is false", async () => {
    await expect(scorer.score(QUERY, LONG_DOC, { truncate: false })).rejects.toThrow(ContextLengthError);
    await expect(scorer.score(QUERY, LONG_DOC, { truncate: false })).rejects.toThrow(/Please reduce the length of the input prompt/);
    await expect(scorer.score(QUERY, DOCS[0] as string, { truncate: false })).resolves.toHaveLength(1);
  });

  it("rejects truncatePromptTokens above the model limit with vLLM's message", async () => {
    await expect(scorer.score(QUERY, LONG_DOC, { truncatePromptTokens: 129 })).rejects.toThrow(/Please request a smaller truncation size/);
  });

  it("counts usage as the tokens of each pair prompt", async () => {
    const r = await scorer.scoreWithUsage(QUERY, [DOCS[0] as string, DOCS[2] as string]);
    const expected = [DOCS[0], DOCS[2]].reduce((n, d) => n + ids(QUERY).length + ids(d as string).length + 3, 0);
    expect(r.usage).toEqual({ promptTokens: expected, totalTokens: expected });
  });

  it("rejects bad input with typed errors that name the problem", async () => {
    await expect(scorer.score(QUERY, ["ok", null as unknown as string])).rejects.toThrow(/documents\[1\] must be a string, got null/);
    await expect(scorer.score([QUERY, QUERY], ["only one"])).rejects.toThrow(/Input lengths must be either 1:1, 1:N or N:N/);
    await expect(scorer.score(QUERY, [])).rejects.toThrow(InvalidInputError);
    await expect(scorer.rerank(QUERY, [])).rejects.toThrow("At least one text_pair element must be given");
  });

  it("reranks with index into the caller's list, sorted, cut to topN", async () => {
    const scores = await scorer.score(QUERY, DOCS);
    const ranked = await scorer.rerank(QUERY, DOCS, { topN: 3 });
    const order = scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s).map((x) => x.i);
    expect(ranked.map((r) => r.index)).toEqual(order.slice(0, 3));
    expect(ranked[0]?.document).toBe(DOCS[order[0] as number]);
  });
});

describe("cross-encoder model variants", () => {
  it("uses Identity from config.sentence_transformers.activation_fn (raw logits)", async () => {
    const dir = await modelDir("cross-encoder-identity");
    const s = await CrossEncoderScorer.fromPretrained(dir);
    const ids = rawIds(dir);
    const [score] = await s.score(QUERY, DOCS[0] as string);
    const logit = referenceForward(weightsOf("cross-encoder-identity"), bertPair(ids(QUERY), ids(DOCS[0] as string))).logits as number;
    expect(s.activation.activation).toBe("identity");
    expect(Math.abs((score as number) - logit)).toBeLessThanOrEqual(TOL);
  });

  it("uses Identity from the legacy sbert_ce_default_activation_function key", async () => {
    const s = await CrossEncoderScorer.fromPretrained(await modelDir("cross-encoder-legacy-identity"));
    expect(s.activation).toEqual({ activation: "identity", source: "config.sbert_ce_default_activation_function" });
  });

  it("lets an explicit activation option win over the config", async () => {
    const s = await CrossEncoderScorer.fromPretrained(await modelDir("cross-encoder-identity"), { activation: "sigmoid" });
    expect(s.activation.activation).toBe("sigmoid");
  });

  it("builds the RoBERTa/XLM-R pair layout (<s> q </s></s> d </s>, no token types)", async () => {
    const dir = await modelDir("cross-encoder-roberta");
    const s = await CrossEncoderScorer.fromPretrained(dir);
    const ids = rawIds(dir);
    const q = ids(QUERY);
    const d = ids(DOCS[1] as string);
    const logit = referenceForward(weightsOf("cross-encoder-roberta"), { inputIds: [CLS, ...q, SEP, SEP, ...d, SEP] }).logits as number;
    const [score] = await s.score(QUERY, DOCS[1] as string);
    expect(Math.abs((score as number) - refSigmoid(logit))).toBeLessThanOrEqual(TOL);
    // 4 special tokens: the long document is cut to 128 - 4 - 7 = 117 tokens.
    const long = refSigmoid(referenceForward(weightsOf("cross-encoder-roberta"), { inputIds: [CLS, ...q, SEP, SEP, ...ids(LONG_DOC).slice(0, 117), SEP] }).logits as number);
    const [longScore] = await s.score(QUERY, LONG_DOC);
    expect(Math.abs((longScore as number) - long)).toBeLessThanOrEqual(TOL);
  });

  it("loads the int8 weights with dtype q8, close to fp32", async () => {
    const dir = await modelDir("cross-encoder-q8");
    const q8 = await CrossEncoderScorer.fromPretrained(dir, { dtype: "q8" });
    const fp32 = await CrossEncoderScorer.fromPretrained(dir);
    const a = await q8.score(QUERY, DOCS);
    const b = await fp32.score(QUERY, DOCS);
    const err = maxAbsDiff(a, b);
    console.log(`[parity] cross-encoder q8 vs fp32 max abs difference: ${err.toExponential(2)}`);
    expect(err).toBeGreaterThan(0); // really the quantized graph
    expect(err).toBeLessThan(0.1);
  });

  it("names the missing file when a dtype has no weights", async () => {
    const dir = await modelDir("cross-encoder");
    await expect(CrossEncoderScorer.fromPretrained(dir, { dtype: "fp16" })).rejects.toThrow(ModelLoadError);
    await expect(CrossEncoderScorer.fromPretrained(dir, { dtype: "fp16" })).rejects.toThrow(/onnx\/model_fp16\.onnx does not exist/);
  });
});

describe("only_second truncation", () => {
  it("cuts only the document, even when the query is long", async () => {
    const dir = await modelDir("cross-encoder");
    const scorer = await CrossEncoderScorer.fromPretrained(dir);
    const ids = rawIds(dir);
    const longQuery = LONG_DOC.split(" ").slice(0, 70).join(" ");
    const q = ids(longQuery);
    expect(q.length).toBeGreaterThan(63); // longest_first would have cut it
    const expected = refSigmoid(referenceForward(weightsOf("cross-encoder"), bertPair(q, ids(LONG_DOC).slice(0, 125 - q.length))).logits as number);
    const [score] = await scorer.score(longQuery, LONG_DOC, { truncationStrategy: "only_second" });
    expect(Math.abs((score as number) - expected)).toBeLessThanOrEqual(TOL);
    await expect(scorer.score(LONG_DOC + " " + LONG_DOC, "x", { truncationStrategy: "only_second" })).rejects.toThrow(/exceeds the 128-token limit/);
  });
});

describe("score templates on an encoder cross-encoder (vLLM --chat-template)", () => {
  it("renders the pair into one text, scored as [CLS] text [SEP] with segment 0 (nemotron-style)", async () => {
    const dir = await modelDir("cross-encoder");
    const ids = rawIds(dir);
    const weights = weightsOf("cross-encoder");
    const scorer = await CrossEncoderScorer.fromPretrained(dir, { chatTemplate: "nemotron-rerank" });
    try {
      expect(scorer.template?.name).toBe("nemotron-rerank");
      const docs = DOCS.filter((d) => d !== LONG_DOC);
      const raw = await scorer.score(QUERY, docs, { activation: false });
      const expected = docs.map((d) => {
        const text = ids(`question:${QUERY} \n \n passage:${d}`);
        return referenceForward(weights, { inputIds: [CLS, ...text, SEP], tokenTypeIds: Array(text.length + 2).fill(0) }).logits as number;
      });
      expect(maxAbsDiff(raw, expected)).toBeLessThanOrEqual(TOL);
      // Sensitivity: the same texts as a [CLS] q [SEP] d [SEP] pair score differently.
      const pair = await CrossEncoderScorer.fromPretrained(dir);
      const plain = await pair.score(QUERY, docs, { activation: false });
      await pair.close();
      expect(maxAbsDiff(raw, plain)).toBeGreaterThan(100 * TOL);
    } finally {
      await scorer.close();
    }
  });
});
