/**
 * CLIP by Hugging Face id against the fake Hub on 127.0.0.1, in the three layouts the Hub has:
 * Xenova's (two towers beside one graph and other dtypes), onnx-community's one graph, and a
 * sentence-transformers `clip-ViT-*` save (the model in `0_CLIPModel/`). Each load must fetch
 * exactly the files its layout needs and give transformers' embeddings (the committed goldens).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { has } from "../../../src/contracts/capabilities.js";
import { ModelLoadError } from "../../../src/errors/model-load-error.js";
import { ImageTextScorer } from "../../../src/local/image-text/image-text-scorer.js";
import { loadScorer } from "../../../src/local/load-scorer.js";
import { IMAGES_ROOT } from "../../imaging/golden-inputs.js";
import { fakeHub } from "../fake-hub.js";

const TOLERANCE = 1e-4;
const CLIP = join(IMAGES_ROOT, "clip");
const golden = JSON.parse(readFileSync(join(CLIP, "golden.json"), "utf8")) as { texts: string[]; images: string[]; textEmbeddings: number[][]; imageEmbeddings: number[][] };
const paths = golden.images.map((f) => join(IMAGES_ROOT, "inputs", f));

function normalized(v: readonly number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}
function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return a.length === b.length ? worst : Infinity;
}

const XENOVA = "test-org/tiny-clip";
const JOINT = "test-org/tiny-clip-one-graph";
const ST = "test-org/clip-ViT-tiny";
const repos = mkdtempSync(join(tmpdir(), "rk-clip-hub-repos-"));
const cacheDir = mkdtempSync(join(tmpdir(), "rk-clip-hub-cache-"));

/** Xenova's layout: both towers and the one graph, a quantized tower, the BPE files and the checkpoint beside them. */
function xenovaRepo(): string {
  const dir = join(repos, "xenova");
  cpSync(join(CLIP, "split"), dir, { recursive: true });
  cpSync(join(CLIP, "joint", "onnx", "model.onnx"), join(dir, "onnx", "model.onnx"));
  cpSync(join(dir, "onnx", "text_model.onnx"), join(dir, "onnx", "text_model_quantized.onnx"));
  writeFileSync(join(dir, "vocab.json"), "{}");
  writeFileSync(join(dir, "merges.txt"), "#version: 0.2\n");
  return dir;
}

/** onnx-community's one graph taking input_ids and pixel_values. */
function jointRepo(): string {
  const dir = join(repos, "joint");
  cpSync(join(CLIP, "joint"), dir, { recursive: true });
  cpSync(join(CLIP, "split", "tokenizer.json"), join(dir, "tokenizer.json"));
  return dir;
}

/** A sentence-transformers clip-ViT save: modules.json, the model in 0_CLIPModel/ (with its torch checkpoint), graphs under onnx/. */
function stRepo(): string {
  const dir = join(repos, "st");
  mkdirSync(join(dir, "0_CLIPModel"), { recursive: true });
  for (const f of ["config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"]) {
    cpSync(join(CLIP, "split", f), join(dir, "0_CLIPModel", f));
  }
  cpSync(join(CLIP, "split", "onnx"), join(dir, "onnx"), { recursive: true });
  writeFileSync(join(dir, "modules.json"), JSON.stringify([{ idx: 0, name: "0", path: "0_CLIPModel", type: "sentence_transformers.models.CLIPModel" }]));
  writeFileSync(join(dir, "config_sentence_transformers.json"), JSON.stringify({ __version__: { sentence_transformers: "5.1.0" } }));
  return dir;
}

describe("CLIP by Hugging Face id (fake Hub on 127.0.0.1)", () => {
  let hub: ReturnType<typeof fakeHub>;
  let hubUrl: string;
  beforeAll(async () => {
    hub = fakeHub({ [XENOVA]: xenovaRepo(), [JOINT]: jointRepo(), [ST]: stRepo() });
    await new Promise<void>((r) => hub.server.listen(0, "127.0.0.1", () => r()));
    hubUrl = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    hub.server.close();
    rmSync(repos, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const fetched = (repo: string): string[] => [...new Set(hub.fullDownloads.filter((d) => d.startsWith(`${repo}/`)).map((d) => d.slice(repo.length + 1)))].sort();

  async function expectGolden(scorer: { embed(t: string[]): Promise<Float32Array[]>; embedImages(i: string[]): Promise<Float32Array[]> }): Promise<void> {
    const texts = await scorer.embed(golden.texts);
    texts.forEach((v, i) => expect(maxAbs(v, normalized(golden.textEmbeddings[i]!))).toBeLessThan(TOLERANCE));
    const images = await scorer.embedImages(paths);
    images.forEach((v, i) => expect(maxAbs(v, normalized(golden.imageEmbeddings[i]!))).toBeLessThan(TOLERANCE));
  }

  it("Xenova's layout: loadScorer fetches the processor, the tokenizer and the two fp32 towers only", async () => {
    const scorer = await loadScorer(XENOVA, { hubUrl, cacheDir, threads: 1 });
    try {
      expect(scorer).toBeInstanceOf(ImageTextScorer);
      expect(scorer.model).toBe(XENOVA);
      expect(fetched(XENOVA)).toEqual(["config.json", "onnx/text_model.onnx", "onnx/vision_model.onnx", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json"]);
      await expectGolden(scorer as ImageTextScorer);
    } finally {
      await scorer.close();
    }
  });

  it("onnx-community's one graph: fetches model.onnx with the processor and tokenizer", async () => {
    const scorer = await ImageTextScorer.fromPretrained(JOINT, { hubUrl, cacheDir, threads: 1 });
    try {
      expect(fetched(JOINT)).toEqual(["config.json", "onnx/model.onnx", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json"]);
      await expectGolden(scorer);
    } finally {
      await scorer.close();
    }
  });

  it("a sentence-transformers clip-ViT save: the CLIPModel module's files and the towers, never its checkpoint", async () => {
    const scorer = await loadScorer(ST, { hubUrl, cacheDir, threads: 1 });
    try {
      expect(scorer).toBeInstanceOf(ImageTextScorer);
      expect(fetched(ST)).toEqual([
        "0_CLIPModel/config.json",
        "0_CLIPModel/preprocessor_config.json",
        "0_CLIPModel/tokenizer.json",
        "0_CLIPModel/tokenizer_config.json",
        "config_sentence_transformers.json",
        "modules.json",
        "onnx/text_model.onnx",
        "onnx/vision_model.onnx",
      ]);
      await expectGolden(scorer as ImageTextScorer);
    } finally {
      await scorer.close();
    }
  });

  it("names the towers a dtype lacks and what the repo has, before downloading anything more", async () => {
    const before = hub.fullDownloads.length;
    const error = await ImageTextScorer.fromPretrained(JOINT, { hubUrl, cacheDir, dtype: "q8" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/no ONNX towers for this dtype \(looked for onnx\/text_model_quantized\.onnx \+ onnx\/vision_model_quantized\.onnx, or onnx\/model_quantized\.onnx; ONNX files: onnx\/model\.onnx\)/);
    expect(hub.fullDownloads.length).toBe(before);
  });

  it("a quantized dtype fetches that dtype's towers; the cache then serves localFilesOnly", async () => {
    const error = await loadScorer(XENOVA, { hubUrl, cacheDir, dtype: "q8" }).catch((e: unknown) => e);
    // The repo has a quantized text tower only: both towers (or model_quantized.onnx) are needed.
    expect((error as Error).message).toMatch(/text_model_quantized\.onnx \+ onnx\/vision_model_quantized\.onnx/);
    const offline = await loadScorer(XENOVA, { cacheDir, localFilesOnly: true, threads: 1 });
    expect(offline).toBeInstanceOf(ImageTextScorer);
    await offline.close();
  });

  it("loads by id in a worker: the worker downloads and embeds images", async () => {
    const pooled = await loadScorer(XENOVA, { hubUrl, cacheDir, worker: true, threads: 1 });
    try {
      expect(has(pooled, "imageEmbed")).toBe(true);
      if (has(pooled, "imageEmbed")) {
        const [v] = await pooled.embedImages([paths[0]!]);
        expect(maxAbs(v!, normalized(golden.imageEmbeddings[0]!))).toBeLessThan(TOLERANCE);
      }
    } finally {
      await pooled.close();
    }
  });
});
