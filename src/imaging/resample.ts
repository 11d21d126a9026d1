import { InvalidOptionError } from "../errors/invalid-option-error.js";
import type { RgbImage } from "./pixels.js";

/**
 * PIL's resampling filters by the numbers `preprocessor_config.json` stores in `resample`
 * (`PIL.Image.Resampling`): 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING.
 * NEAREST (0) takes another path in PIL and is not offered.
 */
export type ResampleFilter = 1 | 2 | 3 | 4 | 5;

interface Filter {
  support: number;
  weight(x: number): number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const t = x * Math.PI;
  return Math.sin(t) / t;
}

// PIL writes Hamming's constants as C floats, not doubles.
const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);

const FILTERS: Record<ResampleFilter, Filter> = {
  1: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
  2: { support: 1, weight: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  3: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  4: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  5: {
    support: 1,
    weight: (x) => {
      const t = Math.abs(x);
      if (t === 0) return 1;
      if (t >= 1) return 0;
      const p = t * Math.PI;
      return (Math.sin(p) / p) * (HAMMING_A + HAMMING_B * Math.cos(p));
    },
  },
};

// 8-bit results with two bits of headroom for negative lobes, as PIL's fixed-point passes.
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;

interface Coefficients {
  ksize: number;
  /** First source index and tap count of each output position. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` per output position. */
  weights: Float64Array;
}

/**
 * One axis' taps: the filter's support grows with the downscale factor (antialiasing), weights
 * are normalised to sum 1, then rounded to fixed point away from zero.
 */
function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Float64Array(outSize * ksize);
  const inv = 1 / filterScale;
  const row = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * inv);
      row[x] = w;
      sum += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? row[x]! / sum : row[x]!;
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** One separable pass over `rows` rows of `src` (interleaved RGB), along x or y. */
function pass(src: RgbImage, c: Coefficients, horizontal: boolean, outW: number, outH: number, rowOffset: number): RgbImage {
  const out = new Uint8Array(outW * outH * 3);
  const { ksize, bounds, weights } = c;
  const stride = src.width * 3;
  for (let yy = 0; yy < outH; yy++) {
    for (let xx = 0; xx < outW; xx++) {
      const pos = horizontal ? xx : yy;
      const first = bounds[pos * 2]!;
      const taps = bounds[pos * 2 + 1]!;
      const k = pos * ksize;
      let r = ONE / 2;
      let g = ONE / 2;
      let b = ONE / 2;
      for (let t = 0; t < taps; t++) {
        const i = horizontal ? (yy + rowOffset) * stride + (first + t) * 3 : (first + t) * stride + xx * 3;
        const w = weights[k + t]!;
        r += src.data[i]! * w;
        g += src.data[i + 1]! * w;
        b += src.data[i + 2]! * w;
      }
      const o = (yy * outW + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { data: out, width: outW, height: outH };
}

/**
 * Resizes as Pillow's `Image.resize(size, resample)` does for 8-bit RGB: a horizontal pass, then
 * a vertical one, each a convolution whose support is scaled by the downscale factor, in fixed
 * point, with the intermediate image rounded to uint8 between the passes. Bit-exact with
 * Pillow for the filters of {@link ResampleFilter}.
 * @throws {InvalidOptionError} for an unsupported filter or a size below 1.
 */
export function resizeRgb(image: RgbImage, width: number, height: number, filter: ResampleFilter): RgbImage {
  const f = FILTERS[filter];
  if (f === undefined) {
    throw new InvalidOptionError(
      `resample ${String(filter)} is not supported (1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING).`,
      { option: "resample", allowed: "1 | 2 | 3 | 4 | 5" },
    );
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidOptionError(`resize target must be positive integers, got ${width}x${height}.`, { option: "size", allowed: "integers >= 1" });
  }
  const needH = width !== image.width;
  const needV = height !== image.height;
  if (!needH && !needV) return { data: Uint8Array.from(image.data), width, height };
  const vert = coefficients(image.height, height, f);
  let current = image;
  if (needH) {
    // Only the rows the vertical pass reads, as PIL does; the values are the same either way.
    const first = vert.bounds[0]!;
    const last = vert.bounds[height * 2 - 2]! + vert.bounds[height * 2 - 1]!;
    for (let i = 0; i < height; i++) vert.bounds[i * 2] = vert.bounds[i * 2]! - first;
    current = pass(image, coefficients(image.width, width, f), true, width, last - first, first);
  }
  if (needV) current = pass(current, vert, false, width, height, 0);
  return current;
}
