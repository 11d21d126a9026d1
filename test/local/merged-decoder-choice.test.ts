/**
 * An Optimum causal-LM export whose one decoder graph is `decoder_model_merged.onnx` loads without
 * `onnxFile`, from a folder and by Hub id; with another decoder graph beside it the choice stays
 * the caller's. Reference: onnxruntime's scores of the merged graph in the GQA reranker golden
 * (test/golden/gqa/gqa-reranker, scripts/reference), not this package's own output.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelLoadError } from "../../src/index.js";
import { loadScorer } from "../../src/local/index.js";
import { mergedDecoderFallback } from "../../src/local/files/onnx-choice.js";
import { fakeHub } from "./fake-hub.js";

const CELL = join(import.meta.dirname, "..", "golden", "gqa", "gqa-reranker");
const g = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as {
  hf_overrides: Record<string, unknown>;
  cases: { query: string; document: string }[];
  ort: Record<string, number[]>;
};
const OPTIONS = { hfOverrides: JSON.stringify(g.hf_overrides), chatTemplate: "qwen3-reranker" } as const;
const TOL = 1e-4;

/** A copy of the cell whose onnx/ holds only `graphs`. */
function folderWith(graphs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "rk-merged-"));
  cpSync(CELL, dir, { recursive: true });
  for (const f of readdirSync(join(dir, "onnx"))) if (!graphs.includes(f)) rmSync(join(dir, "onnx", f));
  return dir;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function scoresOf(model: string, options: Record<string, unknown> = {}): Promise<number[]> {
  const scorer = await loadScorer(model, { ...OPTIONS, ...options });
  try {
    return await scorer.score(g.cases.map((c) => c.query), g.cases.map((c) => c.document), { activation: false });
  } finally {
    await scorer.close();
  }
}

const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));

describe("mergedDecoderFallback", () => {
  it("names the merged decoder of the dtype when it is the one decoder graph", () => {
    expect(mergedDecoderFallback("onnx/model.onnx", ["decoder_model_merged.onnx"])).toBe("onnx/decoder_model_merged.onnx");
    expect(mergedDecoderFallback("onnx/model_quantized.onnx", ["decoder_model_merged.onnx", "decoder_model_merged_quantized.onnx"])).toBe(
      "onnx/decoder_model_merged_quantized.onnx",
    );
    expect(mergedDecoderFallback("onnx/model_fp16.onnx", ["decoder_model_merged_fp16.onnx", "tokenizer.onnx.txt"])).toBe("onnx/decoder_model_merged_fp16.onnx");
  });

  it("leaves the choice to the caller when another decoder graph of that dtype is there, or none is merged", () => {
    expect(mergedDecoderFallback("onnx/model.onnx", ["decoder_model.onnx", "decoder_model_merged.onnx"])).toBeUndefined();
    expect(mergedDecoderFallback("onnx/model.onnx", ["decoder_with_past_model.onnx", "decoder_model_merged.onnx"])).toBeUndefined();
    expect(mergedDecoderFallback("onnx/model.onnx", ["decoder_model.onnx"])).toBeUndefined();
    // Another dtype's merged graph is not this dtype's.
    expect(mergedDecoderFallback("onnx/model_quantized.onnx", ["decoder_model_merged.onnx"])).toBeUndefined();
    // A name the caller chose (onnxFile) never falls back.
    expect(mergedDecoderFallback("onnx/custom.onnx", ["decoder_model_merged.onnx"])).toBeUndefined();
  });
});

describe("a folder whose one decoder graph is decoder_model_merged.onnx", () => {
  it("loads without onnxFile and scores as onnxruntime runs the merged graph", async () => {
    const dir = folderWith(["decoder_model_merged.onnx"]);
    dirs.push(dir);
    const err = maxAbsDiff(await scoresOf(dir), g.ort["decoder_model_merged.onnx"] as number[]);
    console.log(`[parity] merged decoder picked without onnxFile: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
  }, 60_000);

  it("is not picked beside a plain decoder_model.onnx: the error lists both", async () => {
    const dir = folderWith(["decoder_model_merged.onnx"]);
    dirs.push(dir);
    cpSync(join(dir, "onnx", "decoder_model_merged.onnx"), join(dir, "onnx", "decoder_model.onnx"));
    const error = await loadScorer(dir, OPTIONS).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/found in onnx\/: .*decoder_model\.onnx/);
  });
});

describe("a Hub repo whose one decoder graph is decoder_model_merged.onnx (fake Hub on 127.0.0.1)", () => {
  const REPO = "test-org/merged-decoder-reranker";
  let hub: ReturnType<typeof fakeHub>;
  let hubUrl: string;
  const cacheDir = mkdtempSync(join(tmpdir(), "rk-merged-hub-"));
  dirs.push(cacheDir);

  beforeAll(async () => {
    const dir = folderWith(["decoder_model_merged.onnx"]);
    dirs.push(dir);
    hub = fakeHub({ [REPO]: dir });
    await new Promise<void>((r) => hub.server.listen(0, "127.0.0.1", () => r()));
    hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  });
  afterAll(() => void hub.server.close());

  it("downloads the merged graph and scores as onnxruntime runs it", async () => {
    const err = maxAbsDiff(await scoresOf(REPO, { hubUrl, cacheDir }), g.ort["decoder_model_merged.onnx"] as number[]);
    expect(hub.fullDownloads).toContain(`${REPO}/onnx/decoder_model_merged.onnx`);
    expect(err).toBeLessThanOrEqual(TOL);
  }, 60_000);
});
