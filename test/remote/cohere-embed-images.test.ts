/**
 * `RemoteEmbedder.embedImages` on the cohere dialect: Cohere's `/v2/embed` takes `images` as data
 * URIs with `input_type: "image"`, one image per call. A fake Cohere server records the bodies;
 * a `rerank-kit serve` CLIP server gives the local model's vectors back.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/index.js";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import { RemoteEmbedder } from "../../src/remote/index.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";
import { start } from "../server/helpers.js";

const PNG = join(IMAGES_ROOT, "inputs", "rgb-61x47.png");
const JPG = join(IMAGES_ROOT, "inputs", "photo-64x48.jpg");

describe("RemoteEmbedder.embedImages, cohere dialect, against a fake Cohere server", () => {
  const bodies: Record<string, unknown>[] = [];
  let server: Server;
  let baseURL: string;
  beforeAll(async () => {
    // Answers each image with a vector that names its position in the request order.
    server = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        bodies.push({ path: req.url, ...body });
        const n = bodies.length;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({
          id: `e${n}`,
          embeddings: { float: [[n, 0.5, -n]] },
          meta: { api_version: { version: "2" }, billed_units: { images: 1 } },
          response_type: "embeddings_by_type",
        }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => void server.close());

  it("sends one data URI per call in images with input_type image, in order", async () => {
    bodies.length = 0;
    const embedder = new RemoteEmbedder({ baseURL, dialect: "cohere", model: "embed-v4.0", encodingFormat: "float", maxConcurrency: 1 });
    const vectors = await embedder.embedImages([readFileSync(PNG), { path: JPG }]);
    expect(vectors.map((v) => Array.from(v))).toEqual([[1, 0.5, -1], [2, 0.5, -2]]);
    expect(bodies).toEqual([
      { path: "/v2/embed", model: "embed-v4.0", images: [`data:image/png;base64,${readFileSync(PNG).toString("base64")}`], input_type: "image", embedding_types: ["float"] },
      { path: "/v2/embed", model: "embed-v4.0", images: [`data:image/jpeg;base64,${readFileSync(JPG).toString("base64")}`], input_type: "image", embedding_types: ["float"] },
    ]);
  });

  it("needs model, as Cohere's /v2/embed does, before any request", async () => {
    bodies.length = 0;
    await expect(new RemoteEmbedder({ baseURL, dialect: "cohere" }).embedImages([readFileSync(PNG)])).rejects.toThrow(InvalidInputError);
    expect(bodies).toEqual([]);
  });
});

describe("RemoteEmbedder.embedImages, cohere dialect, against rerank-kit serve (CLIP)", () => {
  let clip: ImageTextScorer;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "clip", "split"), { threads: 1 });
  });
  afterAll(() => clip?.close());

  it("equals the local embedImages, in order", async () => {
    const { url } = await start({ scorer: clip });
    const embedder = new RemoteEmbedder({ baseURL: url, dialect: "cohere", model: clip.model });
    const remote = await embedder.embedImages([{ path: JPG }, readFileSync(PNG)]);
    const local = await clip.embedImages([JPG, PNG]);
    expect(remote).toHaveLength(2);
    remote.forEach((v, i) => {
      const want = local[i] as Float32Array;
      expect(v.length).toBe(want.length);
      v.forEach((x, k) => expect(Math.abs(x - (want[k] as number))).toBeLessThan(1e-6));
    });
  });
});
