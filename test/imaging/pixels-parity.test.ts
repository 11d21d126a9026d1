/**
 * Resize and crop against transformers' PIL image processors (scripts/reference/images.py): PIL's
 * own decoded RGB (inputs/decoded-rgb.bin) goes through `resizeAndCrop` and must equal, byte for
 * byte, the processor's uint8 image for every filter and size rule in golden/images/pixels.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readImageProcessorConfig } from "../../src/imaging/processor-config.js";
import { resizeAndCrop } from "../../src/imaging/preprocess.js";
import type { RgbImage } from "../../src/imaging/pixels.js";
import { IMAGES_ROOT as ROOT, pilDecoded } from "./golden-inputs.js";

/** HWC uint8 to CHW, the golden's layout. */
function channelFirst(image: RgbImage): Uint8Array {
  const plane = image.width * image.height;
  const out = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = image.data[i * 3 + c]!;
  return out;
}

interface PixelsIndex {
  cells: Record<string, { preprocessor_config: unknown; shape: [number, number, number, number] }>;
}

const pixels = JSON.parse(readFileSync(join(ROOT, "pixels", "pixels.json"), "utf8")) as PixelsIndex;
const inputs = pilDecoded();

describe("resizeAndCrop matches PIL through transformers' processors, byte for byte", () => {
  for (const [cell, { preprocessor_config, shape }] of Object.entries(pixels.cells)) {
    it(cell, () => {
      const spec = readImageProcessorConfig(preprocessor_config, cell);
      const golden = readFileSync(join(ROOT, "pixels", `${cell}.bin`));
      const plane = shape[1] * shape[2] * shape[3];
      inputs.forEach(({ file, image }, i) => {
        const got = resizeAndCrop(image, spec);
        expect([got.height, got.width], file).toEqual([shape[2], shape[3]]);
        const want = golden.subarray(i * plane, (i + 1) * plane);
        const mine = channelFirst(got);
        let worst = 0;
        for (let j = 0; j < plane; j++) worst = Math.max(worst, Math.abs(mine[j]! - want[j]!));
        expect(worst, `${cell} ${file}: max uint8 difference`).toBe(0);
      });
    });
  }
});
