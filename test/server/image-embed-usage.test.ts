/**
 * `/v2/embed` with images reports what they cost as Cohere bills them: `billed_units.images`, the
 * number of images embedded (it was missing: images looked free).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";
import { post, start } from "./helpers.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const dataUrl = `data:image/png;base64,${readFileSync(PNG).toString("base64")}`;

describe.each(["clip", "siglip"] as const)("/v2/embed usage on %s", (family) => {
  let model: ImageTextScorer;
  beforeAll(async () => {
    model = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, family, "split"), { threads: 1 });
  });
  afterAll(() => model?.close());

  it("counts the images; texts keep their tokens", async () => {
    const { url } = await start({ scorer: model });
    const images = await post(`${url}/v2/embed`, { model: model.model, images: [dataUrl, dataUrl], input_type: "image" });
    expect(images.status, JSON.stringify(images.body)).toBe(200);
    expect(images.body.meta.billed_units).toEqual({ input_tokens: 0, image_tokens: 0, images: 2 });
    const mixed = await post(`${url}/v2/embed`, {
        model: model.model,
      inputs: [{ content: [{ type: "text", text: "a red car" }] }, { content: [{ type: "image_url", image_url: { url: dataUrl } }] }],
    });
    expect(mixed.status, JSON.stringify(mixed.body)).toBe(200);
    const textTokens = mixed.body.meta.billed_units.input_tokens as number;
    expect(textTokens).toBeGreaterThan(0);
    expect(mixed.body.meta.billed_units).toEqual({ input_tokens: textTokens, image_tokens: 0, images: 1 });
    // Text only: no images field, as before.
    const texts = await post(`${url}/v2/embed`, { model: model.model, inputs: [{ content: [{ type: "text", text: "a red car" }] }] });
    expect(texts.status, JSON.stringify(texts.body)).toBe(200);
    expect(texts.body.meta.billed_units).toEqual({ input_tokens: textTokens, image_tokens: 0 });
  });
});
