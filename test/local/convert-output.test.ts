/**
 * What `convertLlmReranker` writes besides the graph: the one-label config.json (the source's keys
 * kept, vLLM's conversion keys removed, the conversion recorded), the tokenizer files, the
 * template, the file name per dtype, external weights beside the graph, and a preset's head when
 * no tokens are given.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CrossEncoderScorer, InvalidInputError, loadScorer, ModelLoadError } from "../../src/index.js";
import { convertLlmReranker } from "../../src/local/llm-reranker/convert.js";

const CAUSAL = "test/golden/llm-rerankers/qwen3-causal";
const LM = "test/golden/decoders/qwen3-causal-lm";
const golden = JSON.parse(readFileSync(join(CAUSAL, "golden.json"), "utf8")) as { true_token_id: number; false_token_id: number };
const lmTokens = (JSON.parse(readFileSync(join(LM, "golden.json"), "utf8")) as { token_ids: number[] }).token_ids;
const root = mkdtempSync(join(tmpdir(), "rk-convert-out-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name = "out") => join(root, `${name}-${n++}`);
const json = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

/** A copy of `from` at `root/<name>`, its config.json patched. */
function copy(from: string, name: string, patch: Record<string, unknown> = {}): string {
  const dir = join(root, name);
  cpSync(from, dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...json(join(from, "config.json")), ...patch }));
  return dir;
}

describe("convertLlmReranker output folder", () => {
  it("config.json: one label, the source's other keys, the conversion recorded, vLLM's keys removed", async () => {
    const src = copy(CAUSAL, "with-keys", { classifier_from_token: ["no", "yes"], method: "from_2_way_softmax", is_original_qwen3_reranker: true });
    const out = fresh();
    const result = await convertLlmReranker(src, { out, classifierFromTokens: ["no", "yes"], scoreTemplate: "qwen3-reranker" });
    const rows = [
      { tokenId: golden.true_token_id, coefficient: 1 },
      { tokenId: golden.false_token_id, coefficient: -1 },
    ];
    expect(result).toEqual({ out, onnxFile: "onnx/model.onnx", rows, template: "qwen3-reranker" });
    const source = json(join(CAUSAL, "config.json"));
    const config = json(join(out, "config.json"));
    const { classifier_from_token: _t, method: _m, is_original_qwen3_reranker: _q, ...kept } = config;
    expect(config).not.toHaveProperty("classifier_from_token");
    expect(config).not.toHaveProperty("method");
    expect(config).not.toHaveProperty("is_original_qwen3_reranker");
    expect(kept).toEqual({
      ...source,
      architectures: ["Qwen3ForSequenceClassification"],
      num_labels: 1,
      id2label: { "0": "LABEL_0" },
      label2id: { LABEL_0: 0 },
      rerank_kit_conversion: { from: src, classifier_from_token: ["no", "yes"], method: "from_2_way_softmax", rows },
    });
    expect(readFileSync(join(out, "config.json"), "utf8")).toMatch(/\n {2}"num_labels": 1,\n/);
    expect(readFileSync(join(out, "config.json"), "utf8").endsWith("}\n")).toBe(true);
    // The tokenizer and generation files are copied as they are; what the source lacks is not made up.
    for (const f of ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]) expect(readFileSync(join(out, f), "utf8")).toBe(readFileSync(join(CAUSAL, f), "utf8"));
    expect(existsSync(join(out, "special_tokens_map.json"))).toBe(false);
    expect(existsSync(join(out, "chat_template.jinja"))).toBe(true);
  });

  it("a Hub-named folder without tokens gets its preset's head and template", async () => {
    const src = copy(CAUSAL, "Qwen3-Reranker-0.6B");
    rmSync(join(src, "chat_template.jinja"));
    const out = fresh();
    const result = await convertLlmReranker(src, { out });
    expect(result.rows).toEqual([
      { tokenId: golden.true_token_id, coefficient: 1 },
      { tokenId: golden.false_token_id, coefficient: -1 },
    ]);
    expect(result.template).toBe("qwen3-reranker");
    expect((json(join(out, "config.json"))["rerank_kit_conversion"] as { method: string }).method).toBe("from_2_way_softmax");
  });

  it("dtype q8 converts model_quantized.onnx and writes it under that name", async () => {
    const out = fresh();
    const result = await convertLlmReranker(CAUSAL, { out, dtype: "q8", classifierFromTokens: ["no", "yes"], scoreTemplate: false });
    expect(result.onnxFile).toBe("onnx/model_quantized.onnx");
    expect(existsSync(join(out, "onnx", "model_quantized.onnx"))).toBe(true);
    expect(existsSync(join(out, "onnx", "model.onnx"))).toBe(false);
  });

  it("external weights are copied beside the graph under the name it reads, and score as the inline graph", async () => {
    const external = join(root, "external-lm");
    cpSync(LM, external, { recursive: true });
    rmSync(join(external, "onnx"), { recursive: true });
    cpSync(join(LM, "external"), join(external, "onnx"), { recursive: true });
    const [a, b] = [fresh(), fresh()];
    const opts = { classifierFromTokens: ["no", "yes"], scoreTemplate: false as const };
    await convertLlmReranker(external, { out: a, ...opts });
    await convertLlmReranker(LM, { out: b, ...opts });
    expect(readFileSync(join(a, "onnx", "model.onnx_data")).equals(readFileSync(join(external, "onnx", "model.onnx_data")))).toBe(true);
    expect(existsSync(join(b, "onnx", "model.onnx_data"))).toBe(false);
    const [sa, sb] = (await Promise.all([loadScorer(a, { threads: 1 }), loadScorer(b, { threads: 1 })])) as CrossEncoderScorer[];
    try {
      const docs = ["yes it is", "no", "a longer document about something else entirely"];
      const [za, zb] = await Promise.all([sa!.score("is it?", docs, { activation: false }), sb!.score("is it?", docs, { activation: false })]);
      expect(Math.max(...za.map((v, i) => Math.abs(v - zb[i]!)))).toBeLessThanOrEqual(1e-5);
      expect(new Set(za.map((v) => v.toFixed(3))).size).toBe(3);
    } finally {
      await Promise.all([sa!.close(), sb!.close()]);
    }
    expect(lmTokens.length).toBeGreaterThan(1);
  });

  it("names the architectures of a model that is not a causal LM, and asks for tokens when there is no preset", async () => {
    const seqCls = "test/golden/llm-rerankers/qwen3-seq-cls";
    await expect(convertLlmReranker(seqCls, { out: fresh() })).rejects.toThrow(ModelLoadError);
    await expect(convertLlmReranker(seqCls, { out: fresh() })).rejects.toThrow('convert needs a causal LM (*ForCausalLM), config.json says ["Qwen3ForSequenceClassification"]');
    const none = copy(CAUSAL, "no-architectures", { architectures: undefined });
    await expect(convertLlmReranker(none, { out: fresh() })).rejects.toThrow("config.json says []");
    await expect(convertLlmReranker(CAUSAL, { out: fresh() })).rejects.toThrow(InvalidInputError);
    await expect(convertLlmReranker(CAUSAL, { out: fresh() })).rejects.toThrow('convert needs classifierFromTokens (e.g. ["no","yes"]) for a model without a preset');
  });
});
