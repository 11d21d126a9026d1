import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capabilitiesOf, has } from "../../../src/contracts/capabilities.js";
import { ImageTextScorer } from "../../../src/local/image-text/image-text-scorer.js";
import { IMAGES_ROOT } from "../../imaging/golden-inputs.js";

describe("image-text models in the capability table", () => {
  let clip: ImageTextScorer;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "clip", "split"), { threads: 1 });
  });
  afterAll(() => clip?.close());

  it("an ImageTextScorer scores, embeds texts, embeds images and tokenizes", () => {
    expect(capabilitiesOf(clip)).toEqual(expect.arrayContaining(["score", "embed", "imageEmbed", "tokenize", "detokenize"]));
  });

  it("imageEmbed needs embedImages: a text embedder does not have it", () => {
    const textOnly = { model: "m", embed: async () => [], embedWithUsage: async () => ({ embeddings: [], usage: { promptTokens: 0, totalTokens: 0 } }) };
    expect(has(textOnly, "embed")).toBe(true);
    expect(has(textOnly, "imageEmbed")).toBe(false);
  });

  it("embed accepts the server's kind and prompt options (no prompts in these models) and refuses dimensions", async () => {
    const [a] = await clip.embed(["a photo"], { kind: "query", prompt: true });
    const [b] = await clip.embed(["a photo"], { kind: "document" });
    expect([...a!]).toEqual([...b!]);
    await expect(clip.embed(["a photo"], { dimensions: 4 })).rejects.toThrow(/dimensions/);
  });
});
