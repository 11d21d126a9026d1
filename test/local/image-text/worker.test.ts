/**
 * CLIP in worker threads: the same numbers as transformers (the committed goldens of
 * scripts/reference/images.py) through the worker for every image form (path, bytes, URL, decoded
 * pixels), the caller's buffers left intact, and abort and progress relayed as in process.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { has } from "../../../src/contracts/capabilities.js";
import type { ImageInput } from "../../../src/contracts/image-embedder.js";
import { AbortError } from "../../../src/errors/abort-error.js";
import { ImageTextScorer } from "../../../src/local/image-text/image-text-scorer.js";
import { loadScorer } from "../../../src/local/load-scorer.js";
import type { WorkerOf } from "../../../src/local/worker-pool/worker-scorer.js";
import { IMAGES_ROOT, pilDecoded } from "../../imaging/golden-inputs.js";

const TOLERANCE = 1e-4;
const SPLIT = join(IMAGES_ROOT, "clip", "split");
const golden = JSON.parse(readFileSync(join(IMAGES_ROOT, "clip", "golden.json"), "utf8")) as {
  texts: string[];
  images: string[];
  textEmbeddings: number[][];
  imageEmbeddings: number[][];
};
const paths = golden.images.map((f) => join(IMAGES_ROOT, "inputs", f));
const PNG = paths.findIndex((p) => p.endsWith(".png"));

function normalized(v: readonly number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}
function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
const cosine = (a: readonly number[], b: readonly number[]): number => normalized(a).reduce((s, x, k) => s + x * normalized(b)[k]!, 0);

describe("ImageTextScorer in a worker (fromPretrained({ worker: true }))", () => {
  let clip: WorkerOf<(typeof ImageTextScorer.capabilities)[number]>;
  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(SPLIT, { worker: true, threads: 1, batchSize: 3 });
  });
  afterAll(() => clip?.close());

  it("reports the family's capabilities, embedImages included", () => {
    expect([...clip.capabilities].sort()).toEqual([...ImageTextScorer.capabilities].sort());
    expect(has(clip, "imageEmbed")).toBe(true);
    expect(clip.maxLength).toBe(24);
    // The tower's positions per image cross as data (transformers' count, vision_positions.py).
    const positions = JSON.parse(readFileSync(join(IMAGES_ROOT, "vision-positions.json"), "utf8")) as { fixtures: { clip: number } };
    expect(has(clip, "imageTokens")).toBe(true);
    expect(clip.tokensPerImage).toBe(positions.fixtures.clip);
  });

  it("text and image embeddings equal transformers' through the worker (paths, bytes, file: URLs)", async () => {
    const texts = await clip.embed(golden.texts);
    texts.forEach((v, i) => expect(maxAbs(v, normalized(golden.textEmbeddings[i]!))).toBeLessThan(TOLERANCE));
    const forms: ((p: string) => ImageInput)[] = [(p) => p, (p) => readFileSync(p), (p) => pathToFileURL(p)];
    for (const form of forms) {
      const got = await clip.embedImages(paths.map(form));
      got.forEach((v, i) => expect(maxAbs(v, normalized(golden.imageEmbeddings[i]!)), golden.images[i]).toBeLessThan(TOLERANCE));
    }
  });

  it("decoded pixels cross as pixels (PIL's decoding of the PNGs gives transformers' embeddings)", async () => {
    const decoded = pilDecoded();
    const pngs = golden.images.flatMap((f, i) => (f.endsWith(".png") ? [i] : []));
    const got = await clip.embedImages(pngs.map((i) => ({ ...decoded.find((d) => d.file === golden.images[i])!.image, channels: 3 as const })));
    got.forEach((v, k) => expect(maxAbs(v, normalized(golden.imageEmbeddings[pngs[k]!]!))).toBeLessThan(TOLERANCE));
  });

  it("rerank of a text over image documents (Buffer, { image: URL }, a bare URL) follows the reference cosines", async () => {
    const docs = [readFileSync(paths[0]!), { image: pathToFileURL(paths[1]!) }, pathToFileURL(paths[2]!), { image: readFileSync(paths[3]!) }];
    // The proxy's score / rerank are typed as the Scorer contract's (texts and content items).
    const ranked = await clip.rerank(golden.texts[1]!, docs as never);
    const want = [0, 1, 2, 3].map((i) => cosine(golden.textEmbeddings[1]!, golden.imageEmbeddings[i]!));
    for (const r of ranked) expect(Math.abs(r.score - want[r.index]!)).toBeLessThan(TOLERANCE);
    expect(ranked.find((r) => r.index === 1)!.document).toBe(docs[1]);
  });

  it("leaves the caller's buffers intact: images are copied before they are moved to the worker", async () => {
    const bytes = readFileSync(paths[PNG]!);
    const before = Buffer.from(bytes);
    const pixels = { ...pilDecoded()[0]!.image, channels: 3 as const };
    await clip.embedImages([bytes, pixels]);
    expect(bytes.byteLength).toBe(before.byteLength);
    expect(bytes.equals(before)).toBe(true);
    expect(pixels.data.byteLength).toBe(pixels.width * pixels.height * 3);
  });

  it("relays progress: one stream over the images, in batches, ending at the total", async () => {
    const seen: { done: number; total: number }[] = [];
    await clip.embedImages(paths, { onProgress: (p) => void seen.push(p) });
    expect(seen.at(-1)).toEqual({ done: paths.length, total: paths.length });
    expect(seen.length).toBe(Math.ceil(paths.length / 3));
    const scored: { done: number; total: number }[] = [];
    await clip.score(golden.texts[0]!, paths.slice(0, 4).map((p) => ({ image: p })) as never, { onProgress: (p) => void scored.push(p) });
    expect(scored.at(-1)).toEqual({ done: 5, total: 5 });
  });

  it("aborts in the worker: an AbortError, and the worker keeps serving", async () => {
    const controller = new AbortController();
    const call = clip.embedImages(paths, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(call).rejects.toBeInstanceOf(AbortError);
    const [v] = await clip.embedImages([paths[0]!]);
    expect(maxAbs(v!, normalized(golden.imageEmbeddings[0]!))).toBeLessThan(TOLERANCE);
  });
});

describe("loadScorer with worker: true", () => {
  it("loads a CLIP folder in a worker with the in-process capabilities", async () => {
    const pooled = await loadScorer(SPLIT, { worker: true, threads: 1 });
    try {
      expect(has(pooled, "imageEmbed")).toBe(true);
      const [score] = await pooled.score(golden.texts[0]!, { image: paths[0]! } as never);
      expect(Math.abs(score! - cosine(golden.textEmbeddings[0]!, golden.imageEmbeddings[0]!))).toBeLessThan(TOLERANCE);
    } finally {
      await pooled.close();
    }
  });
});
