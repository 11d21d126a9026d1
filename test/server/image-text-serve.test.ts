/**
 * `serve` over an ImageTextScorer: vLLM's multimodal score items with data: URLs are scored as
 * images; anything else in an image_url part is refused before any read.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";
import { post, start } from "./helpers.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const JPG = join(IMAGES_ROOT, "inputs", "photo-64x48.jpg");
const item = (file: string) => ({ content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${readFileSync(file).toString("base64")}` } }] });

describe("serving a CLIP model", () => {
  let clip: ImageTextScorer;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "clip", "split"), { threads: 1 });
  });
  afterAll(() => clip?.close());

  it("/score and /rerank take image_url items with data: URLs and give the scorer's cosines", async () => {
    const { url } = await start({ scorer: clip });
    const want = await clip.score("a red car", [{ image: PNG }, { image: JPG }]);
    const score = await post(`${url}/score`, { queries: "a red car", documents: [item(PNG), item(JPG)] });
    expect(score.status).toBe(200);
    score.body.data.forEach((d: { score: number }, i: number) => expect(Math.abs(d.score - want[i]!)).toBeLessThan(1e-6));
    const rerank = await post(`${url}/rerank`, { query: "a red car", documents: [item(PNG), item(JPG)] });
    expect(rerank.status).toBe(200);
    expect(rerank.body.results[0].index).toBe(want[0]! >= want[1]! ? 0 : 1);
  });

  it("a text over the window is a 400 unless truncate_prompt_tokens is set, as on vLLM", async () => {
    const { url } = await start({ scorer: clip });
    const long = Array.from({ length: clip.maxLength * 2 }, () => "car").join(" ");
    const r = await post(`${url}/score`, { queries: long, documents: [item(PNG)] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("maximum context length");
    const ok = await post(`${url}/score`, { queries: long, documents: [item(PNG)], truncate_prompt_tokens: -1 });
    expect(ok.status).toBe(200);
    const [want] = await clip.score(long, { image: PNG });
    expect(Math.abs(ok.body.data[0].score - want!)).toBeLessThan(1e-6);
  });

  it("an image_url that is a path or an http URL is a 400 in vLLM's envelope, and nothing is read", async () => {
    const { url } = await start({ scorer: clip });
    for (const u of [PNG, "http://127.0.0.1:9/x.png"]) {
      const r = await post(`${url}/score`, { queries: "q", documents: [{ content: [{ type: "image_url", image_url: { url: u } }] }] });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain("decoded from data: URLs only");
    }
  });
});
