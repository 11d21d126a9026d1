/**
 * CLIP and SigLIP against transformers (scripts/reference/images.py): tiny random models in both
 * Hub layouts (split text_model.onnx + vision_model.onnx, and one model.onnx), loaded by
 * `loadScorer` from their files alone; pixel values, text and image embeddings and raw logits
 * within TOLERANCE of get_text_features / get_image_features on the committed PNG / JPEG inputs.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readImageProcessorConfig } from "../../../src/imaging/processor-config.js";
import { pixelValues } from "../../../src/imaging/preprocess.js";
import { readImage } from "../../../src/local/images/image-input.js";
import { ImageTextScorer } from "../../../src/local/image-text/image-text-scorer.js";
import { loadScorer } from "../../../src/local/load-scorer.js";
import { IMAGES_ROOT } from "../../imaging/golden-inputs.js";

const TOLERANCE = 1e-4;

interface Golden {
  texts: string[];
  inputIds: number[][];
  images: string[];
  pixelValues: { file: string; shape: [number, number, number, number] };
  textEmbeddings: number[][];
  imageEmbeddings: number[][];
  logitsPerText: number[][];
}

function normalized(v: readonly number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const tmp = mkdtempSync(join(tmpdir(), "rk-image-text-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

for (const family of ["clip", "siglip"] as const) {
  const root = join(IMAGES_ROOT, family);
  const golden = JSON.parse(readFileSync(join(root, "golden.json"), "utf8")) as Golden;
  const inputs = golden.images.map((f) => join(IMAGES_ROOT, "inputs", f));

  describe(`${family}: pixel values`, () => {
    it("the processor gives transformers' pixel_values for every input (decoded by sharp)", async () => {
      const spec = readImageProcessorConfig(JSON.parse(readFileSync(join(root, "split", "preprocessor_config.json"), "utf8")), family);
      const rgb = await Promise.all(inputs.map((f) => readImage(f, f)));
      const got = pixelValues(rgb, spec);
      expect(got.dims).toEqual(golden.pixelValues.shape);
      const bytes = readFileSync(join(root, golden.pixelValues.file));
      const want = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      expect(maxAbs(got.data, want)).toBeLessThan(TOLERANCE);
    });
  });

  for (const layout of ["split", "joint"] as const) {
    describe(`${family} (${layout} layout) matches transformers`, () => {
      let scorer: ImageTextScorer;
      beforeAll(async () => {
        let dir = join(root, layout);
        if (layout === "joint") {
          dir = join(tmp, `${family}-joint`);
          cpSync(join(root, "joint"), dir, { recursive: true });
          cpSync(join(root, "split", "tokenizer.json"), join(dir, "tokenizer.json"));
        }
        const loaded = await loadScorer(dir, { threads: 1 });
        expect(loaded).toBeInstanceOf(ImageTextScorer);
        scorer = loaded as unknown as ImageTextScorer;
      });
      afterAll(() => scorer?.close());

      it("loads as the right family, a bi-encoder", () => {
        expect(scorer.family).toBe(family);
        expect(scorer.scoreType).toBe("bi-encoder");
      });

      it("text embeddings equal normalised get_text_features", async () => {
        const got = await scorer.embed(golden.texts);
        got.forEach((v, i) => expect(maxAbs(v, normalized(golden.textEmbeddings[i]!)), golden.texts[i]).toBeLessThan(TOLERANCE));
      });

      it("a text embedded alone gets the same embedding (CLIP pads to the longest, SigLIP to the window)", async () => {
        for (const [i, text] of golden.texts.entries()) {
          const [got] = await scorer.embed([text]);
          expect(maxAbs(got!, normalized(golden.textEmbeddings[i]!)), text).toBeLessThan(TOLERANCE);
        }
      });

      it("image embeddings equal normalised get_image_features (PNG, and the JPEG)", async () => {
        const got = await scorer.embedImages(inputs);
        got.forEach((v, i) => expect(maxAbs(v, normalized(golden.imageEmbeddings[i]!)), golden.images[i]).toBeLessThan(TOLERANCE));
      });

      it("rerank of a text query over image documents follows the reference cosines", async () => {
        const docs = inputs.map((f) => ({ image: f }));
        const ranked = await scorer.rerank(golden.texts[1]!, docs);
        const t = normalized(golden.textEmbeddings[1]!);
        const want = golden.imageEmbeddings.map((e) => normalized(e).reduce((s, x, k) => s + x * t[k]!, 0));
        for (const r of ranked) expect(Math.abs(r.score - want[r.index]!)).toBeLessThan(TOLERANCE);
        expect(ranked.map((r) => r.index)).toEqual([...want.keys()].sort((a, b) => want[b]! - want[a]!));
      });
    });
  }

  describe(`${family}: raw logits`, () => {
    it("logits: true gives the model's logits_per_text (scale and bias from model.safetensors)", async () => {
      const scorer = await ImageTextScorer.fromPretrained(join(root, "split"), { threads: 1 });
      try {
        const scores = await scorer.score(golden.texts[0]!, inputs.map((f) => ({ image: f })), { logits: true });
        expect(maxAbs(scores, golden.logitsPerText[0]!)).toBeLessThan(TOLERANCE);
      } finally {
        await scorer.close();
      }
    });
  });
}
