import { InvalidInputError } from "../errors/invalid-input-error.js";

/**
 * Decoded pixels, row-major and interleaved: `data[(y * width + x) * channels + c]`. `channels`
 * is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA), 8 bits each.
 */
export interface RawPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: number;
}

/** 8-bit RGB pixels, interleaved (`channels` is always 3). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Converts decoded pixels to RGB as PIL's `Image.convert("RGB")` does, which is what
 * transformers' `convert_to_rgb` calls: grey is copied into the three channels and alpha is
 * dropped, not composited (so a transparent pixel keeps the colour stored under it).
 * @throws {InvalidInputError} when the sizes or the channel count do not describe `data`.
 */
export function toRgb(pixels: RawPixels, field = "image"): RgbImage {
  const { data, width, height, channels } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidInputError(`${field}: width and height must be positive integers, got ${width}x${height}.`, { field });
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new InvalidInputError(`${field}: channels must be 1, 2, 3 or 4, got ${channels}.`, { field });
  }
  const n = width * height;
  if (data.length !== n * channels) {
    throw new InvalidInputError(
      `${field}: ${width}x${height}x${channels} pixels need ${n * channels} bytes, got ${data.length}.`,
      { field },
    );
  }
  if (channels === 3) return { data: Uint8Array.from(data), width, height };
  const out = new Uint8Array(n * 3);
  const colour = channels >= 3;
  for (let i = 0; i < n; i++) {
    const src = i * channels;
    out[i * 3] = data[src]!;
    out[i * 3 + 1] = data[colour ? src + 1 : src]!;
    out[i * 3 + 2] = data[colour ? src + 2 : src]!;
  }
  return { data: out, width, height };
}
