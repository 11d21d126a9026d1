import type { RgbImage } from "./pixels.js";

/** Target `[height, width]` of a shortest-edge resize, as transformers' `get_resize_output_image_size`
 * with `default_to_square=False`: the short side becomes `edge`, the long side is truncated. */
export function shortestEdgeSize(height: number, width: number, edge: number): [number, number] {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((edge * long) / short);
  return width <= height ? [newLong, edge] : [edge, newLong];
}

/**
 * Center crop as transformers' `center_crop`: the offset is floored, and an image smaller than
 * the crop is first padded with zeros (the extra row or column going to the top / left).
 */
export function centerCrop(image: RgbImage, cropHeight: number, cropWidth: number): RgbImage {
  const { width, height } = image;
  if (width === cropWidth && height === cropHeight) return { data: Uint8Array.from(image.data), width, height };
  const paddedH = Math.max(cropHeight, height);
  const paddedW = Math.max(cropWidth, width);
  const padTop = Math.ceil((paddedH - height) / 2);
  const padLeft = Math.ceil((paddedW - width) / 2);
  const top = Math.max(0, Math.floor((height - cropHeight) / 2) + padTop);
  const left = Math.max(0, Math.floor((width - cropWidth) / 2) + padLeft);
  const outH = Math.min(paddedH, top + cropHeight) - top;
  const outW = Math.min(paddedW, left + cropWidth) - left;
  const out = new Uint8Array(outH * outW * 3);
  for (let y = 0; y < outH; y++) {
    const sy = y + top - padTop;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < outW; x++) {
      const sx = x + left - padLeft;
      if (sx < 0 || sx >= width) continue;
      const s = (sy * width + sx) * 3;
      const o = (y * outW + x) * 3;
      out[o] = image.data[s]!;
      out[o + 1] = image.data[s + 1]!;
      out[o + 2] = image.data[s + 2]!;
    }
  }
  return { data: out, width: outW, height: outH };
}
