/**
 * Image input and decoding: every accepted form gives the same RGB pixels, and sharp's decoding
 * of the committed inputs lands on PIL's (the reference's `Image.open(f).convert("RGB")`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../src/errors/invalid-input-error.js";
import { readImage } from "../../../src/local/images/image-input.js";
import { pilDecoded } from "../../imaging/golden-inputs.js";

const INPUTS = join(import.meta.dirname, "..", "..", "golden", "images", "inputs");
const pil = pilDecoded();

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe("readImage decodes as PIL does", () => {
  for (const { file, image } of pil) {
    it(`${file}: equal to PIL's RGB`, async () => {
      const got = await readImage(join(INPUTS, file), "image");
      expect([got.width, got.height]).toEqual([image.width, image.height]);
      // Measured: sharp 0.35 (libvips, libjpeg-turbo) and Pillow 12 decode the JPEG identically too (same IDCT and upsampling).
      expect(maxDiff(got.data, image.data)).toBe(0);
    });
  }

  it("a lossless WebP gives the pixels of the PNG it was saved from", async () => {
    const webp = await readImage(join(INPUTS, "rgb-61x47.webp"), "image");
    const png = await readImage(join(INPUTS, "rgb-61x47.png"), "image");
    expect(maxDiff(webp.data, png.data)).toBe(0);
  });
});

describe("readImage accepts every image form", () => {
  const file = join(INPUTS, "rgba-50x50.png");
  const bytes = readFileSync(file);

  it("a path, a file: URL, a data: URL, a Buffer, a Uint8Array and { image } give the same pixels", async () => {
    const want = await readImage(file, "image");
    const dataUrl = `data:image/png;base64,${bytes.toString("base64")}`;
    for (const input of [pathToFileURL(file), pathToFileURL(file).href, dataUrl, bytes, new Uint8Array(bytes), { image: file }, { image: bytes }]) {
      expect((await readImage(input, "image")).data).toEqual(want.data);
    }
  });

  it("decoded pixels: grey is copied to three channels and alpha is dropped", async () => {
    const grey = await readImage({ data: new Uint8Array([10, 20]), width: 2, height: 1, channels: 1 }, "image");
    expect([...grey.data]).toEqual([10, 10, 10, 20, 20, 20]);
    const rgba = await readImage({ data: new Uint8Array([1, 2, 3, 0, 4, 5, 6, 255]), width: 1, height: 2, channels: 4 }, "image");
    expect([...rgba.data]).toEqual([1, 2, 3, 4, 5, 6]);
    const la = await readImage({ data: new Uint8Array([7, 0]), width: 1, height: 1, channels: 2 }, "image");
    expect([...la.data]).toEqual([7, 7, 7]);
  });

  it("refuses undecodable bytes, a missing file, an http URL and inconsistent pixels with InvalidInputError", async () => {
    await expect(readImage(new Uint8Array([1, 2, 3, 4]), "images[1]")).rejects.toThrow(/images\[1\]: cannot decode/);
    await expect(readImage(join(INPUTS, "missing.png"), "images[0]")).rejects.toThrow(/cannot read the image file/);
    await expect(readImage("https://example.com/a.png", "images[0]")).rejects.toThrow(/https: URLs are not fetched/);
    await expect(readImage({ data: new Uint8Array(5), width: 2, height: 1, channels: 3 }, "images[2]")).rejects.toThrow(/need 6 bytes, got 5/);
    await expect(readImage(new Uint8Array(0), "images[3]")).rejects.toBeInstanceOf(InvalidInputError);
    await expect(readImage(42 as never, "images[4]")).rejects.toBeInstanceOf(InvalidInputError);
  });
});
