import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../src/errors/invalid-input-error.js";
import { InvalidOptionError } from "../../../src/errors/invalid-option-error.js";
import { ModelLoadError } from "../../../src/errors/model-load-error.js";
import { ImageTextScorer } from "../../../src/local/image-text/image-text-scorer.js";
import { IMAGES_ROOT } from "../../imaging/golden-inputs.js";

const SPLIT = join(IMAGES_ROOT, "clip", "split");
const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const tmp = mkdtempSync(join(tmpdir(), "rk-image-text-errors-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("ImageTextScorer refuses what it cannot do, with typed errors", () => {
  let clip: ImageTextScorer;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(SPLIT, { threads: 1 });
  });
  afterAll(() => clip?.close());

  it("a plain string in score is text, never a path", async () => {
    const [asText] = await clip.score("query", PNG);
    const [asImage] = await clip.score("query", { image: PNG });
    expect(asText).not.toBeCloseTo(asImage!, 3);
  });

  it("scores image queries against text documents, and vLLM image_url content items", async () => {
    const [a] = await clip.score({ image: PNG }, "a red car");
    const dataUrl = `data:image/png;base64,${readFileSync(PNG).toString("base64")}`;
    const [b] = await clip.score({ content: [{ type: "image_url", image_url: { url: dataUrl } }] }, { content: [{ type: "text", text: "a red car" }] });
    expect(b).toBeCloseTo(a!, 6);
  });

  it("an image_url content item is never read from a path, a file: URL or the network", async () => {
    for (const url of [PNG, `file://${PNG}`, "http://127.0.0.1:9/a.png"]) {
      await expect(clip.score("q", { content: [{ type: "image_url", image_url: { url } }] })).rejects.toThrow(/decoded from data: URLs only/);
    }
  });

  it("refuses a content item with two parts, a number, an unknown option and raw logits without the learned scale", async () => {
    await expect(
      clip.score("q", { content: [{ type: "text", text: "a" }, { type: "image_url", image_url: { url: PNG } }] }),
    ).rejects.toThrow(/documents\[0\]: an image-text bi-encoder embeds one text or one image; got 2 content parts/);
    await expect(clip.score("q", 3 as never)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(clip.score("q", "d", { logit: true } as never)).rejects.toBeInstanceOf(InvalidOptionError);
    const dir = join(tmp, "no-safetensors");
    cpSync(SPLIT, dir, { recursive: true });
    unlinkSync(join(dir, "model.safetensors"));
    const bare = await ImageTextScorer.fromPretrained(dir, { threads: 1 });
    try {
      await expect(bare.score("q", { image: PNG }, { logits: true })).rejects.toThrow(/raw logits need the learned logit_scale/);
    } finally {
      await bare.close();
    }
  });

  it("an undecodable image names its field, in embedImages and in score", async () => {
    await expect(clip.embedImages([PNG, new Uint8Array([1, 2, 3])])).rejects.toThrow(/images\[1\]: cannot decode/);
    await expect(clip.score("q", ["text", { image: PNG }, new Uint8Array([1, 2, 3])])).rejects.toThrow(/documents\[2\]: cannot decode/);
    await expect(clip.score([new Uint8Array([9])], ["a"])).rejects.toThrow(/queries\[0\]: cannot decode/);
  });
});

describe("loading", () => {
  it("a folder without towers for the dtype is a ModelLoadError naming the files looked for", async () => {
    await expect(ImageTextScorer.fromPretrained(SPLIT, { dtype: "q8" })).rejects.toThrow(/onnx\/text_model_quantized.onnx/);
  });

  it("a folder that is not CLIP / SigLIP is refused by ImageTextScorer", async () => {
    await expect(ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "inputs"))).rejects.toBeInstanceOf(ModelLoadError);
  });
});
