import { InvalidInputError } from "../errors/invalid-input-error.js";
import { centerCrop, shortestEdgeSize } from "./geometry.js";
import { toChannelFirst } from "./normalize.js";
import type { RgbImage } from "./pixels.js";
import type { ImageProcessorSpec } from "./processor-config.js";
import { resizeRgb } from "./resample.js";

/**
 * Resize and center crop, the uint8 steps of the processor (PIL's output before `rescale`).
 */
export function resizeAndCrop(image: RgbImage, spec: ImageProcessorSpec): RgbImage {
  let out = image;
  if (spec.resize !== undefined) {
    const [h, w] =
      spec.resize.kind === "fixed" ? [spec.resize.height, spec.resize.width] : shortestEdgeSize(image.height, image.width, spec.resize.edge);
    out = resizeRgb(out, w, h, spec.resample);
  }
  if (spec.crop !== undefined) out = centerCrop(out, spec.crop.height, spec.crop.width);
  return out;
}

/** A batch of `pixel_values`: float32 `[batch, 3, height, width]`. */
export interface PixelBatch {
  data: Float32Array;
  dims: [number, 3, number, number];
}

/**
 * Runs the whole processor over RGB images and stacks them into one `pixel_values` tensor, as
 * `CLIPImageProcessor` / `SiglipImageProcessor` do with `return_tensors`.
 * @throws {InvalidInputError} when the processor leaves images of different sizes (a shortest-edge
 *   resize without a crop), which cannot share one tensor.
 */
export function pixelValues(images: readonly RgbImage[], spec: ImageProcessorSpec): PixelBatch {
  const ready = images.map((image) => resizeAndCrop(image, spec));
  const first = ready[0];
  if (first === undefined) return { data: new Float32Array(0), dims: [0, 3, 0, 0] };
  const plane = first.width * first.height * 3;
  const data = new Float32Array(plane * ready.length);
  ready.forEach((image, i) => {
    if (image.width !== first.width || image.height !== first.height) {
      throw new InvalidInputError(
        `images[${i}] is ${image.width}x${image.height} after preprocessing, images[0] is ${first.width}x${first.height}: ` +
          "the processor has no crop or fixed size, so the batch cannot be stacked.",
        { field: `images[${i}]` },
      );
    }
    toChannelFirst(image, { rescaleFactor: spec.rescaleFactor, mean: spec.mean, std: spec.std }, data, i * plane);
  });
  return { data, dims: [ready.length, 3, first.height, first.width] };
}
