/**
 * `/v2/embed` with images reports what they cost as Cohere bills them: `billed_units.images`, the
 * number of images embedded (it was missing: images looked free), and `billed_units.image_tokens`,
 * the positions the vision tower encoded for them (it was always 0). The expected positions per
 * image come from transformers (scripts/reference/vision_positions.py): the sequence length of
 * the tiny fixtures' vision towers, and the default vision configs' `num_positions`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { has } from "../../src/contracts/capabilities.js";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import { visionPositions, type ImageTextLayout } from "../../src/local/image-text/layout.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";
import { post, start } from "./helpers.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const dataUrl = `data:image/png;base64,${readFileSync(PNG).toString("base64")}`;
const positions = JSON.parse(readFileSync(join(IMAGES_ROOT, "vision-positions.json"), "utf8")) as {
  fixtures: Record<"clip" | "siglip", number>;
  defaults: Record<"clip" | "siglip", number>;
};

describe.each(["clip", "siglip"] as const)("/v2/embed usage on %s", (family) => {
  let model: ImageTextScorer;
  beforeAll(async () => {
    model = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, family, "split"), { threads: 1 });
  });
  afterAll(() => model?.close());

  it("counts the images and the positions their tower encoded; texts keep their tokens", async () => {
    const perImage = positions.fixtures[family];
    expect(model.tokensPerImage).toBe(perImage);
    const { url } = await start({ scorer: model });
    const images = await post(`${url}/v2/embed`, { model: model.model, images: [dataUrl, dataUrl], input_type: "image" });
    expect(images.status, JSON.stringify(images.body)).toBe(200);
    expect(images.body.meta.billed_units).toEqual({ input_tokens: 0, image_tokens: 2 * perImage, images: 2 });
    const mixed = await post(`${url}/v2/embed`, {
      model: model.model,
      inputs: [{ content: [{ type: "text", text: "a red car" }] }, { content: [{ type: "image_url", image_url: { url: dataUrl } }] }],
    });
    expect(mixed.status, JSON.stringify(mixed.body)).toBe(200);
    const textTokens = mixed.body.meta.billed_units.input_tokens as number;
    expect(textTokens).toBeGreaterThan(0);
    expect(mixed.body.meta.billed_units).toEqual({ input_tokens: textTokens, image_tokens: perImage, images: 1 });
    // Text only: no images, and no image tokens.
    const texts = await post(`${url}/v2/embed`, { model: model.model, inputs: [{ content: [{ type: "text", text: "a red car" }] }] });
    expect(texts.status, JSON.stringify(texts.body)).toBe(200);
    expect(texts.body.meta.billed_units).toEqual({ input_tokens: textTokens, image_tokens: 0 });
  });

  it("an image embedder that cannot tell its positions leaves image_tokens out instead of reporting 0", async () => {
    // The same model with tokensPerImage hidden: it still embeds images, but has no imageTokens capability.
    const hidden = new Proxy(model, {
      get: (target, key) => {
        if (key === "tokensPerImage") return undefined;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    expect(has(hidden, "imageEmbed")).toBe(true);
    expect(has(hidden, "imageTokens")).toBe(false);
    const { url } = await start({ scorer: hidden });
    const r = await post(`${url}/v2/embed`, { model: model.model, images: [dataUrl], input_type: "image" });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.meta.billed_units).toEqual({ input_tokens: 0, images: 1 });
  });
});

describe("positions per image from config.json", () => {
  const layout = (family: "clip" | "siglip", vision?: Record<string, unknown>): ImageTextLayout =>
    ({ family, config: vision === undefined ? {} : { vision_config: vision } }) as unknown as ImageTextLayout;

  it("a config without image_size / patch_size means transformers' defaults (224 px; patch 32 for CLIP, 16 for SigLIP)", () => {
    expect(visionPositions(layout("clip"))).toBe(positions.defaults.clip);
    expect(visionPositions(layout("siglip", {}))).toBe(positions.defaults.siglip);
  });

  it("a size or patch that is not a positive integer gives NaN, which no capability accepts", () => {
    expect(visionPositions(layout("clip", { image_size: 224, patch_size: 0 }))).toBeNaN();
    expect(visionPositions(layout("siglip", { image_size: "224", patch_size: 16 }))).toBeNaN();
    expect(has({ embedImages: async () => [], model: "m", tokensPerImage: Number.NaN }, "imageTokens")).toBe(false);
  });
});
