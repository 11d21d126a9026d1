import type { RgbImage } from "./pixels.js";

/** Rescale and normalisation constants (`rescale_factor`, `image_mean`, `image_std`); `undefined` skips a step. */
export interface PixelScaling {
  rescaleFactor?: number | undefined;
  mean?: readonly [number, number, number] | undefined;
  std?: readonly [number, number, number] | undefined;
}

/**
 * Writes an RGB image as channel-first float32 (`[3, height, width]`) into `out` at `offset`,
 * with transformers' arithmetic: rescale multiplies in float64 and rounds to float32, normalise
 * subtracts and divides in float32.
 */
export function toChannelFirst(image: RgbImage, scaling: PixelScaling, out: Float32Array, offset = 0): void {
  const plane = image.width * image.height;
  const f = Math.fround;
  for (let c = 0; c < 3; c++) {
    const mean = scaling.mean === undefined ? undefined : f(scaling.mean[c]!);
    const std = scaling.std === undefined ? undefined : f(scaling.std[c]!);
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) {
      let v = image.data[i * 3 + c]!;
      if (scaling.rescaleFactor !== undefined) v = f(v * scaling.rescaleFactor);
      if (mean !== undefined && std !== undefined) v = f(f(v - mean) / std);
      out[base + i] = v;
    }
  }
}
