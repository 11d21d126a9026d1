import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BiEncoderScorer, InvalidInputError, loadScorer, ModelLoadError } from "../../src/index.js";
import { quantizeWeight } from "../../src/local/quantize/quantize-graph.js";
import { quantizeModel } from "../../src/local/quantize/quantize-model.js";
import { runCli } from "../cli/run-cli.js";

const CROSS = "test/golden/encoders/cross/bert";
const BI = "test/golden/encoders/bi/bert-mean";
const tmp = () => mkdtempSync(join(tmpdir(), "rk-quantize-"));

/** Op types of an ONNX file, read with a protobuf walk of its own (nothing from src/). */
function opTypes(file: string): string[] {
  const buf = readFileSync(file);
  const fields = (b: Uint8Array): Array<[number, Uint8Array]> => {
    const out: Array<[number, Uint8Array]> = [];
    let p = 0;
    const varint = () => {
      let r = 0;
      let m = 1;
      for (;;) {
        const x = b[p++] as number;
        r += (x & 0x7f) * m;
        if (x < 0x80) return r;
        m *= 128;
      }
    };
    while (p < b.length) {
      const tag = varint();
      const wire = tag & 7;
      if (wire === 0) varint();
      else if (wire === 1) p += 8;
      else if (wire === 5) p += 4;
      else {
        const n = varint();
        out.push([Math.floor(tag / 8), b.subarray(p, p + n)]);
        p += n;
      }
    }
    return out;
  };
  const graph = fields(buf).find(([f]) => f === 7)![1];
  return fields(graph)
    .filter(([f]) => f === 1)
    .map(([, node]) => new TextDecoder().decode(fields(node).find(([f]) => f === 4)![1]));
}

describe("quantizeWeight (symmetric int8)", () => {
  it("per column: every column's largest magnitude maps to +-127 and each value rounds to within half a step", () => {
    const k = 7;
    const n = 5;
    const w = Array.from({ length: k * n }, (_, i) => Math.sin(i * 1.7) * (1 + (i % n)));
    const { q, scale } = quantizeWeight(w, k, n, true);
    expect(scale).toHaveLength(n);
    for (let j = 0; j < n; j++) {
      const col = Array.from({ length: k }, (_, i) => w[i * n + j] as number);
      expect(scale[j]).toBeCloseTo(Math.max(...col.map(Math.abs)) / 127, 7);
      expect(Math.max(...Array.from({ length: k }, (_, i) => Math.abs(q[i * n + j] as number)))).toBe(127);
      for (let i = 0; i < k; i++) expect(Math.abs((q[i * n + j] as number) * (scale[j] as number) - (col[i] as number))).toBeLessThanOrEqual((scale[j] as number) / 2 + 1e-7);
    }
  });

  it("per tensor: one scale from the largest magnitude of the whole weight", () => {
    const w = [0.5, -2, 1, 0.25];
    const { q, scale } = quantizeWeight(w, 2, 2, false);
    expect(Array.from(scale)).toEqual([Math.fround(2 / 127)]);
    expect(Array.from(q)).toEqual([32, -127, 64, 16]);
  });
});

describe("quantizeModel / rerank-kit quantize", () => {
  // sentence-transformers CrossEncoder.predict logits on the same fp32 weights (independent reference).
  const golden = JSON.parse(readFileSync(join(CROSS, "golden.json"), "utf8")) as { pairs: Array<{ query: string; document: string; score: number }> };
  const query = golden.pairs[0]!.query;
  const pairs = golden.pairs.filter((p) => p.query === query);

  it("cross-encoder: writes a q8 folder with integer MatMuls whose logits drift from fp32 by more than 1e-3 and less than 0.1", async () => {
    const out = tmp();
    const result = await quantizeModel(CROSS, { out, sample: { query, documents: pairs.map((p) => p.document) }, threads: 1 });
    expect(result.onnxFile).toBe("onnx/model_quantized.onnx");
    const ops = opTypes(join(out, "onnx/model_quantized.onnx"));
    // 2 layers x (Q, K, V, attention output, FFN in, FFN out) = 12 weight MatMuls.
    expect(ops.filter((o) => o === "MatMulInteger")).toHaveLength(12);
    expect(ops).toContain("DynamicQuantizeLinear");
    expect(result.matmuls).toEqual({ quantized: 12, kept: 4 }); // QK^T and PV per layer stay fp32
    // ONNX Runtime must fuse every quantized MatMul into its uint8 x int8 kernels (the AMX / VNNI
    // ones); a pattern it does not recognize would run as slow unfused integer ops.
    const optimized = join(out, "optimized.onnx");
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(join(out, "onnx/model_quantized.onnx"), { graphOptimizationLevel: "all", optimizedModelFilePath: optimized });
    await session.release();
    const fused = opTypes(optimized);
    expect(fused.filter((o) => o === "DynamicQuantizeMatMul" || o === "MatMulIntegerToFloat")).toHaveLength(12);
    expect(fused).not.toContain("MatMulInteger");
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) expect(readFileSync(join(out, f), "utf8")).toBe(readFileSync(join(CROSS, f), "utf8"));

    const scorer = await loadScorer(out, { dtype: "q8", activation: "identity", threads: 1 });
    try {
      const z = await scorer.score(query, pairs.map((p) => p.document));
      const drift = z.map((v, i) => Math.abs(v - pairs[i]!.score));
      const max = Math.max(...drift);
      console.log(`[parity] q8 cross/bert max abs logit drift ${max.toExponential(2)} (golden logit std ~0.2)`);
      expect(max).toBeGreaterThan(1e-3); // an fp32 graph would match to ~1e-6
      expect(max).toBeLessThan(0.1);
      // The report is the same comparison, made by the command itself.
      expect(result.parity!.maxAbsDrift).toBeCloseTo(max, 4);
      expect(result.parity!.documents).toBe(pairs.length);
      expect(result.parity!.spearman).toBeGreaterThan(0.8);
    } finally {
      await scorer.close();
    }
  });

  it("bi-encoder: q8 embeddings stay within 0.05 of sentence-transformers' fp32 embeddings, and differ", async () => {
    const out = tmp();
    await quantizeModel(BI, { out, skipParity: true });
    const g = JSON.parse(readFileSync(join(BI, "golden.json"), "utf8")) as { documents: string[]; documentEmbeddings: number[][] };
    const scorer = (await loadScorer(out, { dtype: "q8", threads: 1 })) as BiEncoderScorer;
    try {
      const emb = await scorer.embed(g.documents, { kind: "document" });
      const max = Math.max(...emb.flatMap((e, i) => Array.from(e, (v, j) => Math.abs(v - g.documentEmbeddings[i]![j]!))));
      console.log(`[parity] q8 bi/bert-mean max abs embedding drift ${max.toExponential(2)}`);
      expect(max).toBeGreaterThan(1e-4);
      expect(max).toBeLessThan(0.05);
    } finally {
      await scorer.close();
    }
  });

  it("per-tensor granularity writes scalar weight scales", async () => {
    const out = tmp();
    const result = await quantizeModel(CROSS, { out, granularity: "per-tensor", skipParity: true });
    expect(result.matmuls.quantized).toBe(12);
    expect(result.bytes.int8).toBeLessThan(result.bytes.fp32);
  });

  it("refuses an output inside the model folder, an already quantized graph and a too small sample", async () => {
    await expect(quantizeModel(CROSS, { out: join(CROSS, "q8") })).rejects.toThrow(InvalidInputError);
    await expect(quantizeModel(CROSS, { out: CROSS })).rejects.toThrow(/is the model folder or inside it/);
    const out = tmp();
    await quantizeModel(CROSS, { out, skipParity: true });
    await expect(quantizeModel(out, { out: tmp(), onnxFile: "onnx/model_quantized.onnx" })).rejects.toThrow(ModelLoadError);
    await expect(quantizeModel(out, { out: tmp(), onnxFile: "onnx/model_quantized.onnx" })).rejects.toThrow(/already quantized \(it has a MatMulInteger node/);
    await expect(quantizeModel(CROSS, { out: tmp(), sample: { query: "q", documents: ["one"] } })).rejects.toThrow(/at least 2 documents/);
  });

  it("CLI: prints the report as JSON; bad flags exit 2 with a message naming the problem", async () => {
    const out = tmp();
    const ok = await runCli(["quantize", "--model", CROSS, "--out", out, "--threads", "1"]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout) as { parity: { documents: number; maxAbsDrift: number } };
    expect(report.parity.documents).toBe(16);
    expect(report.parity.maxAbsDrift).toBeGreaterThan(1e-3);

    const noOut = await runCli(["quantize", "--model", CROSS]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/required option '-o, --out <folder>'/);
    const badGran = await runCli(["quantize", "--model", CROSS, "--out", tmp(), "--granularity", "per-row"]);
    expect(badGran.code).toBe(2);
    expect(badGran.stderr).toMatch(/per-column, per-tensor/);
    const sample = join(tmp(), "sample.json");
    writeFileSync(sample, "not json");
    const badSample = await runCli(["quantize", "--model", CROSS, "--out", tmp(), "--sample", sample]);
    expect(badSample.code).toBe(2);
    expect(badSample.stderr).toMatch(/--sample .* is not JSON/);
    const missing = await runCli(["quantize", "--model", "./no/such/folder", "--out", tmp()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Model folder not found/);
  }, 300_000); // five CLI processes, each starting tsx
});
