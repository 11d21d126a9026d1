/**
 * RerankKitMultiModalEmbedding over the tiny CLIP model: LlamaIndex's node transform gives text
 * nodes the model's text vectors and image nodes its image vectors (path and Blob images).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ImageNode, TextNode } from "@llamaindex/core/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import { RerankKitMultiModalEmbedding } from "../../adapters/llamaindex/index.js";
import { FakeScorer } from "../server/fakes.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const JPG = join(IMAGES_ROOT, "inputs", "photo-64x48.jpg");

const close = (a: ArrayLike<number> | undefined, b: ArrayLike<number>): void => {
  expect(a?.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs((a?.[i] as number) - (b[i] as number))).toBeLessThan(1e-6);
};

describe("RerankKitMultiModalEmbedding", () => {
  let clip: ImageTextScorer;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "clip", "split"), { threads: 1 });
  });
  afterAll(() => clip?.close());

  it("embeds TextNodes with embed and ImageNodes (path, Blob) with embedImages, in place", async () => {
    const model = new RerankKitMultiModalEmbedding({ embedder: clip });
    const nodes = [
      new ImageNode({ image: PNG }),
      new TextNode({ text: "a red car" }),
      new ImageNode({ image: new Blob([readFileSync(JPG)]) }),
    ];
    await model(nodes);
    const [png, jpg] = await clip.embedImages([PNG, JPG]);
    const [car] = await clip.embed(["a red car"]);
    close(nodes[0]?.embedding, png as Float32Array);
    close(nodes[1]?.embedding, car as Float32Array);
    close(nodes[2]?.embedding, jpg as Float32Array);
    close(await model.getQueryEmbedding({ type: "text", text: "a red car" }) as number[], car as Float32Array);
  });

  it("refuses an embedder that does not embed images", () => {
    expect(() => new RerankKitMultiModalEmbedding({ embedder: new FakeScorer() as never })).toThrow(/texts and images/);
  });
});
