/**
 * RerankKitEmbeddings.embedImages over the tiny CLIP model: the vectors are the model's image
 * vectors, in order across batches, and an embedder without images is refused by name.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import { RerankKitEmbeddings } from "../../adapters/langchain/index.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const JPG = join(IMAGES_ROOT, "inputs", "photo-64x48.jpg");
const WIDE = join(IMAGES_ROOT, "inputs", "wide-120x24.png");

describe("RerankKitEmbeddings.embedImages", () => {
  let clip: ImageTextScorer;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "clip", "split"), { threads: 1 });
  });
  afterAll(() => clip?.close());

  it("gives the model's image vectors in order, across batches, and text still goes through embedQuery", async () => {
    const embeddings = new RerankKitEmbeddings({ embedder: clip, batchSize: 2 });
    const got = await embeddings.embedImages([PNG, readFileSync(JPG), { image: WIDE }]);
    const want = await clip.embedImages([PNG, JPG, WIDE]);
    expect(got).toHaveLength(3);
    got.forEach((v, i) => v.forEach((x, k) => expect(Math.abs(x - ((want[i] as Float32Array)[k] as number))).toBeLessThan(1e-6)));
    const [car] = await clip.embed(["a red car"]);
    const query = await embeddings.embedQuery("a red car");
    query.forEach((x, k) => expect(Math.abs(x - ((car as Float32Array)[k] as number))).toBeLessThan(1e-6));
    expect(await embeddings.embedImages([])).toEqual([]);
  });

  it("refuses an embedder that does not embed images", async () => {
    const textOnly = {
      model: "text-only",
      embed: async (texts: string[]) => texts.map(() => new Float32Array(2)),
      embedWithUsage: async (texts: string[]) => ({ embeddings: texts.map(() => new Float32Array(2)), usage: { promptTokens: 0, totalTokens: 0 } }),
    };
    const embeddings = new RerankKitEmbeddings({ embedder: textOnly as never });
    await expect(embeddings.embedImages([PNG])).rejects.toThrow(/embeds images/);
  });
});
