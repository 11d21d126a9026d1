import { describe, expect, it } from "vitest";
import { CrossEncoderScorer, InvalidOptionError } from "../../src/index.js";
import { modelDir } from "./helpers.js";

describe("the score template option", () => {
  it("is named scoreTemplate, and chatTemplate (its 0.x name) still sets it", async () => {
    const dir = await modelDir("cross-encoder");
    for (const options of [{ scoreTemplate: "nemotron-rerank" }, { chatTemplate: "nemotron-rerank" }]) {
      const scorer = await CrossEncoderScorer.fromPretrained(dir, options);
      try {
        expect(scorer.template?.name, Object.keys(options)[0]).toBe("nemotron-rerank");
      } finally {
        await scorer.close();
      }
    }
  });

  it("refuses both names set to different templates", async () => {
    const dir = await modelDir("cross-encoder");
    await expect(CrossEncoderScorer.fromPretrained(dir, { scoreTemplate: "nemotron-rerank", chatTemplate: "qwen3-reranker" })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});
