/**
 * vLLM's multimodal embedding requests over CLIP and SigLIP: `/v1/embeddings` chat `messages`
 * with one `image_url` or text parts, and Cohere `/v2/embed` `images` and `inputs`. The served
 * vectors are the in-process `embedImages` / `embed` vectors of the same model.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";
import { post, start } from "./helpers.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const JPG = join(IMAGES_ROOT, "inputs", "photo-64x48.jpg");
const dataUrl = (file: string) => `data:image/png;base64,${readFileSync(file).toString("base64")}`;
const imageMessage = (url: string) => [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }];
const textMessage = (text: string) => [{ role: "user", content: [{ type: "text", text }] }];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

for (const family of ["clip", "siglip"] as const) {
  describe(`serving ${family} embeddings`, () => {
    let model: ImageTextScorer;
    let png: Float32Array;
    let jpg: Float32Array;
    let car: Float32Array;
    beforeAll(async () => {
      model = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, family, "split"), { threads: 1 });
      [png, jpg] = (await model.embedImages([PNG, JPG])) as [Float32Array, Float32Array];
      [car] = (await model.embed(["a red car"])) as [Float32Array];
      // The fixture must tell the two images and the text apart, or a swapped vector would pass.
      expect(maxDiff(png, jpg)).toBeGreaterThan(1e-2);
      expect(maxDiff(png, car)).toBeGreaterThan(1e-2);
    });
    afterAll(() => model?.close());

    it("/v1/embeddings: an image message gives embedImages' vector, a text message embed's", async () => {
      const { url } = await start({ scorer: model });
      const image = await post(`${url}/v1/embeddings`, { messages: imageMessage(dataUrl(PNG)) });
      expect(image.status).toBe(200);
      expect(image.body.object).toBe("list");
      expect(image.body.data).toHaveLength(1);
      expect(maxDiff(image.body.data[0].embedding, png)).toBeLessThan(1e-6);
      // Images count no prompt tokens here (vLLM counts the vision tower's placeholders).
      expect(image.body.usage.prompt_tokens).toBe(0);
      const text = await post(`${url}/v1/embeddings`, { messages: textMessage("a red car") });
      expect(text.status).toBe(200);
      expect(maxDiff(text.body.data[0].embedding, car)).toBeLessThan(1e-6);
      const b64 = await post(`${url}/v1/embeddings`, { messages: imageMessage(dataUrl(JPG)), encoding_format: "base64" });
      const floats = new Float32Array(new Uint8Array(Buffer.from(b64.body.data[0].embedding, "base64")).buffer);
      expect(maxDiff(floats, jpg)).toBeLessThan(1e-6);
    });

    it("/v1/embeddings: an image_url that is a file: URL is read only under the allowed path", async () => {
      const refused = await start({ scorer: model });
      const r = await post(`${refused.url}/v1/embeddings`, { messages: imageMessage(pathToFileURL(JPG).href) });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain("--allowed-local-media-path");
      const allowed = await start({ scorer: model, allowedLocalMediaPath: join(IMAGES_ROOT, "inputs") });
      const ok = await post(`${allowed.url}/v1/embeddings`, { messages: imageMessage(pathToFileURL(JPG).href) });
      expect(ok.status).toBe(200);
      expect(maxDiff(ok.body.data[0].embedding, jpg)).toBeLessThan(1e-6);
    });

    it("/v1/embeddings: text and an image together, or two images, are a 400", async () => {
      const { url } = await start({ scorer: model });
      const both = await post(`${url}/v1/embeddings`, {
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: dataUrl(PNG) } }, { type: "text", text: "a car" }] }],
      });
      expect(both.status).toBe(400);
      expect(both.body.error.message).toContain("embeds a text or an image, not both");
      const two = await post(`${url}/v1/embeddings`, {
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: dataUrl(PNG) } }, { type: "image_url", image_url: { url: dataUrl(JPG) } }] }],
      });
      expect(two.status).toBe(400);
      expect(two.body.error.message).toBe("Only one multi-modal item is supported");
      const broken = await post(`${url}/v1/embeddings`, { messages: imageMessage("data:image/png;base64,AAAA") });
      expect(broken.status).toBe(400);
    });

    it("/v2/embed: images and inputs give the local vectors, in order", async () => {
      const { url } = await start({ scorer: model });
      const images = await post(`${url}/v2/embed`, { model: model.model, images: [dataUrl(JPG), dataUrl(PNG)], input_type: "image", embedding_types: ["float"] });
      expect(images.status).toBe(200);
      expect(maxDiff(images.body.embeddings.float[0], jpg)).toBeLessThan(1e-6);
      expect(maxDiff(images.body.embeddings.float[1], png)).toBeLessThan(1e-6);
      const inputs = await post(`${url}/v2/embed`, {
        model: model.model,
        inputs: [{ content: [{ type: "text", text: "a red car" }] }, { content: [{ type: "image_url", image_url: { url: dataUrl(PNG) } }] }],
      });
      expect(inputs.status).toBe(200);
      expect(maxDiff(inputs.body.embeddings.float[0], car)).toBeLessThan(1e-6);
      expect(maxDiff(inputs.body.embeddings.float[1], png)).toBeLessThan(1e-6);
      const mixed = await post(`${url}/v2/embed`, {
        model: model.model,
        inputs: [{ content: [{ type: "text", text: "a car" }, { type: "image_url", image_url: { url: dataUrl(PNG) } }] }],
      });
      expect(mixed.status).toBe(400);
      // Plain `texts` go through the embed path with Cohere's truncate (END by default).
      const texts = await post(`${url}/v2/embed`, { model: model.model, texts: ["a red car"], input_type: "search_query", embedding_types: ["float"] });
      expect(texts.status).toBe(200);
      expect(maxDiff(texts.body.embeddings.float[0], car)).toBeLessThan(1e-6);
      const remote = await post(`${url}/v2/embed`, { model: model.model, images: ["http://127.0.0.1:9/x.png"] });
      expect(remote.status).toBe(400);
      expect(remote.body.error.message).toContain("images[0]");
    });

    it("embed cuts a text to the window by default and refuses it with truncate: false", async () => {
      const long = "a red car parked by the sea ".repeat(40);
      const [cut] = (await model.embed([long])) as [Float32Array];
      expect(cut).toHaveLength(car.length);
      await expect(model.embed([long], { truncate: false })).rejects.toThrow(/context|tokens/i);
      const [same] = (await model.embed(["a red car"], { truncate: false })) as [Float32Array];
      expect(maxDiff(same, car)).toBe(0);
    });
  });
}
