/**
 * quantizeModel on the tiny cross-encoder, parity sample of a few documents: the report, the
 * folder it writes (what is copied and what is not), the sizes it counts, and the inputs it
 * refuses. The slow parity files (quantize.test.ts) check the same command against the Python
 * goldens; this file is the quick one the mutation scope runs.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { InvalidInputError, loadScorer } from "../../src/index.js";
import { DEFAULT_PARITY_SAMPLE, quantizeModel } from "../../src/local/quantize/quantize-model.js";

/** Every loadScorer call (the parity check's two models included): folder, options, whether it was closed. */
const loads = vi.hoisted(() => [] as Array<{ dir: string; options: Record<string, unknown>; closed: boolean }>);
vi.mock("../../src/local/load-scorer.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/local/load-scorer.js")>();
  const recorded = async (dir: string, options: Record<string, unknown> = {}) => {
    const record = { dir, options: { ...options }, closed: false };
    loads.push(record);
    const scorer = await actual.loadScorer(dir, options);
    const close = scorer.close.bind(scorer);
    scorer.close = async () => {
      record.closed = true;
      await close();
    };
    return scorer;
  };
  return { ...actual, loadScorer: recorded };
});

const CROSS = "test/golden/encoders/cross/bert";
const DECODER = join("test", "golden", "decoders", "qwen3-embedding");
const BI = "test/golden/encoders/bi/bert-mean";
const root = mkdtempSync(join(tmpdir(), "rk-quantize-model-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `out-${n++}`);
const SAMPLE = { query: "what is the capital of france", documents: ["paris is the capital of france", "the train leaves at seven", "berlin is in germany"] };

describe("quantizeModel report", () => {
  it("compares int8 and fp32 logits (no sigmoid) on the sample, and counts what it wrote", async () => {
    // A copy whose sentence-transformers config asks for a sigmoid: the report must still compare logits.
    const src = join(root, "sigmoid-src");
    cpSync(CROSS, src, { recursive: true });
    const st = JSON.parse(readFileSync(join(CROSS, "config_sentence_transformers.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(src, "config_sentence_transformers.json"), JSON.stringify({ ...st, activation_fn: "torch.nn.modules.activation.Sigmoid" }));
    const out = fresh();
    const result = await quantizeModel(src, { out, sample: SAMPLE, threads: 1 });
    expect(result.out).toBe(resolve(out));
    expect(result.onnxFile).toBe("onnx/model_quantized.onnx");
    expect(result.matmuls).toEqual({ quantized: 12, kept: 4 });
    expect(result.bytes).toEqual({ fp32: statSync(join(src, "onnx", "model.onnx")).size, int8: statSync(join(out, "onnx", "model_quantized.onnx")).size });
    const [fp32, int8] = await Promise.all([
      loadScorer(src, { activation: "identity", threads: 1 }),
      loadScorer(out, { dtype: "q8", activation: "identity", threads: 1 }),
    ]);
    try {
      const [a, b] = await Promise.all([fp32.score(SAMPLE.query, SAMPLE.documents), int8.score(SAMPLE.query, SAMPLE.documents)]);
      const diffs = a.map((v, i) => Math.abs(v - b[i]!));
      const p = result.parity!;
      expect(p.documents).toBe(3);
      expect(p.maxAbsDrift).toBeCloseTo(Math.max(...diffs), 6);
      expect(p.meanAbsDrift).toBeCloseTo(diffs.reduce((s, v) => s + v, 0) / 3, 6);
      const mean = a.reduce((s, v) => s + v, 0) / 3;
      expect(p.fp32ScoreStd).toBeCloseTo(Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / 3), 6);
      // Logits, not probabilities: a sigmoid would shrink the drift at least 4x.
      expect(p.maxAbsDrift).toBeGreaterThan(1e-4);
      expect(p.fp32ScoreStd).toBeGreaterThan(0.05);
    } finally {
      await Promise.all([fp32.close(), int8.close()]);
    }
  });

  it("skipParity writes the model and reports no parity", async () => {
    const result = await quantizeModel(CROSS, { out: fresh(), skipParity: true });
    expect(result.parity).toBeUndefined();
    expect(result.matmuls.quantized).toBe(12);
  });

  it("counts external weights in the fp32 size", async () => {
    const src = join(root, "external-src");
    cpSync(DECODER, src, { recursive: true });
    rmSync(join(src, "onnx"), { recursive: true });
    cpSync(join(DECODER, "external"), join(src, "onnx"), { recursive: true });
    const out = fresh();
    const result = await quantizeModel(src, { out, skipParity: true });
    expect(result.bytes.fp32).toBe(statSync(join(src, "onnx", "model.onnx")).size + statSync(join(src, "onnx", "model.onnx_data")).size);
    // The int8 file holds every weight inline: no data file is written or copied.
    expect(existsSync(join(out, "onnx", "model.onnx_data"))).toBe(false);
  });

  it("the default sample is one query and 16 documents", () => {
    expect(DEFAULT_PARITY_SAMPLE.documents).toHaveLength(16);
    expect(DEFAULT_PARITY_SAMPLE.query).toBe("how do vaccines train the immune system");
  });
});

describe("quantizeModel output folder", () => {
  it("copies the folder (links followed) without ONNX graphs, their data or hidden entries", async () => {
    const src = join(root, "src-folder");
    cpSync(CROSS, src, { recursive: true });
    mkdirSync(join(src, "1_Pooling"));
    writeFileSync(join(src, "1_Pooling", "config.json"), '{"pooling_mode_cls_token": true}');
    writeFileSync(join(src, "model.onnx"), "graph");
    writeFileSync(join(src, "weights.onnx_data"), "data");
    writeFileSync(join(src, "extra.onnx.data"), "data");
    writeFileSync(join(src, "notes.onnx.txt"), "kept");
    mkdirSync(join(src, ".cache"));
    writeFileSync(join(src, ".cache", "x"), "x");
    writeFileSync(join(src, ".hidden"), "x");
    writeFileSync(join(root, "linked-readme.md"), "linked");
    symlinkSync(join(root, "linked-readme.md"), join(src, "README.md"));
    const out = fresh();
    await quantizeModel(src, { out, skipParity: true });
    expect(readFileSync(join(out, "1_Pooling", "config.json"), "utf8")).toBe('{"pooling_mode_cls_token": true}');
    expect(readFileSync(join(out, "notes.onnx.txt"), "utf8")).toBe("kept");
    expect(readFileSync(join(out, "config.json"), "utf8")).toBe(readFileSync(join(CROSS, "config.json"), "utf8"));
    expect(lstatSync(join(out, "README.md")).isFile()).toBe(true); // a copy, not the link
    expect(readFileSync(join(out, "README.md"), "utf8")).toBe("linked");
    for (const f of ["model.onnx", "weights.onnx_data", "extra.onnx.data", ".cache", ".hidden", "onnx/model.onnx"]) expect(existsSync(join(out, f)), f).toBe(false);
    expect(existsSync(join(out, "onnx", "model_quantized.onnx"))).toBe(true);
  });

  it("creates missing parent folders, and writes into an earlier output again", async () => {
    const out = join(fresh(), "nested", "deeper");
    await quantizeModel(CROSS, { out, skipParity: true });
    const first = readFileSync(join(out, "onnx", "model_quantized.onnx"));
    await quantizeModel(CROSS, { out, skipParity: true });
    expect(readFileSync(join(out, "onnx", "model_quantized.onnx")).equals(first)).toBe(true);
  });
});

describe("quantizeModel refuses", () => {
  it("a missing or empty output folder", async () => {
    await expect(quantizeModel(CROSS, { out: "" })).rejects.toThrow(InvalidInputError);
    await expect(quantizeModel(CROSS, { out: "" })).rejects.toThrow("quantize needs an output folder (out)");
    await expect(quantizeModel(CROSS, { out: undefined as never })).rejects.toThrow("quantize needs an output folder (out)");
  });

  it("an output folder that is the model folder or inside it, naming it", async () => {
    await expect(quantizeModel(CROSS, { out: join(CROSS, "q8") })).rejects.toThrow(`the output folder ${resolve(CROSS, "q8")} is the model folder or inside it; choose another folder`);
    await expect(quantizeModel(CROSS, { out: CROSS, skipParity: true })).rejects.toThrow(InvalidInputError);
    // A folder inside it whose name starts with ".." is inside (it is no path through "..").
    const dotted = join(root, "src-dotted");
    cpSync(CROSS, dotted, { recursive: true });
    await expect(quantizeModel(dotted, { out: join(dotted, "..q8"), skipParity: true })).rejects.toThrow(`the output folder ${resolve(dotted, "..q8")} is the model folder or inside it`);
    // A sibling whose name starts like the model's is outside it.
    const sibling = join(root, "src-sib");
    cpSync(CROSS, sibling, { recursive: true });
    await expect(quantizeModel(sibling, { out: `${sibling}-q8`, skipParity: true })).resolves.toMatchObject({ onnxFile: "onnx/model_quantized.onnx" });
  });

  it.each([
    [{ query: 1, documents: ["a", "b"] }],
    [{ query: "q", documents: "a b" }],
    [{ query: "q", documents: ["a"] }],
    [{ query: "q", documents: ["a", 2] }],
  ])("the parity sample %j", async (sample) => {
    await expect(quantizeModel(CROSS, { out: fresh(), sample: sample as never })).rejects.toThrow("the parity sample needs a query and at least 2 documents (strings)");
  });

  it("a two-document sample is enough", async () => {
    const r = await quantizeModel(CROSS, { out: fresh(), sample: { query: "q", documents: ["a", "b"] }, threads: 1 });
    expect(r.parity?.documents).toBe(2);
  });
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { field?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { field?: string };
  }
  throw new Error("expected a rejection");
}

describe("quantizeModel errors name the option at fault", () => {
  it("field is out for a missing or misplaced output folder, sample for a bad sample", async () => {
    expect((await rejection(quantizeModel(CROSS, { out: "" }))).field).toBe("out");
    expect((await rejection(quantizeModel(CROSS, { out: join(CROSS, "q8") }))).field).toBe("out");
    expect((await rejection(quantizeModel(CROSS, { out: fresh(), sample: { query: "q", documents: ["a"] } }))).field).toBe("sample");
  });
});

describe("quantizeModel loads what the caller names, and the parity models as the family needs", () => {
  beforeEach(() => {
    loads.length = 0;
  });

  it("onnxFile picks the fp32 graph (quantized, and the parity reference); onnx/ is never copied", async () => {
    const src = join(root, "custom-onnx-src");
    cpSync(CROSS, src, { recursive: true });
    // No onnx/model.onnx: the default file would fail to load.
    renameSync(join(src, "onnx", "model.onnx"), join(src, "onnx", "reranker.onnx"));
    writeFileSync(join(src, "onnx", "notes.txt"), "graphs only");
    const out = fresh();
    const result = await quantizeModel(src, { out, onnxFile: "onnx/reranker.onnx", sample: SAMPLE, threads: 1 });
    expect(result.matmuls).toEqual({ quantized: 12, kept: 4 });
    expect(result.bytes.fp32).toBe(statSync(join(src, "onnx", "reranker.onnx")).size);
    expect(result.parity?.documents).toBe(3);
    expect(readdirSync(join(out, "onnx"))).toEqual(["model_quantized.onnx"]);
    expect(loads.map((l) => l.options["onnxFile"] ?? l.options["dtype"])).toEqual(["onnx/reranker.onnx", "q8"]);
  });

  it("passes threads to both models and closes both (the cross-encoder on logits)", async () => {
    await quantizeModel(CROSS, { out: fresh(), sample: SAMPLE, threads: 1 });
    expect(loads).toHaveLength(2);
    for (const l of loads) {
      expect(l.options).toMatchObject({ threads: 1, activation: "identity" });
      expect(l.closed).toBe(true);
    }
  });

  it("a bi-encoder is compared on its own scores (cosine): no cross-encoder activation reaches it", async () => {
    const result = await quantizeModel(BI, { out: fresh(), sample: SAMPLE, threads: 1 });
    expect(result.parity?.documents).toBe(3);
    expect(result.parity!.maxAbsDrift).toBeLessThan(0.05);
    expect(loads).toHaveLength(2);
    for (const l of loads) expect(l.options).not.toHaveProperty("activation");
  });
});
