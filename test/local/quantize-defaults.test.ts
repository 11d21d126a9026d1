import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BiEncoderScorer, loadScorer } from "../../src/index.js";
import { quantizeModel } from "../../src/local/quantize/quantize-model.js";

const CROSS = "test/golden/encoders/cross/bert";
const DECODER = join("test", "golden", "decoders", "qwen3-embedding");
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "rk-quantize-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const written = (out: string) => readFileSync(join(out, "onnx", "model_quantized.onnx"));

describe("rerank-kit quantize: defaults and inputs", () => {
  it("the default granularity is per column (the README's default), not per tensor", async () => {
    const [byDefault, perColumn, perTensor] = [tmp(), tmp(), tmp()];
    await quantizeModel(CROSS, { out: byDefault, skipParity: true });
    await quantizeModel(CROSS, { out: perColumn, granularity: "per-column", skipParity: true });
    await quantizeModel(CROSS, { out: perTensor, granularity: "per-tensor", skipParity: true });
    expect(written(byDefault).equals(written(perColumn))).toBe(true);
    expect(written(byDefault).equals(written(perTensor))).toBe(false);
  });

  it("quantizes a model whose weights are in external data as it quantizes the same weights inline", async () => {
    // The fixture ships the same weights twice: inline (onnx/model.onnx) and as the Hub's large
    // decoders do (external/model.onnx + model.onnx_data).
    const external = tmp();
    cpSync(DECODER, external, { recursive: true });
    rmSync(join(external, "onnx"), { recursive: true });
    cpSync(join(DECODER, "external"), join(external, "onnx"), { recursive: true });
    rmSync(join(external, "external"), { recursive: true });
    const [fromExternal, fromInline] = [tmp(), tmp()];
    const result = await quantizeModel(external, { out: fromExternal, skipParity: true });
    await quantizeModel(DECODER, { out: fromInline, skipParity: true });
    expect(result.matmuls.quantized).toBeGreaterThan(0);
    const g = JSON.parse(readFileSync(join(DECODER, "golden.json"), "utf8")) as { documents: string[]; document_embeddings: number[][] };
    const [a, b] = (await Promise.all([loadScorer(fromExternal, { dtype: "q8", threads: 1 }), loadScorer(fromInline, { dtype: "q8", threads: 1 })])) as BiEncoderScorer[];
    try {
      const [ea, eb] = await Promise.all([a!.embed(g.documents, { kind: "document" }), b!.embed(g.documents, { kind: "document" })]);
      const diff = Math.max(...ea.flatMap((e, i) => Array.from(e, (v, j) => Math.abs(v - eb[i]![j]!))));
      expect(diff).toBeLessThanOrEqual(1e-6);
      // ...and it is int8: away from sentence-transformers' fp32 vectors of the same weights.
      const drift = Math.max(...ea.flatMap((e, i) => Array.from(e, (v, j) => Math.abs(v - g.document_embeddings[i]![j]!))));
      console.log(`[parity] q8 of an external-data decoder: max abs embedding drift from fp32 ${drift.toExponential(2)}`);
      expect(drift).toBeGreaterThan(1e-4);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  });
});
