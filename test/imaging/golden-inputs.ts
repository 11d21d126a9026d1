/** The committed test images (golden/images/inputs) and PIL's decoding of them. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RgbImage } from "../../src/imaging/pixels.js";

/** test/golden/images */
export const IMAGES_ROOT = join(import.meta.dirname, "..", "golden", "images");
const ROOT = IMAGES_ROOT;

interface InputsIndex {
  images: { file: string; width: number; height: number }[];
}
/** PIL's decoded RGB of every committed input, in inputs.json order. */
export function pilDecoded(): { file: string; image: RgbImage }[] {
  const index = JSON.parse(readFileSync(join(ROOT, "inputs", "inputs.json"), "utf8")) as InputsIndex;
  const bytes = readFileSync(join(ROOT, "inputs", "decoded-rgb.bin"));
  let offset = 0;
  return index.images.map(({ file, width, height }) => {
    const n = width * height * 3;
    const image = { data: new Uint8Array(bytes.subarray(offset, offset + n)), width, height };
    offset += n;
    return { file, image };
  });
}

