/**
 * Ported from vLLM's tests/entrypoints/pooling/scoring/test_cross_encoder_online.py (@d015f927),
 * test_bi_encoder_online.py (@bedad8a8), late_interaction/test_late_interaction_online.py
 * (@4c3d0389), test_protocol.py (@5366e9de) and test_utils.py (@d3d0412d), on the tiny generated
 * models. Scores of real models become invariants: a 1:N or N:N score equals the 1:1 score of
 * the same pair, a cross-encoder's sigmoid(raw) equals its activated score, a bi-encoder score
 * is the cosine of the server's own /v1/embeddings vectors, a ColBERT score is the MaxSim of the
 * server's own /pooling token_embed matrices.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalScorer } from "../../../src/local/index.js";
import { post } from "../helpers.js";
import { cosine, maxSim, sigmoid, startShared, tiny } from "./support.js";

const TEXTS_1 = ["What is the capital of France?", "What is the capital of Germany?"];
const TEXTS_2 = ["The capital of France is Paris.", "The capital of Germany is Berlin."];
const QUERY = "What is the capital of France?";
const DOCS = ["The capital of Brazil is Brasilia.", "The capital of France is Paris."];
const DOCS3 = [...DOCS, "Cross-encoder models are neat"];
const INPUT = "This product was excellent and exceeded my expectations";

interface Served {
  url: string;
  model: string;
  scorer: LocalScorer;
  /** The score of one pair as the invariant defines it (independent of the /score code path). */
  reference: (q: string, d: string) => Promise<number>;
  /** Tokens vLLM counts for one pair. */
  pairTokens: (q: string, d: string) => Promise<number>;
}

const scores = (body: { data: { score: number }[] }): number[] => body.data.map((d) => d.score);

/** The score cases every score type shares (vLLM repeats them in each online test file). */
function sharedScoreCases(get: () => Served): void {
  it("test_score_api_queries_str_1_documents_str_1", async () => {
    const s = get();
    const r = await post(`${s.url}/score`, { model: s.model, queries: TEXTS_1[0], documents: TEXTS_2[0] });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^score-/);
    expect(r.body.object).toBe("list");
    expect(r.body.data).toEqual([{ index: 0, object: "score", score: expect.any(Number) }]);
    expect(r.body.data[0].score).toBeCloseTo(await s.reference(TEXTS_1[0]!, TEXTS_2[0]!), 5);
    expect(r.body.usage).toMatchObject({ prompt_tokens: await s.pairTokens(TEXTS_1[0]!, TEXTS_2[0]!), completion_tokens: 0 });
  });

  it("test_score_api_queries_str_1_documents_str_n: 1:N equals each 1:1", async () => {
    const s = get();
    const r = await post(`${s.url}/score`, { model: s.model, queries: TEXTS_1[0], documents: TEXTS_2 });
    expect(r.body.data).toHaveLength(2);
    for (const [i, d] of TEXTS_2.entries()) {
      const one = await post(`${s.url}/score`, { model: s.model, queries: TEXTS_1[0], documents: d });
      expect(r.body.data[i].index).toBe(i);
      expect(r.body.data[i].score).toBeCloseTo(one.body.data[0].score, 5);
      expect(r.body.data[i].score).toBeCloseTo(await s.reference(TEXTS_1[0]!, d), 5);
    }
    const expected = (await s.pairTokens(TEXTS_1[0]!, TEXTS_2[0]!)) + (await s.pairTokens(TEXTS_1[0]!, TEXTS_2[1]!));
    expect(r.body.usage.prompt_tokens).toBe(expected);
  });

  for (const [name, q, d] of [
    ["test_score_api_queries_str_n_documents_str_n", "queries", "documents"],
    ["test_score_api_queries_vs_documents", "queries", "documents"],
    ["test_score_api_queries_vs_items", "queries", "items"],
    ["test_score_api_text_1_vs_text_2", "text_1", "text_2"],
    ["test_score_api_data_1_vs_data_2", "data_1", "data_2"],
  ] as const) {
    it(`${name}: N:N zips pairwise (${q} + ${d})`, async () => {
      const s = get();
      const r = await post(`${s.url}/score`, { model: s.model, [q]: TEXTS_1, [d]: TEXTS_2 });
      expect(r.status).toBe(200);
      expect(r.body.data).toHaveLength(2);
      for (let i = 0; i < 2; i++) expect(r.body.data[i].score).toBeCloseTo(await s.reference(TEXTS_1[i]!, TEXTS_2[i]!), 5);
    });
  }

  it("test_rerank_api_texts: sorted by relevance, indices into the input, documents echoed", async () => {
    const s = get();
    const r = await post(`${s.url}/rerank`, { model: s.model, query: QUERY, documents: DOCS });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^rerank-/);
    expect(r.body.results).toHaveLength(2);
    const byIndex = new Map(r.body.results.map((x: { index: number; relevance_score: number }) => [x.index, x.relevance_score]));
    for (const [i, d] of DOCS.entries()) expect(byIndex.get(i)).toBeCloseTo(await s.reference(QUERY, d), 5);
    expect(r.body.results[0].relevance_score).toBeGreaterThanOrEqual(r.body.results[1].relevance_score);
    for (const x of r.body.results) expect(x.document).toEqual({ text: DOCS[x.index], multi_modal: null });
    expect(Object.keys(r.body).sort()).toEqual(["id", "model", "results", "usage"]);
  });

  it("test_rerank_api_top_n: the first top_n of the full ranking", async () => {
    const s = get();
    const all = await post(`${s.url}/rerank`, { model: s.model, query: QUERY, documents: DOCS3 });
    const r = await post(`${s.url}/rerank`, { model: s.model, query: QUERY, documents: DOCS3, top_n: 2 });
    expect(r.body.results).toHaveLength(2);
    expect(r.body.results.map((x: { index: number }) => x.index)).toEqual(all.body.results.slice(0, 2).map((x: { index: number }) => x.index));
    // Usage counts every document, also those top_n dropped.
    expect(r.body.usage.prompt_tokens).toBe(all.body.usage.prompt_tokens);
  });

  it("test_rerank_api_max_model_len: too long is a 400", async () => {
    const s = get();
    const r = await post(`${s.url}/rerank`, { model: s.model, query: QUERY.repeat(100), documents: DOCS });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain("Please reduce the length of the input prompt");
  });

  it("test_score_api_max_model_len: too long is a 400; truncation over the limit is a 400", async () => {
    const s = get();
    const r = await post(`${s.url}/score`, { model: s.model, queries: QUERY.repeat(20), documents: DOCS });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain("Please reduce the length of the input prompt");
    const t = await post(`${s.url}/score`, {
      model: s.model,
      queries: QUERY.repeat(20),
      documents: DOCS,
      truncate_prompt_tokens: s.scorer.maxLength + 1,
    });
    expect(t.status).toBe(400);
    // Newest wording ("Please request ..."); the test's "Please, select ..." is the retired one.
    expect(JSON.stringify(t.body)).toContain("Please request a smaller truncation size.");
  });

  it("test_invocations: same keys and scores as /rerank", async () => {
    const s = get();
    const args = { model: s.model, query: QUERY, documents: DOCS };
    const rerank = await post(`${s.url}/rerank`, args);
    const inv = await post(`${s.url}/invocations`, args);
    expect(Object.keys(inv.body).sort()).toEqual(Object.keys(rerank.body).sort());
    rerank.body.results.forEach((x: { relevance_score: number }, i: number) => {
      expect(Object.keys(inv.body.results[i]).sort()).toEqual(Object.keys(x).sort());
      expect(inv.body.results[i].relevance_score).toBeCloseTo(x.relevance_score, 5);
    });
  });
}

function notSupported(get: () => Served, tasks: string[]): void {
  for (const task of tasks) {
    it(`test_pooling_not_supported[${task}]`, async () => {
      const s = get();
      const r = await post(`${s.url}/pooling`, { model: s.model, input: INPUT, encoding_format: "float", task });
      expect(r.body.error.type).toBe("BadRequestError");
      // Newest vLLM: an IO-processor plugin task has its own message.
      const expected = task === "plugin" ? "No IOProcessor plugin installed." : `Unsupported task: '${task}'`;
      expect(r.body.error.message.startsWith(expected)).toBe(true);
    });
  }
}

describe("tests/entrypoints/pooling/scoring/test_cross_encoder_online.py", () => {
  let s: Served;
  beforeAll(async () => {
    const scorer = await tiny("cross-encoder");
    const { url } = await startShared({ scorer, servedModelName: "tiny-reranker" });
    // The 1:1 reference is the model's own pair score; its parity with sentence-transformers is
    // tested against goldens in test/local. Usage: the tokens of the joined pair.
    const pair = (q: string, d: string): number => scorer.tokenize(q).ids.length + scorer.tokenize(d, { addSpecialTokens: false }).ids.length + 1;
    s = {
      url,
      model: "tiny-reranker",
      scorer,
      reference: async (q, d) => (await scorer.score(q, d))[0] as number,
      pairTokens: async (q, d) => pair(q, d),
    };
  });

  it("test_basic: /v1/models and /tokenize", async () => {
    const models = (await (await fetch(`${s.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe("tiny-reranker");
    const tok = await post(`${s.url}/tokenize`, { model: "tiny-reranker", prompt: INPUT });
    expect(tok.body.tokens).toEqual(s.scorer.tokenize(INPUT).ids);
  });

  sharedScoreCases(() => s);

  it("test_use_activation: default = true, false differs, sigmoid(false) = true", async () => {
    const get = async (use_activation: boolean | null): Promise<number[]> => {
      const r = await post(`${s.url}/rerank`, { model: s.model, query: QUERY, documents: DOCS, use_activation });
      return [...r.body.results].sort((a, b) => a.index - b.index).map((x: { relevance_score: number }) => x.relevance_score);
    };
    const def = await get(null);
    const on = await get(true);
    const off = await get(false);
    def.forEach((v, i) => expect(v).toBeCloseTo(on[i]!, 2));
    expect(off.some((v, i) => Math.abs(v - on[i]!) > 1e-2)).toBe(true);
    off.forEach((v, i) => expect(sigmoid(v)).toBeCloseTo(on[i]!, 5));
  });

  notSupported(() => s, ["embed", "token_embed", "plugin"]);
});

describe("tests/entrypoints/pooling/scoring/test_bi_encoder_online.py", () => {
  let s: Served;
  beforeAll(async () => {
    // The fixture has query/document prompts, so a server that prepended them would fail here.
    const scorer = await tiny("bi-encoder-mean");
    const { url } = await startShared({ scorer, servedModelName: "tiny-bge" });
    const embed = async (t: string): Promise<number[]> => (await post(`${url}/v1/embeddings`, { input: t })).body.data[0].embedding;
    s = {
      url,
      model: "tiny-bge",
      scorer,
      reference: async (q, d) => cosine(await embed(q), await embed(d)),
      // vLLM: query tokens + one pad token + document tokens, as /v1/embeddings counts them.
      pairTokens: async (q, d) => scorer.tokenize(q).ids.length + 1 + scorer.tokenize(d).ids.length,
    };
  });

  sharedScoreCases(() => s);

  it("test_pooling_embed", async () => {
    const r = await post(`${s.url}/pooling`, { model: s.model, input: INPUT, encoding_format: "float", task: "embed" });
    expect(r.body.data).toHaveLength(1);
    expect(r.body.data[0].data.length).toBeGreaterThan(0);
  });

  notSupported(() => s, ["classify", "token_classify", "plugin"]);

  it("--score-prompts restores the model's own (sentence-transformers) score", async () => {
    const own = await startShared({ scorer: s.scorer, scorePrompts: true });
    const r = await post(`${own.url}/score`, { queries: QUERY, documents: DOCS });
    const direct = await s.scorer.score(QUERY, DOCS);
    scores(r.body).forEach((v, i) => expect(v).toBeCloseTo(direct[i]!, 6));
    // With prompts the score is measurably different: the default really drops them.
    const plain = await post(`${s.url}/score`, { queries: QUERY, documents: DOCS });
    expect(scores(plain.body).some((v, i) => Math.abs(v - direct[i]!) > 1e-4)).toBe(true);
  });
});

describe("tests/entrypoints/pooling/scoring/late_interaction/test_late_interaction_online.py", () => {
  let s: Served;
  beforeAll(async () => {
    // What `serve --colbert-convention vllm` (the default) loads.
    const scorer = await tiny("colbert-pylate", { convention: "vllm" });
    const { url } = await startShared({ scorer, servedModelName: "tiny-colbert" });
    const tokens = async (t: string): Promise<number[][]> =>
      (await post(`${url}/pooling`, { input: t, task: "token_embed" })).body.data[0].data;
    s = {
      url,
      model: "tiny-colbert",
      scorer,
      reference: async (q, d) => maxSim(await tokens(q), await tokens(d)),
      pairTokens: async (q, d) => scorer.tokenize(q).ids.length + 1 + scorer.tokenize(d).ids.length,
    };
  });

  sharedScoreCases(() => s);

  it("test_token_embed: [tokens][colbert_dim], one row per token", async () => {
    const r = await post(`${s.url}/pooling`, { model: s.model, input: QUERY, task: "token_embed" });
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1);
    expect(r.body.data[0].data).toHaveLength(s.scorer.tokenize(QUERY).ids.length);
    expect(r.body.data[0].data[0]).toHaveLength(16);
  });

  it("test_embed_not_supported", async () => {
    const r = await post(`${s.url}/pooling`, { model: s.model, input: QUERY, task: "embed" });
    expect(r.body.error.type).toBe("BadRequestError");
    expect(r.body.error.message.startsWith("Unsupported task: 'embed'")).toBe(true);
    expect(r.body.error.message).toContain("Supported tasks: ('token_embed',)");
  });
});

describe("tests/entrypoints/pooling/scoring/test_protocol.py and test_utils.py, over HTTP", () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await startShared({ scorer: await tiny("cross-encoder") }));
  });

  it("top_n defaults to 0 (all); 0, 1 and 2 are accepted; -1 is a validation error", async () => {
    expect((await post(`${url}/rerank`, { query: QUERY, documents: DOCS3 })).body.results).toHaveLength(3);
    for (const top_n of [0, 1, 2]) {
      const r = await post(`${url}/rerank`, { query: QUERY, documents: DOCS3, top_n });
      expect(r.body.results).toHaveLength(top_n === 0 ? 3 : top_n);
    }
    const bad = await post(`${url}/rerank`, { query: QUERY, documents: DOCS3, top_n: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe("Bad Request");
    expect(bad.body.error.param).toBe("body.top_n");
    expect(bad.body.error.message).toBe(
      "1 validation error:\n  {'type': 'greater_than_equal', 'loc': 'body.top_n', 'msg': 'Input should be greater than or equal to 0', 'input': '-1', 'ctx': {'ge': 0}}",
    );
  });

  for (const [id, queries, documents, message] of [
    ["unsupported-multimodal-input", { content: [] }, "document", "MultiModalParam is not supported for BertForSequenceClassification"],
    ["incompatible-input-lengths", ["query 1", "query 2"], ["document"], "Input lengths must be either 1:1, 1:N or N:N"],
    ["n-to-0 reports the length rule first", ["query 1", "query 2"], [], "Input lengths must be either 1:1, 1:N or N:N"],
    ["empty-queries", [], ["document"], "At least one text element must be given"],
    ["empty-documents", ["query"], [], "At least one text_pair element must be given"],
  ] as const) {
    it(`validate_score_input[${id}]: 400 with exactly vLLM's message`, async () => {
      const r = await post(`${url}/score`, { queries, documents });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({ message, type: "BadRequestError", param: null, code: 400 });
    });
  }

  it("pydantic-style envelope: Field required, int_parsing, literal_error, echoed input", async () => {
    const missing = await post(`${url}/rerank`, { documents: DOCS });
    expect(missing.body.error.message).toBe(
      "1 validation error:\n  {'type': 'missing', 'loc': 'body.query', 'msg': 'Field required', 'input': '<dict of 1 items>'}",
    );
    expect(missing.body.error.param).toBe("body.query");
    const parsing = await post(`${url}/rerank`, { query: QUERY, documents: DOCS, top_n: "abc" });
    expect(parsing.body.error.message).toContain(
      "{'type': 'int_parsing', 'loc': 'body.top_n', 'msg': 'Input should be a valid integer, unable to parse string as an integer', 'input': 'abc'}",
    );
    const literal = await post(`${url}/rerank`, { query: QUERY, documents: DOCS, truncation_side: "middle" });
    expect(literal.body.error.message).toContain(
      `{'type': 'literal_error', 'loc': 'body.truncation_side', 'msg': "Input should be 'left' or 'right'", 'input': 'middle', 'ctx': {'expected': "'left' or 'right'"}}`,
    );
  });

  it("max_tokens_per_doc: 0 is off, -5 and >= max_model_len are 400 naming the value", async () => {
    expect((await post(`${url}/rerank`, { query: QUERY, documents: DOCS, max_tokens_per_doc: 0 })).status).toBe(200);
    const neg = await post(`${url}/rerank`, { query: QUERY, documents: DOCS, max_tokens_per_doc: -5 });
    expect(neg.body.error.message).toBe("max_tokens_per_doc must be a non-negative integer");
    const big = await post(`${url}/rerank`, { query: QUERY, documents: DOCS, max_tokens_per_doc: 128 });
    expect(big.body.error.message).toBe("max_tokens_per_doc (128) must be less than max_model_len (128).");
  });
});
