/**
 * The LLM reranker on decoder graphs with fused `com.microsoft.GroupQueryAttention`, the kind
 * onnx-community publishes for Qwen3-Reranker (`model_quantized.onnx`, `model_q4.onnx`), and on a
 * merged decoder (`decoder_model_merged.onnx`, an `If` on use_cache_branch). Reference:
 * onnxruntime's own run of each file on one unpadded sequence at a time, and transformers on the
 * unfused weights (test/golden/gqa/gqa-reranker, from scripts/reference/gqa_decoders.py). Scores
 * come from mixed-length batches, with the shared prefix reused and without.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CrossEncoderScorer, loadScorer } from "../../src/index.js";
import { convertLlmReranker } from "../../src/local/llm-reranker/convert.js";
import type { LlmRerankerScorer } from "../../src/local/llm-reranker/llm-reranker.js";
import { OnnxSession } from "../../src/local/runtime/onnx-session.js";
import { runMicroBatches } from "../../src/local/runtime/run-batches.js";

const CELL = join(import.meta.dirname, "..", "golden", "gqa", "gqa-reranker");
const TOL = 1e-4;
interface Golden {
  hf_overrides: Record<string, unknown>;
  true_token_id: number;
  false_token_id: number;
  cases: { query: string; document: string }[];
  input_ids: number[][];
  transformers: number[];
  ort: Record<string, number[]>;
  prefix_query: string;
  prefix_documents: string[];
  prefix_input_ids: number[][];
  prefix_ort: Record<string, number[]>;
}
const g = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as Golden;
const config = JSON.parse(readFileSync(join(CELL, "config.json"), "utf8")) as Record<string, number>;
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));
const OPTIONS = { hfOverrides: JSON.stringify(g.hf_overrides), chatTemplate: "qwen3-reranker" } as const;
const PAD = 0;

const open = (file: string, extra: Record<string, unknown> = {}) =>
  loadScorer(CELL, { ...OPTIONS, onnxFile: `onnx/${file}`, ...extra }) as Promise<LlmRerankerScorer>;
const zipped = (s: LlmRerankerScorer) => s.score(g.cases.map((c) => c.query), g.cases.map((c) => c.document), { activation: false });
const oneToMany = (s: LlmRerankerScorer) => s.score(g.prefix_query, g.prefix_documents, { activation: false });
const prefixSpy = (s: LlmRerankerScorer) => vi.spyOn((s as unknown as { session: OnnxSession }).session, "prefixCache");

describe.each([
  ["model.onnx", true],
  ["model_q4.onnx", true],
  // The LM-head rewrite does not reach into an If: the merged decoder scores from full logits.
  ["decoder_model_merged.onnx", false],
])("GQA reranker %s: mixed-length batches equal onnxruntime's single-sequence run", (file, rewritten) => {
  let reused: LlmRerankerScorer;
  let plain: LlmRerankerScorer;
  beforeAll(async () => {
    [reused, plain] = await Promise.all([open(file), open(file, { reusePrefix: false })]);
  });
  afterAll(async () => {
    await Promise.all([reused?.close(), plain?.close()]);
  });

  it("is detected at load and padded on the right", () => {
    const session = (plain as unknown as { session: OnnxSession }).session;
    expect(session.attention).toBe("group-query");
    expect((plain as unknown as { padding: string }).padding).toBe("right");
    expect(plain.headRewritten).toBe(rewritten);
  });

  it("without prefix reuse (one right-padded batch of 7 lengths)", async () => {
    expect(new Set(g.input_ids.map((r) => r.length)).size).toBeGreaterThan(3);
    const err = maxAbsDiff(await zipped(plain), g.ort[file] as number[]);
    console.log(`[parity] gqa ${file} mixed batch: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
  });

  it("with prefix reuse, N:N (template shared) and 1:N (template and query shared)", async () => {
    const spy = prefixSpy(reused);
    const errZipped = maxAbsDiff(await zipped(reused), g.ort[file] as number[]);
    const errOneToMany = maxAbsDiff(await oneToMany(reused), g.prefix_ort[file] as number[]);
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    console.log(`[parity] gqa ${file} prefix reuse: N:N ${errZipped.toExponential(2)}, 1:N ${errOneToMany.toExponential(2)}`);
    expect(errZipped).toBeLessThanOrEqual(TOL);
    expect(errOneToMany).toBeLessThanOrEqual(TOL);
  });

  it("1:N without prefix reuse", async () => {
    expect(maxAbsDiff(await oneToMany(plain), g.prefix_ort[file] as number[])).toBeLessThanOrEqual(TOL);
  });
});

// Loaded inside the test, not in a hook: StrykerJS's per-test coverage counted the fallback
// below as reached by no test, although the hooks above reach it.
it("a merged decoder (logits from an If) falls back to its full LM head and scores as onnxruntime", async () => {
  const merged = await open("decoder_model_merged.onnx", { reusePrefix: false });
  try {
    expect(merged.headRewritten).toBe(false);
    expect(maxAbsDiff(await zipped(merged), g.ort["decoder_model_merged.onnx"] as number[])).toBeLessThanOrEqual(TOL);
  } finally {
    await merged.close();
  }
});

describe("GQA reranker converted to a one-label model (rerank-kit convert)", () => {
  it.each(["model.onnx", "model_q4.onnx"])("%s: the converted graph scores mixed-length batches as the original's single runs", async (file) => {
    const out = mkdtempSync(join(tmpdir(), "rk-gqa-convert-"));
    try {
      await convertLlmReranker(CELL, { out, onnxFile: `onnx/${file}`, classifierFromTokens: ["no", "yes"], scoreTemplate: "qwen3-reranker" });
      const scorer = await loadScorer(out, { onnxFile: `onnx/${file}` });
      try {
        expect(scorer).toBeInstanceOf(CrossEncoderScorer);
        const z = await scorer.score(g.cases.map((c) => c.query), g.cases.map((c) => c.document), { activation: false });
        expect(maxAbsDiff(z, g.ort[file] as number[])).toBeLessThanOrEqual(TOL);
      } finally {
        await scorer.close();
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("GQA reranker: references and sensitivity", () => {
  it("the fp32 GQA graph matches transformers on the unfused weights", async () => {
    const scorer = await open("model.onnx");
    try {
      const err = maxAbsDiff(await zipped(scorer), g.transformers);
      console.log(`[parity] gqa fp32 vs transformers: ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });

  it("the scores spread far beyond the tolerance (a mixed-up row shows)", () => {
    const z = g.ort["model.onnx"] as number[];
    expect(Math.max(...z) - Math.min(...z)).toBeGreaterThan(100 * TOL);
  });

  /** The golden ids in one batch padded on `padding`'s side, read where each row's tokens end. */
  async function batchOnSide(padding: "left" | "right"): Promise<number[]> {
    const session = await OnnxSession.create(join(CELL, "onnx", "model.onnx"), { config, threads: 1 });
    try {
      const vocab = config["vocab_size"] as number;
      return await runMicroBatches(session, g.input_ids.map((ids) => ({ ids })), { output: "logits", padId: PAD, padding }, ({ output, row, seq, mask }) => {
        let last = seq - 1;
        while (last > 0 && mask[row * seq + last] === 0n) last--;
        const base = (row * seq + last) * vocab;
        return (output.data[base + g.true_token_id] as number) - (output.data[base + g.false_token_id] as number);
      });
    } finally {
      await session.release();
    }
  }

  it("sensitivity: right padding is exact, left padding is far off", async () => {
    const reference = g.ort["model.onnx"] as number[];
    const right = maxAbsDiff(await batchOnSide("right"), reference);
    const left = maxAbsDiff(await batchOnSide("left"), reference);
    console.log(`[sensitivity] gqa batch: right ${right.toExponential(2)}, left ${left.toExponential(2)}`);
    expect(right).toBeLessThanOrEqual(TOL);
    expect(left).toBeGreaterThan(100 * TOL);
  });

  it("sensitivity: a cached prefix the mask does not count (seqlens_k and total_sequence_length too short) is far off", async () => {
    const session = await OnnxSession.create(join(CELL, "onnx", "model.onnx"), { config, threads: 1 });
    try {
      const [first] = g.prefix_input_ids as [number[]];
      const cut = 40;
      const cache = await session.prefixCache(first.slice(0, cut));
      const tail = first.slice(cut);
      const run = async (prefix: typeof cache) => {
        const ids = BigInt64Array.from(tail, BigInt);
        const out = await session.run({ input_ids: { data: ids, dims: [1, tail.length] }, attention_mask: { data: new BigInt64Array(tail.length).fill(1n), dims: [1, tail.length] } }, "logits", { prefix });
        const base = (tail.length - 1) * (config["vocab_size"] as number);
        return (out.data[base + g.true_token_id] as number) - (out.data[base + g.false_token_id] as number);
      };
      const reference = (g.prefix_ort["model.onnx"] as number[])[0] as number;
      const right = Math.abs((await run(cache)) - reference);
      // The same cache declared 1 token long: the mask, so GQA's seqlens_k / total_sequence_length,
      // and the positions miss the rest of it.
      const short = Math.abs((await run({ ...cache, length: 1 })) - reference);
      console.log(`[sensitivity] gqa prefix: counted ${right.toExponential(2)}, mask short ${short.toExponential(2)}`);
      expect(right).toBeLessThanOrEqual(TOL);
      expect(short).toBeGreaterThan(100 * TOL);
    } finally {
      await session.release();
    }
  });
});

/** logit[yes] - logit[no] of the q8 file run by onnxruntime-node, one golden sequence at a time. */
async function ortSingle(file: string, rows: number[][]): Promise<number[]> {
  const session = await ort.InferenceSession.create(join(CELL, "onnx", file));
  try {
    const z: number[] = [];
    for (const row of rows) {
      const n = row.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor("int64", BigInt64Array.from(row, BigInt), [1, n]),
        attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
        position_ids: new ort.Tensor("int64", BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), [1, n]),
      };
      for (let i = 0; i < (config["num_hidden_layers"] as number); i++) {
        for (const kind of ["key", "value"]) {
          feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor("float32", new Float32Array(0), [1, config["num_key_value_heads"] as number, 0, config["head_dim"] as number]);
        }
      }
      const logits = (await session.run(feeds, ["logits"]))["logits"] as ort.Tensor;
      const vocab = logits.dims[2] as number;
      const last = (logits.data as Float32Array).subarray((n - 1) * vocab, n * vocab);
      z.push((last[g.true_token_id] as number) - (last[g.false_token_id] as number));
    }
    return z;
  } finally {
    await session.release();
  }
}

describe("GQA reranker q8 (model_quantized.onnx, MatMulInteger)", () => {
  it("the file's own kernel one pair at a time equals onnxruntime on this CPU (its int8 kernels differ between CPUs)", async () => {
    const reference = await ortSingle("model_quantized.onnx", g.input_ids);
    const scorer = await open("model_quantized.onnx", { rewriteHead: false, int8Weights: "int8", maxBatchSize: 1, reusePrefix: false });
    try {
      expect(maxAbsDiff(await zipped(scorer), reference)).toBeLessThanOrEqual(TOL);
    } finally {
      await scorer.close();
    }
  });

  it("mixed batches and prefix reuse stay within the README's q8 batch drift (0.5 on this fixture) of one pair at a time", async () => {
    // Dynamic quantization scales activations per tensor, so padding rows and the cached prefix
    // change the scale: the drift is bounded, not zero, and as large as on the unfused q8 fixture
    // (measured 0.32 here, 0.43 on llm-rerankers/qwen3-causal; q8 alone is 0.45 from fp32). Same
    // kernel and head on both sides. A wrong mask (seqlens_k) moves scores by 4.9, far beyond it.
    const [batched, alone] = await Promise.all([open("model_quantized.onnx"), open("model_quantized.onnx", { maxBatchSize: 1, reusePrefix: false })]);
    try {
      const drift = Math.max(
        maxAbsDiff(await zipped(batched), await zipped(alone)),
        maxAbsDiff(await oneToMany(batched), await oneToMany(alone)),
      );
      const fromFp32 = maxAbsDiff(await zipped(alone), g.ort["model.onnx"] as number[]);
      console.log(`[parity] gqa q8 batch drift: ${drift.toExponential(2)} (q8 alone vs fp32 ${fromFp32.toExponential(2)})`);
      expect(drift).toBeLessThanOrEqual(0.5);
    } finally {
      await Promise.all([batched.close(), alone.close()]);
    }
  });
});
