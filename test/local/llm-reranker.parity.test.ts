import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ContextLengthError, CrossEncoderScorer, InvalidInputError, loadScorer, ModelLoadError } from "../../src/index.js";
import { LlmRerankerScorer } from "../../src/local/llm-reranker/llm-reranker.js";
import type { Scorer } from "../../src/types.js";

/** fp32 ONNX Runtime vs PyTorch. */
const TOL = 1e-4;
const ROOT = "test/golden/llm-rerankers";

interface Case {
  query: string;
  document: string;
  instruction: string | null;
}
interface Golden {
  max_length: number;
  cases: Case[];
  logits: number[];
  logits_capped: number[];
  sensitivity: { suffix_lost_by_plain_truncation: number };
  input_ids: number[][];
  true_token_id: number;
  false_token_id: number;
}
const golden = (cell: string) => JSON.parse(readFileSync(join(ROOT, cell, "golden.json"), "utf8")) as Golden;
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** logit[yes] - logit[no] at the last position of `onnx/model_quantized.onnx`, one golden row at a time. */
async function ortQ8Logits(dir: string, g: Golden): Promise<number[]> {
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, number>;
  const session = await ort.InferenceSession.create(join(dir, "onnx", "model_quantized.onnx"));
  try {
    const z: number[] = [];
    for (const row of g.input_ids) {
      const n = row.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor("int64", BigInt64Array.from(row, BigInt), [1, n]),
        attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
        position_ids: new ort.Tensor("int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), [1, n]),
      };
      for (let i = 0; i < (cfg["num_hidden_layers"] as number); i++) {
        for (const kind of ["key", "value"]) {
          feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor("float32", new Float32Array(0), [1, cfg["num_key_value_heads"] as number, 0, cfg["head_dim"] as number]);
        }
      }
      const logits = (await session.run(feeds, ["logits"]))["logits"]!;
      const vocab = logits.dims[2] as number;
      const last = (logits.data as Float32Array).subarray((n - 1) * vocab, n * vocab);
      z.push((last[g.true_token_id] as number) - (last[g.false_token_id] as number));
    }
    return z;
  } finally {
    await session.release();
  }
}

/** Scores every golden case: plain cases in one zipped N:N call, instructed ones one by one. */
async function scoreCases(scorer: Scorer, g: Golden, options: Record<string, unknown> = {}): Promise<number[]> {
  const out = new Array<number>(g.cases.length);
  const plain = g.cases.map((c, i) => [c, i] as const).filter(([c]) => c.instruction === null);
  const scores = await scorer.score(plain.map(([c]) => c.query), plain.map(([c]) => c.document), { activation: false, ...options });
  plain.forEach(([, i], k) => (out[i] = scores[k] as number));
  // transformers renders a template that has no instruction slot without it; rerank-kit refuses
  // such an instruction instead of dropping it, so it is left out there.
  const takesInstruction = (scorer as Partial<LlmRerankerScorer>).template?.usesInstruction !== false;
  for (const [i, c] of g.cases.entries()) {
    if (c.instruction !== null) {
      const instruction = takesInstruction ? c.instruction : undefined;
      out[i] = (await scorer.score(c.query, c.document, { activation: false, instruction, ...options }))[0] as number;
    }
  }
  return out;
}

// The seed's hf_overrides strings, unchanged (vllm-project/vllm examples and docs).
const OVERRIDES = {
  qwen3: '{"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}',
  mxbai: '{"architectures": ["Qwen2ForSequenceClassification"], "classifier_from_token": ["0", "1"], "method": "from_2_way_softmax"}',
  gemma: '{"architectures": ["GemmaForSequenceClassification"], "classifier_from_token": ["Yes"], "method": "no_post_processing"}',
};

describe.each([
  ["qwen3-causal", OVERRIDES.qwen3, "qwen3-reranker"],
  // The real Qwen3-Reranker-0.6B tokenizer and configs, dimensions shrunk (scripts/reference/real_files.py).
  ["qwen3-reranker-real", OVERRIDES.qwen3, "qwen3-reranker"],
  ["qwen2-mxbai", OVERRIDES.mxbai, "mxbai-rerank-v2"],
  ["gemma-bge", OVERRIDES.gemma, "bge-reranker-v2-gemma"],
] as const)("%s: causal LM + hf_overrides vs transformers", (cell, overrides, template) => {
  const g = golden(cell);
  let scorer: Scorer & { close(): Promise<void> };
  beforeAll(async () => {
    scorer = await loadScorer(join(ROOT, cell), { hfOverrides: overrides, chatTemplate: template });
  });
  afterAll(() => scorer.close());

  it("is a cross-encoder scored by the LLM reranker, its LM head rewritten at load", () => {
    expect(scorer).toBeInstanceOf(LlmRerankerScorer);
    expect(scorer.scoreType).toBe("cross-encoder");
    expect((scorer as LlmRerankerScorer).headRewritten).toBe(true);
  });

  it("without the rewrite (full logits, last row read) the scores are the same", async () => {
    const full = await loadScorer(join(ROOT, cell), { hfOverrides: overrides, chatTemplate: template, rewriteHead: false });
    try {
      expect((full as LlmRerankerScorer).headRewritten).toBe(false);
      expect(maxAbsDiff(await scoreCases(full, g), g.logits)).toBeLessThanOrEqual(TOL);
    } finally {
      await full.close();
    }
  });

  it("matches the last-token logits, short and truncated pairs (template kept), within 1e-4", async () => {
    const z = await scoreCases(scorer, g);
    const err = maxAbsDiff(z, g.logits);
    console.log(`[parity] ${cell} hf_overrides max abs error: ${err.toExponential(2)} (${g.cases.length} pairs, 2 truncated)`);
    expect(err).toBeLessThanOrEqual(TOL);
    // Plain right truncation (suffix lost) would have been this far off: the fixture can fail.
    expect(g.sensitivity.suffix_lost_by_plain_truncation).toBeGreaterThan(100 * TOL);
  });

  it("reuses the shared prefix's key/value cache (1:N) with the same scores as full passes", async () => {
    const session = (scorer as unknown as { session: { prefixCache: (ids: number[]) => Promise<unknown> } }).session;
    const spy = vi.spyOn(session, "prefixCache");
    const q = g.cases[0]!.query;
    const docs = g.cases.slice(0, 3).map((c) => c.document);
    const reused = await scorer.score(q, docs, { activation: false });
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.mock.calls[0]![0] as number[]).length).toBeGreaterThan(16);
    spy.mockRestore();
    expect(maxAbsDiff(reused, g.logits.slice(0, 3))).toBeLessThanOrEqual(TOL);
  });

  it("documentTokenBudget counts the template: a document of exactly that many tokens is not cut", async () => {
    const llm = scorer as LlmRerankerScorer;
    const q = g.cases[0]!.query;
    const budget = llm.documentTokenBudget(q);
    expect(budget).toBeGreaterThan(0);
    expect(budget).toBeLessThan(llm.maxLength - llm.tokenize(q, { addSpecialTokens: false }).ids.length - 20);
    const long = g.cases.at(-2)!.document;
    const [window] = llm.splitIntoWindows(long, budget, 0);
    await expect(llm.score(q, window!, { truncate: false })).resolves.toHaveLength(1);
  });

  it("maxTokensPerDoc / maxTokensPerQuery cap the contents, not the template", async () => {
    const z = await scoreCases(scorer, g, { maxTokensPerDoc: 5, maxTokensPerQuery: 3 });
    expect(maxAbsDiff(z, g.logits_capped)).toBeLessThanOrEqual(TOL);
  });

  it("sigmoid by default (vLLM); activation false gives the raw logit", async () => {
    const c = g.cases[0] as Case;
    const [p] = await scorer.score(c.query, c.document);
    expect(Math.abs((p as number) - sigmoid(g.logits[0] as number))).toBeLessThanOrEqual(TOL);
  });

  it("truncate: false on a too-long pair is a ContextLengthError", async () => {
    const c = g.cases.at(-1) as Case;
    await expect(scorer.score(c.query, c.document, { truncate: false })).rejects.toBeInstanceOf(ContextLengthError);
  });
});

describe("every Qwen3 load path gives the same score for the same weights", () => {
  const g = golden("qwen3-causal");

  it("a known Hub id (here a folder named like the onnx-community mirror) needs no overrides", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rk-llm-"));
    const mirror = join(dir, "Qwen3-Reranker-0.6B-ONNX");
    symlinkSync(resolve(ROOT, "qwen3-causal"), mirror);
    const scorer = await loadScorer(mirror);
    try {
      // The folder's generic chat template (user/assistant turns) is skipped for the preset.
      expect((scorer as LlmRerankerScorer).template?.origin).toBe("preset");
      expect(maxAbsDiff(await scoreCases(scorer, g), g.logits)).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });

  it("q8 (model_quantized.onnx, as onnx-community ships): loadScorer(id, { dtype: 'q8' }) just works", async () => {
    // The shipped file run by onnxruntime-node here, one pair at a time with the token ids
    // transformers rendered (as scripts/reference/llm_rerankers.py runs it in Python): its integer
    // kernels differ between CPUs (VNNI or not), so a golden recorded on another CPU cannot hold.
    const q8 = { logits: await ortQ8Logits(join(ROOT, "qwen3-causal"), golden("qwen3-causal")) };
    const dir = mkdtempSync(join(tmpdir(), "rk-llm-"));
    const mirror = join(dir, "Qwen3-Reranker-0.6B-ONNX");
    symlinkSync(resolve(ROOT, "qwen3-causal"), mirror);
    // Dynamic quantization scales activations per tensor, so a q8 score depends on what else is in
    // the batch; the reference ran one pair at a time, and so does this comparison.
    const [rewritten, full] = await Promise.all([
      loadScorer(mirror, { dtype: "q8", maxBatchSize: 1, reusePrefix: false }),
      // The file's own int8 kernel, as the reference runs it (the default shifts weights to uint8 on
      // CPUs without VNNI).
      loadScorer(mirror, { dtype: "q8", rewriteHead: false, maxBatchSize: 1, reusePrefix: false, int8Weights: "int8" }),
    ]);
    try {
      expect((rewritten as LlmRerankerScorer).headRewritten).toBe(true);
      // The q8 graph as shipped, full logits: equal to onnxruntime on the same file.
      const zFull = await scoreCases(full, g);
      expect(maxAbsDiff(zFull, q8.logits)).toBeLessThanOrEqual(TOL);
      // The rewritten head uses the exact dequantized rows on unquantized activations, so it is
      // closer to fp32 than the shipped q8 head is.
      const zRewritten = await scoreCases(rewritten, g);
      const errRewritten = maxAbsDiff(zRewritten, g.logits);
      const errShipped = maxAbsDiff(q8.logits, g.logits);
      console.log(`[parity] qwen3 q8: shipped head vs fp32 ${errShipped.toExponential(2)}, rewritten head vs fp32 ${errRewritten.toExponential(2)}, rewritten vs shipped ${maxAbsDiff(zRewritten, q8.logits).toExponential(2)}`);
      expect(errRewritten).toBeLessThanOrEqual(errShipped);
    } finally {
      await Promise.all([rewritten.close(), full.close()]);
    }
  });

  it("a causal LM without a token head is a ModelLoadError that names hfOverrides", async () => {
    await expect(loadScorer(join(ROOT, "qwen3-causal"), { scoreType: "cross-encoder", hfOverrides: "{}" })).rejects.toThrow(/hfOverrides/);
    await expect(loadScorer(join(ROOT, "qwen3-causal"))).rejects.toBeInstanceOf(ModelLoadError);
  });

  it("vLLM's converted seq-cls model (W_yes - W_no head) with its chat_template.jinja", async () => {
    const scorer = await loadScorer(join(ROOT, "qwen3-seq-cls"));
    try {
      expect(scorer).toBeInstanceOf(CrossEncoderScorer);
      const err = maxAbsDiff(await scoreCases(scorer, g), g.logits);
      console.log(`[parity] qwen3-seq-cls max abs error: ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });

  it("the seed's offline recipe (caller formats prefix + instruction + suffix) equals the template path", async () => {
    const prefix =
      "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. " +
      'Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n';
    const suffix = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
    const instruction = "Given a web search query, retrieve relevant passages that answer the query";
    const plain = g.cases.slice(0, 6);
    const queries = plain.map((c) => `${prefix}<Instruct>: ${instruction}\n<Query>: ${c.query}\n`);
    const documents = plain.map((c) => `<Document>: ${c.document}${suffix}`);
    const scorer = await loadScorer(join(ROOT, "qwen3-causal"), { hfOverrides: OVERRIDES.qwen3, chatTemplate: false });
    try {
      const z = await scorer.score(queries, documents, { activation: false });
      expect(maxAbsDiff(z, g.logits.slice(0, 6))).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });
});

describe("sentence-transformers 6 LogitScore folder (Transformer + LogitScore + chat_template.jinja)", () => {
  const st = JSON.parse(readFileSync(join(ROOT, "qwen3-logitscore", "golden.json"), "utf8")) as {
    modules: Array<{ type: string }>;
    pairs: [string, string][];
    logits: number[];
    scores: number[];
  };
  const g = golden("qwen3-causal");
  let scorer: LlmRerankerScorer;
  beforeAll(async () => {
    scorer = (await loadScorer(join(ROOT, "qwen3-logitscore"))) as LlmRerankerScorer;
  });
  afterAll(() => scorer.close());

  it("is detected from modules.json (sentence_transformers.cross_encoder.modules.logit_score.LogitScore)", () => {
    expect(st.modules.map((m) => m.type)).toContain("sentence_transformers.cross_encoder.modules.logit_score.LogitScore");
    expect(scorer).toBeInstanceOf(LlmRerankerScorer);
    expect(scorer.template?.origin).toBe("chat_template.jinja");
    expect(scorer.head.description).toMatch(/LogitScore/);
  });

  it("matches CrossEncoder.predict, logits and sigmoid scores, with the document truncated", async () => {
    // The last pair empties the document and cuts the query: sentence-transformers then also cuts
    // the template text between them ("\n<Document>: "), rerank-kit keeps it. That pair is checked
    // against the transformers reference of the qwen3-causal cell instead.
    const n = st.pairs.length - 1;
    const queries = st.pairs.map((p) => p[0]);
    const documents = st.pairs.map((p) => p[1]);
    const z = await scorer.score(queries, documents, { activation: false });
    const p = await scorer.score(queries, documents);
    const err = Math.max(maxAbsDiff(z.slice(0, n), st.logits.slice(0, n)), maxAbsDiff(p.slice(0, n), st.scores.slice(0, n)));
    console.log(`[parity] qwen3-logitscore vs sentence-transformers max abs error: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
    expect(Math.abs((z[n] as number) - (g.logits.at(-1) as number))).toBeLessThanOrEqual(TOL);
  });

  it("an instruction the template cannot take is an InvalidInputError", async () => {
    const gemma = await loadScorer(join(ROOT, "gemma-bge"), { hfOverrides: OVERRIDES.gemma, chatTemplate: "bge-reranker-v2-gemma" });
    try {
      await expect(gemma.score("q", "d", { instruction: "x" })).rejects.toBeInstanceOf(InvalidInputError);
    } finally {
      await gemma.close();
    }
  });
});

describe("LLM reranker in a worker thread (what rerank-kit serve runs)", () => {
  it("loads with hf_overrides and a template, and scores the same", async () => {
    const { loadWorkerScorer } = await import("../../src/local/worker-pool/index.js");
    const g = golden("qwen3-causal");
    const scorer = await loadWorkerScorer(join(ROOT, "qwen3-causal"), { hfOverrides: OVERRIDES.qwen3, chatTemplate: "qwen3-reranker", workers: 1 });
    try {
      expect(scorer.scoreType).toBe("cross-encoder");
      expect(maxAbsDiff(await scoreCases(scorer, g), g.logits)).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });
});
