/**
 * RemoteScorer / RemoteEmbedder with images against `rerank-kit serve` (createServer) in process
 * over the tiny CLIP model: the remote answers equal the local model's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import { imageItem, RemoteEmbedder, RemoteScorer } from "../../src/remote/index.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";
import { start } from "../server/helpers.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const JPG = join(IMAGES_ROOT, "inputs", "photo-64x48.jpg");
const WEBP = join(IMAGES_ROOT, "inputs", "rgb-61x47.webp");

describe("remote clients with images", () => {
  let clip: ImageTextScorer;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "clip", "split"), { threads: 1 });
  });
  afterAll(() => clip?.close());

  it("imageItem builds vLLM items from paths and bytes (typed data: URLs) and passes URLs as given", async () => {
    const fromPath = await imageItem({ path: PNG });
    expect(fromPath.content[0]).toEqual({ type: "image_url", image_url: { url: `data:image/png;base64,${readFileSync(PNG).toString("base64")}` } });
    const jpg = await imageItem(readFileSync(JPG));
    expect((jpg.content[0] as { image_url: { url: string } }).image_url.url.startsWith("data:image/jpeg;base64,")).toBe(true);
    const webp = await imageItem(new Uint8Array(readFileSync(WEBP)));
    expect((webp.content[0] as { image_url: { url: string } }).image_url.url.startsWith("data:image/webp;base64,")).toBe(true);
    const link = await imageItem(new URL("https://images.example.com/a.png"));
    expect((link.content[0] as { image_url: { url: string } }).image_url.url).toBe("https://images.example.com/a.png");
    await expect(imageItem(PNG as never)).rejects.toThrow(/bare string/);
    await expect(imageItem({ path: join(IMAGES_ROOT, "missing.png") })).rejects.toThrow(/cannot read/);
  });

  it("RemoteScorer.rerank of image items equals the local model's ranking and scores", async () => {
    const { url } = await start({ scorer: clip });
    const scorer = new RemoteScorer({ baseURL: url, scoreType: "bi-encoder" });
    const remote = await scorer.rerank("a red car", [await imageItem({ path: PNG }), await imageItem(readFileSync(JPG))]);
    const local = await clip.rerank("a red car", [{ image: PNG }, { image: JPG }]);
    expect(remote.map((r) => r.index)).toEqual(local.map((r) => r.index));
    remote.forEach((r, i) => expect(Math.abs(r.score - (local[i] as { score: number }).score)).toBeLessThan(1e-6));
  });

  it("RemoteEmbedder.embedImages equals local embedImages, in order, and a file: URL is the server's to refuse", async () => {
    const { url } = await start({ scorer: clip });
    const embedder = new RemoteEmbedder({ baseURL: `${url}/v1`, model: clip.model });
    const remote = await embedder.embedImages([{ path: JPG }, readFileSync(PNG)]);
    const local = await clip.embedImages([JPG, PNG]);
    expect(remote).toHaveLength(2);
    remote.forEach((v, i) => {
      const want = local[i] as Float32Array;
      expect(v.length).toBe(want.length);
      v.forEach((x, k) => expect(Math.abs(x - (want[k] as number))).toBeLessThan(1e-6));
    });
    await expect(embedder.embedImages([new URL(pathToFileURL(PNG).href)])).rejects.toMatchObject({ status: 400 });
    await expect(new RemoteEmbedder({ baseURL: url, dialect: "tei" }).embedImages([readFileSync(PNG)])).rejects.toThrow(/vLLM's chat-form/);
  });
});
