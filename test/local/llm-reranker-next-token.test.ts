/**
 * LlmRerankerScorer beyond score(): next-token log-probabilities (vLLM's generative scoring)
 * against the PyTorch logits of the tiny Qwen3 causal LM, the vocabulary they are checked
 * against, and which folders are detected as LLM rerankers.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { bytes, concat, ElemType, encodeNode, encodeTensor, encodeValueInfo, int, type NodeSpec } from "../../src/local/runtime/onnx-writer.js";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, loadScorer, ModelLoadError } from "../../src/index.js";
import type { ModelFiles } from "../../src/local/files/model-files.js";
import { isLlmReranker, LlmRerankerScorer } from "../../src/local/llm-reranker/llm-reranker.js";

const CELL = join("test/golden/llm-rerankers", "qwen3-causal");
const OVERRIDES = '{"classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}';
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as {
  input_ids: number[][];
  logits: number[];
  true_token_id: number;
  false_token_id: number;
};
const YES = golden.true_token_id;
const NO = golden.false_token_id;
const VOCAB = 700; // config.json vocab_size
const TOL = 1e-4;
const root = mkdtempSync(join(tmpdir(), "rk-llm-next-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the fixture at root/<name> with its config.json patched (undefined removes a key). */
function copy(name: string, patch: Record<string, unknown>): string {
  const dir = join(root, name);
  cpSync(CELL, dir, { recursive: true });
  const config = { ...(JSON.parse(readFileSync(join(CELL, "config.json"), "utf8")) as Record<string, unknown>), ...patch };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

describe("nextTokenLogProbs on the full LM head", () => {
  let lm: LlmRerankerScorer;
  let rows: number[];
  beforeAll(async () => {
    lm = (await loadScorer(CELL, { hfOverrides: OVERRIDES, rewriteHead: false, threads: 1 })) as LlmRerankerScorer;
    rows = golden.input_ids.map((_, i) => i).filter((i) => golden.input_ids[i]!.length <= lm.maxLength);
  }, 60_000);
  afterAll(() => lm.close());

  it("log p(yes) - log p(no) is PyTorch's yes-no logit, for a mixed-length batch", async () => {
    expect(lm.headRewritten).toBe(false);
    const picked = rows.slice(0, 4);
    const lengths = new Set(picked.map((i) => golden.input_ids[i]!.length));
    expect(lengths.size).toBeGreaterThan(1);
    const r = await lm.nextTokenLogProbs(picked.map((i) => golden.input_ids[i]!), [YES, NO]);
    expect(r.logProbs).toHaveLength(picked.length);
    for (const [k, i] of picked.entries()) {
      const [yes, no] = r.logProbs[k]!;
      expect(Math.abs(yes! - no! - golden.logits[i]!)).toBeLessThanOrEqual(TOL);
      expect(yes).toBeLessThan(0);
      expect(no).toBeLessThan(0);
    }
    const tokens = picked.reduce((s, i) => s + golden.input_ids[i]!.length, 0);
    expect(r.usage).toEqual({ promptTokens: tokens, totalTokens: tokens });
  });

  it("the log-probabilities over the whole vocabulary sum to 1", async () => {
    const all = Array.from({ length: VOCAB }, (_, k) => k);
    const r = await lm.nextTokenLogProbs([golden.input_ids[rows[0]!]!], all);
    const total = r.logProbs[0]!.reduce((s, v) => s + Math.exp(v), 0);
    expect(total).toBeCloseTo(1, 5);
  });

  it("refuses label ids outside [0, vocab_size), naming the range", async () => {
    for (const id of [-1, VOCAB, 1.5]) {
      await expect(lm.nextTokenLogProbs([[1, 2, 3]], [id])).rejects.toThrow(InvalidInputError);
      await expect(lm.nextTokenLogProbs([[1, 2, 3]], [id])).rejects.toThrow(`label token id ${id} is outside the vocabulary [0, ${VOCAB})`);
      await expect(lm.nextTokenLogProbs([[1, 2, 3]], [id])).rejects.toMatchObject({ field: "labelTokenIds" });
    }
    await expect(lm.nextTokenLogProbs([[1, 2, 3]], [0, VOCAB - 1])).resolves.toMatchObject({ logProbs: [[expect.any(Number), expect.any(Number)]] });
  });
});

describe("score() on the full LM head (rewriteHead: false), left padded", () => {
  it("a mixed-length batch of templated pairs gives PyTorch's yes-no logits, each row read at its last token", async () => {
    const g = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as { cases: { query: string; document: string; instruction: string | null }[] };
    const plain = g.cases.map((c, i) => [c, i] as const).filter(([c]) => c.instruction === null);
    const lm = (await loadScorer(CELL, { hfOverrides: OVERRIDES, chatTemplate: "qwen3-reranker", rewriteHead: false, threads: 1 })) as LlmRerankerScorer;
    try {
      expect(lm.headRewritten).toBe(false);
      const z = await lm.score(plain.map(([c]) => c.query), plain.map(([c]) => c.document), { activation: false });
      plain.forEach(([, i], k) => expect(Math.abs(z[k]! - golden.logits[i]!)).toBeLessThanOrEqual(TOL));
    } finally {
      await lm.close();
    }
  });
});

describe("score() without a score template", () => {
  it("refuses a pair that renders to no tokens, naming it, instead of reading a score from padding", async () => {
    // Without a template an empty query and an empty document are zero tokens: a decoder has no
    // last position to read (vLLM refuses an empty decoder prompt too). Other pairs still score.
    const lm = (await loadScorer(CELL, { hfOverrides: OVERRIDES, scoreTemplate: false, threads: 1 })) as LlmRerankerScorer;
    try {
      await expect(lm.score("", ["a", ""])).rejects.toThrow(InvalidInputError);
      await expect(lm.score("", ["a", ""])).rejects.toMatchObject({ field: "documents[1]", message: expect.stringMatching(/^documents\[1\] with the query renders to no tokens/) });
      await expect(lm.score("", ["", "a"])).rejects.toMatchObject({ field: "documents[0]" });
      const [z] = await lm.score("", ["a"]);
      expect(Number.isFinite(z)).toBe(true);
    } finally {
      await lm.close();
    }
  });
});

describe("LlmRerankerScorer vocabulary and head", () => {
  it("without vocab_size in config.json the vocabulary is the tokenizer's largest id + 1", async () => {
    const lm = (await loadScorer(copy("no-vocab-size", { vocab_size: undefined }), { hfOverrides: OVERRIDES, rewriteHead: false, threads: 1 })) as LlmRerankerScorer;
    try {
      const tokenizer = JSON.parse(readFileSync(join(CELL, "tokenizer.json"), "utf8")) as { model: { vocab: Record<string, number> }; added_tokens: { id: number }[] };
      const largest = Math.max(...Object.values(tokenizer.model.vocab), ...tokenizer.added_tokens.map((t) => t.id));
      expect(lm.vocabularySize).toBe(largest + 1);
    } finally {
      await lm.close();
    }
  });

  it.each([
    // A declared size is used as given, also when the tokenizer knows more ids.
    ["vocab_size below the tokenizer's ids is used as declared", 650, 650],
    // A size of 0 is no size: the tokenizer's largest id + 1 (700 on this fixture) applies.
    ["vocab_size 0 falls back to the tokenizer", 0, VOCAB],
  ])("%s", async (_name, declared, expected) => {
    const lm = (await loadScorer(copy(`vocab-size-${declared}`, { vocab_size: declared }), { hfOverrides: OVERRIDES, rewriteHead: false, threads: 1 })) as LlmRerankerScorer;
    try {
      expect(lm.vocabularySize).toBe(expected);
      await expect(lm.nextTokenLogProbs([[1, 2, 3]], [expected])).rejects.toThrow(`label token id ${expected} is outside the vocabulary [0, ${expected})`);
      await expect(lm.nextTokenLogProbs([[1, 2, 3]], [expected - 1])).resolves.toMatchObject({ logProbs: [[expect.any(Number)]] });
    } finally {
      await lm.close();
    }
  });

  it("a rewritten head has no next-token probabilities and says how to load one that has", async () => {
    const lm = (await loadScorer(CELL, { hfOverrides: OVERRIDES, threads: 1 })) as LlmRerankerScorer;
    try {
      expect(lm.headRewritten).toBe(true);
      expect(lm.vocabularySize).toBe(VOCAB);
      await expect(lm.nextTokenLogProbs([[1, 2]], [YES])).rejects.toThrow(InvalidInputError);
      await expect(lm.nextTokenLogProbs([[1, 2]], [YES])).rejects.toThrow(/load it with rewriteHead: false \(serve --no-rewrite-head\)/);
      await expect(lm.nextTokenLogProbs([[1, 2]], [YES])).rejects.toMatchObject({ field: "labelTokenIds" });
    } finally {
      await lm.close();
    }
  });
});

describe("which causal LMs load as LLM rerankers", () => {
  it.each([
    ["classifier_from_token in config.json", { classifier_from_token: ["no", "yes"] }, "config.json"],
    ["is_original_qwen3_reranker in config.json", { is_original_qwen3_reranker: true }, "config.json"],
  ])("%s", async (_name, patch, source) => {
    const scorer = await loadScorer(copy(`detect-${Object.keys(patch)[0]}`, patch), { threads: 1, scoreTemplate: false });
    try {
      expect(scorer).toBeInstanceOf(LlmRerankerScorer);
      expect((scorer as LlmRerankerScorer).head.description.startsWith(`${source}: `)).toBe(true);
      expect((scorer as LlmRerankerScorer).head.rows).toEqual([
        { tokenId: YES, coefficient: 1 },
        { tokenId: NO, coefficient: -1 },
      ]);
    } finally {
      await scorer.close();
    }
  });

  it("a folder named like a known reranker needs no keys: its preset gives the head", async () => {
    const scorer = (await loadScorer(copy("Qwen3-Reranker-0.6B", {}), { threads: 1 })) as LlmRerankerScorer;
    try {
      expect(scorer).toBeInstanceOf(LlmRerankerScorer);
      expect(scorer.head.description).toMatch(/^preset for .*Qwen3-Reranker-0\.6B: \["no","yes"\] from_2_way_softmax$/);
    } finally {
      await scorer.close();
    }
  });

  it("is_original_qwen3_reranker: false is no reranker", async () => {
    await expect(loadScorer(copy("not-original", { is_original_qwen3_reranker: false }), { threads: 1 })).rejects.toThrow(/hfOverrides/);
  });

  it("a causal LM with hfOverrides that names no head: ModelLoadError on its folder, with an example and the LogitScore way", async () => {
    const dir = copy("no-head", {});
    const error = await loadScorer(dir, { hfOverrides: { architectures: ["Qwen3ForCausalLM"] }, threads: 1 }).then(
      () => undefined,
      (e: unknown) => e as ModelLoadError,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error?.message).toBe(
      `${resolve(dir)}: a causal LM needs a token head to rerank. Pass hfOverrides, e.g. ` +
        `'{"classifier_from_token":["no","yes"],"method":"from_2_way_softmax"}', or save it with a LogitScore module`,
    );
    expect(error?.path).toBe(resolve(dir));
  });

  it("a LogitScore module whose config has no integer true_token_id: ModelLoadError naming that config.json", async () => {
    const dir = join(root, "logitscore-no-true-token");
    cpSync(join("test/golden/llm-rerankers", "qwen3-logitscore"), dir, { recursive: true });
    writeFileSync(join(dir, "1_LogitScore", "config.json"), JSON.stringify({ true_token_id: "yes", false_token_id: 463 }));
    const error = await loadScorer(dir, { threads: 1 }).then(
      () => undefined,
      (e: unknown) => e as ModelLoadError,
    );
    const path = join(dir, "1_LogitScore", "config.json");
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error?.message).toBe(`${path}: LogitScore config has no integer true_token_id`);
    expect(error?.path).toBe(path);
  });

  /** Folder files reduced to what detection reads. */
  const described = (config: Record<string, unknown>, modules?: { type: string }[]) =>
    ({ id: "some/model", config, modules }) as unknown as ModelFiles;

  it.each([
    ["a sentence-transformers folder without a LogitScore module", described({ architectures: ["BertModel"] }, [{ type: "sentence_transformers.models.Transformer" }]), false],
    ["a sequence classifier with classifier_from_token", described({ architectures: ["Qwen3ForSequenceClassification"], classifier_from_token: ["no", "yes"] }), false],
    ["a folder without architectures", described({ classifier_from_token: ["no", "yes"] }), false],
    ["a causal LM listed beside another architecture, with classifier_from_token", described({ architectures: ["Qwen3Model", "Qwen3ForCausalLM"], classifier_from_token: ["no", "yes"] }), true],
    ["a LogitScore module", described({ architectures: ["Qwen3Model"] }, [{ type: "sentence_transformers.cross_encoder.modules.logit_score.LogitScore" }]), true],
  ])("isLlmReranker: %s -> %s", (_name, files, expected) => {
    expect(isLlmReranker(files)).toBe(expected);
  });
});

describe("nextTokenLogProbs on a fused-attention (GroupQueryAttention) graph, padded on the right", () => {
  const GQA = join("test", "golden", "gqa", "gqa-reranker");
  const g = JSON.parse(readFileSync(join(GQA, "golden.json"), "utf8")) as { hf_overrides: Record<string, unknown>; input_ids: number[][]; true_token_id: number; false_token_id: number };

  // Without prefix reuse the rows share a right-padded batch; with it (the shared template cached
  // once), a fused-attention graph runs each row alone behind the cache.
  it.each([false, true])("reads each row where its mask ends: a mixed-length batch equals one sequence at a time (reusePrefix %s)", async (reusePrefix) => {
    const lm = (await loadScorer(GQA, { hfOverrides: JSON.stringify(g.hf_overrides), rewriteHead: false, reusePrefix, threads: 1 })) as LlmRerankerScorer;
    try {
      const seqs = g.input_ids.slice(0, 4);
      expect(new Set(seqs.map((s) => s.length)).size).toBeGreaterThan(1);
      const labels = [g.true_token_id, g.false_token_id];
      const batch = (await lm.nextTokenLogProbs(seqs, labels)).logProbs;
      for (const [i, s] of seqs.entries()) {
        const alone = (await lm.nextTokenLogProbs([s], labels)).logProbs[0]!;
        expect(Math.max(...alone.map((v, k) => Math.abs(v - batch[i]![k]!)))).toBeLessThanOrEqual(TOL);
      }
      // ...and the rows differ, so a row read at the wrong position would show.
      expect(Math.abs(batch[0]![0]! - batch[1]![0]!)).toBeGreaterThan(100 * TOL);
    } finally {
      await lm.close();
    }
  });
});

describe("a causal LM graph that declares num_logits_to_keep is asked for the last position only", () => {
  // A hand-built causal LM (no cache, no position_ids, a model type rerank-kit does not list):
  // logits = embedding(ids) @ W, sliced to the last num_logits_to_keep positions (0 keeps all, as
  // transformers' exports do), plus num_logits_to_keep * BUMP on the "yes" token. The bump makes
  // what reached the graph visible in the scores: 1 must reach it (left padding puts every row's
  // last token at the last position), 0 would compute every position's logits for nothing.
  const V = VOCAB;
  const H = 4;
  const BUMP = 5;
  const embed = (t: number, j: number) => Math.sin(0.37 * t + 1.3 * j);
  const weight = (j: number, v: number) => Math.cos(0.11 * v * (j + 1) + 0.5 * j);
  /** logits at a row whose last token is `t`, with `keep` fed, in float64. */
  const logitsAfter = (t: number, keep: number) =>
    Array.from({ length: V }, (_, v) => Array.from({ length: H }, (_, j) => embed(t, j) * weight(j, v)).reduce((a, b) => a + b, 0) + (v === YES ? keep * BUMP : 0));

  function graph(): Uint8Array {
    const f32 = (name: string, dims: number[], values: number[]) => bytes(5, encodeTensor(name, dims, ElemType.FLOAT, new Uint8Array(Float32Array.from(values).buffer)));
    const i64 = (name: string, dims: number[], values: number[]) => bytes(5, encodeTensor(name, dims, ElemType.INT64, new Uint8Array(BigInt64Array.from(values, BigInt).buffer)));
    const nodes: NodeSpec[] = [
      { op: "Gather", inputs: ["E", "input_ids"], outputs: ["hidden"], attrs: { axis: 0 } },
      { op: "MatMul", inputs: ["hidden", "W"], outputs: ["full"] },
      { op: "Reshape", inputs: ["num_logits_to_keep", "one"], outputs: ["keep1"] },
      { op: "Neg", inputs: ["keep1"], outputs: ["start"] },
      { op: "Slice", inputs: ["full", "start", "end", "axis1"], outputs: ["kept"] },
      { op: "Cast", inputs: ["num_logits_to_keep"], outputs: ["keepf"], attrs: { to: ElemType.FLOAT } },
      { op: "Mul", inputs: ["keepf", "B"], outputs: ["bump"] },
      { op: "Add", inputs: ["kept", "bump"], outputs: ["logits"] },
    ];
    const g = concat([
      ...nodes.map((n, i) => bytes(1, encodeNode(n, i))),
      bytes(2, "tiny-causal-lm"),
      f32("E", [V, H], Array.from({ length: V * H }, (_, k) => embed(Math.floor(k / H), k % H))),
      f32("W", [H, V], Array.from({ length: H * V }, (_, k) => weight(Math.floor(k / V), k % V))),
      f32("B", [V], Array.from({ length: V }, (_, v) => (v === YES ? BUMP : 0))),
      i64("one", [1], [1]),
      i64("end", [1], [1 << 30]),
      i64("axis1", [1], [1]),
      ...[
        { name: "input_ids", elemType: ElemType.INT64, dims: ["b", "s"] },
        { name: "attention_mask", elemType: ElemType.INT64, dims: ["b", "s"] },
        { name: "num_logits_to_keep", elemType: ElemType.INT64, dims: [] },
      ].map((v) => bytes(11, encodeValueInfo(v))),
      bytes(12, encodeValueInfo({ name: "logits", elemType: ElemType.FLOAT, dims: ["b", "k", V] })),
    ]);
    return concat([int(1, 8), bytes(2, "rerank-kit-test"), bytes(7, g), bytes(8, concat([bytes(1, ""), int(2, 17)]))]);
  }

  let lm: LlmRerankerScorer;
  beforeAll(async () => {
    const dir = copy("tiny-logits-to-keep", {
      architectures: ["TinyForCausalLM"],
      model_type: "tiny-unlisted",
      classifier_from_token: ["yes"],
      method: "no_post_processing",
    });
    writeFileSync(join(dir, "onnx", "model.onnx"), graph());
    rmSync(join(dir, "onnx", "model_quantized.onnx"));
    lm = (await loadScorer(dir, { rewriteHead: false, scoreTemplate: false, threads: 1 })) as LlmRerankerScorer;
  }, 60_000);
  afterAll(() => lm?.close());

  it("score(): a mixed-length batch, each row read at its own last token with 1 fed", async () => {
    const documents = ["paris", "the capital of france is paris, a city on the seine"];
    const z = await lm.score("where is paris", documents, { activation: false });
    documents.forEach((d, i) => {
      const last = lm.tokenize(d, { addSpecialTokens: false }).ids.at(-1) as number;
      expect(Math.abs(z[i]! - logitsAfter(last, 1)[YES]!)).toBeLessThanOrEqual(TOL);
    });
  });

  it("nextTokenLogProbs(): a mixed-length batch, each row read at its own last token with 1 fed", async () => {
    const sequences = [[11, 12, 13, 14, 15], [21, 22]];
    const r = await lm.nextTokenLogProbs(sequences, [YES, NO]);
    sequences.forEach((ids, i) => {
      const logits = logitsAfter(ids.at(-1) as number, 1);
      const max = Math.max(...logits);
      const logZ = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
      expect(Math.abs(r.logProbs[i]![0]! - (logits[YES]! - logZ))).toBeLessThanOrEqual(TOL);
      expect(Math.abs(r.logProbs[i]![1]! - (logits[NO]! - logZ))).toBeLessThanOrEqual(TOL);
    });
  });
});
