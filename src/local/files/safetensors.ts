import { open } from "node:fs/promises";
import { ModelLoadError } from "../../errors/model-load-error.js";

/** One float32 tensor read from a `.safetensors` file. */
export interface Float32Tensor {
  /** Row-major values. */
  data: Float32Array;
  /** Shape, e.g. `[out, in]` for a linear weight. */
  shape: number[];
}

/** One tensor's raw bytes, as stored (little-endian), with its safetensors dtype. */
export interface RawTensor {
  /** The safetensors dtype, e.g. `F32`, `F16`, `BF16`, `I8`. */
  dtype: string;
  /** Shape, e.g. `[rows, dim]`. */
  shape: number[];
  /** The tensor's bytes in a buffer of their own (offset 0, so any typed-array view is aligned), or in the view `into` gave. */
  bytes: Uint8Array;
  /** The tensor name that was found. */
  name: string;
}

/**
 * Reads one tensor from a safetensors file (8-byte little-endian header length, JSON header,
 * raw little-endian data). F32, F16 and BF16 are converted to float32.
 * @throws {ModelLoadError} naming the file and tensor when either is missing or malformed.
 */
export async function readSafetensor(path: string, names: string[]): Promise<Float32Tensor> {
  const raw = await readSafetensorRaw(path, names);
  return { data: decode(Buffer.from(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength), raw.dtype, raw.shape, `${path}: tensor ${raw.name}`), shape: raw.shape };
}

/**
 * Where a tensor's bytes should go, chosen once its dtype and shape are known: a view of exactly
 * `byteLength` bytes (e.g. inside a WebAssembly memory), or undefined for a buffer of its own.
 */
export type TensorDestination = (tensor: { dtype: string; shape: number[]; byteLength: number }) => Uint8Array | undefined;

/**
 * Reads the first of `names` present in a safetensors file, straight into one buffer and without
 * converting it: a static embedding table of 30522 x 768 float32 is 94 MB, and a second copy
 * would double the peak memory. `into` may name that buffer (the static embedder reads its table
 * into the WebAssembly memory its kernel sums from); a view of the wrong length is not used.
 * @throws {ModelLoadError} naming the file and tensor when either is missing or malformed.
 */
export async function readSafetensorRaw(path: string, names: string[], into?: TensorDestination): Promise<RawTensor> {
  // Reads the header and then only the wanted tensor: a stanford checkpoint's model.safetensors
  // holds the whole encoder, of which only `linear.weight` is needed.
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, "r");
  } catch (cause) {
    throw new ModelLoadError(`Cannot read ${path}`, { path, cause });
  }
  try {
    const size = (await file.stat()).size;
    const lengthBytes = Buffer.alloc(8);
    await file.read(lengthBytes, 0, 8, 0);
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    if (size < 8 || headerLength > size - 8) throw new ModelLoadError(`${path} is not a safetensors file`, { path });
    const headerBytes = Buffer.alloc(headerLength);
    await file.read(headerBytes, 0, headerLength, 8);
    let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    try {
      header = JSON.parse(headerBytes.toString("utf8"));
    } catch (cause) {
      throw new ModelLoadError(`${path} is not a safetensors file`, { path, cause });
    }
    const name = names.find((n) => header[n]);
    if (!name) {
      const found = Object.keys(header).filter((k) => k !== "__metadata__");
      throw new ModelLoadError(`${path} has none of the tensors ${names.join(", ")} (found: ${found.join(", ")})`, { path });
    }
    const entry = header[name]!;
    const [start, end] = entry.data_offsets;
    if (!(end >= start && 8 + headerLength + end <= size)) {
      throw new ModelLoadError(`${path}: tensor ${name} lies outside the file`, { path });
    }
    const given = into?.({ dtype: entry.dtype, shape: entry.shape, byteLength: end - start });
    const bytes = given?.byteLength === end - start ? given : new Uint8Array(new ArrayBuffer(end - start));
    let at = 0;
    // A single read() is capped (2 GiB) and may return short: loop until the tensor is in.
    while (at < bytes.length) {
      const { bytesRead } = await file.read(bytes, at, bytes.length - at, 8 + headerLength + start + at);
      if (bytesRead === 0) throw new ModelLoadError(`${path}: tensor ${name} is truncated`, { path });
      at += bytesRead;
    }
    return { dtype: entry.dtype, shape: entry.shape, bytes, name };
  } finally {
    await file.close();
  }
}

function decode(bytes: Buffer, dtype: string, shape: number[], where: string): Float32Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  if (dtype === "F32") {
    for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(i * 4);
  } else if (dtype === "F16") {
    for (let i = 0; i < count; i++) data[i] = halfToFloat(bytes.readUInt16LE(i * 2));
  } else if (dtype === "BF16") {
    const tmp = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < count; i++) {
      tmp.setUint32(0, bytes.readUInt16LE(i * 2) << 16, true);
      data[i] = tmp.getFloat32(0, true);
    }
  } else {
    throw new ModelLoadError(`${where} has unsupported dtype ${dtype}`, { path: where });
  }
  return data;
}

/** Decodes one IEEE 754 half-precision value. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const bfloat16Scratch = new Float32Array(1);
const bfloat16Bits = new Uint32Array(bfloat16Scratch.buffer);

/** Decodes one bfloat16 bit pattern: the top half of the float32 with the same bits. */
export function bfloat16ToFloat(bits: number): number {
  bfloat16Bits[0] = (bits & 0xffff) << 16;
  return bfloat16Scratch[0] as number;
}
