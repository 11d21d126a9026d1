import { endianness as hostEndianness } from "node:os";

/** vLLM's `embed_dtype` values (`vllm/utils/serial_utils.py`). */
export const EMBED_DTYPES = ["float32", "float16", "bfloat16", "fp8_e4m3", "fp8_e5m2"] as const;
/** vLLM's `embed_dtype`. */
export type EmbedDtype = (typeof EMBED_DTYPES)[number];

/** vLLM's `endianness` values; `native` is the server host's byte order. */
export const ENDIANNESS = ["native", "big", "little"] as const;
/** vLLM's `endianness`. */
export type Endianness = (typeof ENDIANNESS)[number];

/** Bytes per value of each dtype. */
export const DTYPE_BYTES: Record<EmbedDtype, number> = { float32: 4, float16: 2, bfloat16: 2, fp8_e4m3: 1, fp8_e5m2: 1 };

/**
 * A minifloat layout: exponent and mantissa widths and bias. `fn` marks e4m3fn, which has no
 * infinities and only one NaN code per sign (0x7F), so its largest finite value is 448.
 */
interface Format {
  mbits: number;
  bias: number;
  maxExpField: number;
  fn: boolean;
}

const FORMATS: Record<Exclude<EmbedDtype, "float32">, Format> = {
  float16: { mbits: 10, bias: 15, maxExpField: 31, fn: false },
  bfloat16: { mbits: 7, bias: 127, maxExpField: 255, fn: false },
  fp8_e4m3: { mbits: 3, bias: 7, maxExpField: 15, fn: true },
  fp8_e5m2: { mbits: 2, bias: 15, maxExpField: 31, fn: false },
};

/**
 * The raw bytes of `values` in `dtype` and byte order, as vLLM's `tensor2binary` produces them:
 * each float32 is converted with round-to-nearest-even (torch's `.to(dtype)`), then the array is
 * byte-swapped when the requested order differs from the host's.
 */
export function tensorBytes(values: Float32Array, dtype: EmbedDtype, order: Endianness): Buffer {
  const size = DTYPE_BYTES[dtype];
  const out = Buffer.alloc(values.length * size);
  const little = order === "native" ? hostEndianness() === "LE" : order === "little";
  if (dtype === "float32") {
    values.forEach((v, i) => (little ? out.writeFloatLE(v, i * 4) : out.writeFloatBE(v, i * 4)));
    return out;
  }
  const format = FORMATS[dtype];
  values.forEach((v, i) => {
    const code = toMinifloat(v, format);
    if (size === 1) out[i] = code;
    else if (little) out.writeUInt16LE(code, i * 2);
    else out.writeUInt16BE(code, i * 2);
  });
  return out;
}

/** Bit width of a format's exponent field. */
function ebitsOf(f: Format): number {
  return Math.log2(f.maxExpField + 1);
}

/** Round half to even. */
function rne(x: number): number {
  const floor = Math.floor(x);
  const frac = x - floor;
  if (frac > 0.5) return floor + 1;
  if (frac < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** One float32 value as a minifloat code (sign, exponent, mantissa), round-to-nearest-even. */
function toMinifloat(value: number, f: Format): number {
  const ebits = ebitsOf(f);
  const signBit = 1 << (ebits + f.mbits);
  const sign = value < 0 || Object.is(value, -0) ? signBit : 0;
  const infCode = f.maxExpField << f.mbits;
  // torch's NaN codes: 0x7E00 (float16), 0x7FC0 (bfloat16), 0x7F (both fp8 formats).
  const nanCode = f.fn || f.mbits === 2 ? signBit - 1 : infCode | (1 << (f.mbits - 1));
  if (Number.isNaN(value)) return sign | nanCode;
  const a = Math.abs(value);
  if (a === Infinity) return sign | (f.fn ? nanCode : infCode);
  if (a === 0) return sign;
  const minExp = 1 - f.bias;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  let code: number;
  if (e < minExp) {
    // Subnormal: a multiple of 2^(minExp - mbits); a carry into 2^mbits is the smallest normal.
    code = rne(a / 2 ** (minExp - f.mbits));
  } else {
    let m = rne((a / 2 ** e - 1) * 2 ** f.mbits);
    if (m === 1 << f.mbits) {
      m = 0;
      e++;
    }
    const expField = e + f.bias;
    if (f.fn) {
      code = (expField << f.mbits) | m;
      // e4m3fn: 0x7F is NaN and there is no infinity; torch saturates finite overflow to 448 (0x7E).
      if (expField > f.maxExpField || code >= nanCode) return sign | (nanCode - 1);
      return sign | code;
    }
    if (expField >= f.maxExpField) return sign | infCode;
    code = (expField << f.mbits) | m;
  }
  return sign | code;
}

/** Base64 of {@link tensorBytes}: vLLM's `encoding_format: "base64"` with `embed_dtype` / `endianness`. */
export function tensorBase64(values: Float32Array, dtype: EmbedDtype, order: Endianness): string {
  return tensorBytes(values, dtype, order).toString("base64");
}
