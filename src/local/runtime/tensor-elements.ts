/**
 * Tensor values read from an ONNX model: a few elements at chosen indices, from inline data or
 * the model's external data file, without loading the whole tensor.
 * @module
 */
import { closeSync, readSync } from "node:fs";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { openExternalData } from "../files/external-data.js";
import { bfloat16ToFloat, halfToFloat } from "../files/safetensors.js";
import type { TensorInfo } from "./onnx-model-parse.js";
import { readPackedVarints } from "./proto-fields.js";

/** Bytes per element of the ONNX data types the rewrite reads. */
const ELEMENT_SIZE: Record<number, number> = { 1: 4, 2: 1, 3: 1, 10: 2, 16: 2, 6: 4, 7: 8 };

/**
 * The TensorProto field that holds each of those data types as typed values (onnx.proto):
 * float_data for float32, int64_data for int64, int32_data for the rest (float16 and bfloat16 as
 * their bits).
 */
const TYPED_FIELD: Record<number, number> = { 1: 4, 2: 5, 3: 5, 6: 5, 10: 5, 16: 5, 7: 7 };
const FIELD_NAME: Record<number, string> = { 4: "float_data", 5: "int32_data", 7: "int64_data" };

/**
 * Reads the elements at `indices` of a tensor as numbers (float32, float16, bfloat16, int8,
 * uint8, int32, int64), from inline data or its external data file; consecutive indices are
 * read in one go, so a row costs one read and a column one read per element.
 * @throws {ModelLoadError} when the data is external and `externalDataDir` is not given.
 */
export function readElements(t: TensorInfo, indices: readonly number[], externalDataDir: string | undefined, source: string): number[] {
  const size = ELEMENT_SIZE[t.dataType];
  if (size === undefined) throw new ModelLoadError(`${source}: tensor ${t.name} has unsupported data type ${t.dataType}`, { path: source });
  if (!t.external && !t.rawData) {
    if (!t.typedData) throw new ModelLoadError(`${source}: tensor ${t.name} has no data`, { path: source });
    // Values in another field would be read as the wrong kind of number (float bits as integers).
    const want = TYPED_FIELD[t.dataType] as number;
    const stray = t.typedData.values.find((f) => f.field !== want);
    if (stray) {
      throw new ModelLoadError(`${source}: tensor ${t.name} of data type ${t.dataType} has ${FIELD_NAME[stray.field]}; ONNX keeps it in ${FIELD_NAME[want]}`, { path: source });
    }
    const all = typedElements(t);
    if (indices.some((i) => i >= all.length)) throw new ModelLoadError(`${source}: tensor ${t.name} is shorter than its shape`, { path: source });
    return indices.map((i) => all[i] as number);
  }
  const out = new Array<number>(indices.length);
  let fd: number | undefined;
  if (t.external) {
    if (!externalDataDir) {
      throw new ModelLoadError(`${source}: tensor ${t.name} is in external data (${t.external.location}); pass externalDataDir`, { path: source });
    }
    // Contained in the folder, a regular file, its declared range within the file.
    fd = openExternalData(externalDataDir, t.external, t.name, source).fd;
  }
  try {
    for (let i = 0; i < indices.length; ) {
      let j = i + 1;
      while (j < indices.length && indices[j] === (indices[j - 1] as number) + 1) j++;
      const first = indices[i] as number;
      const count = j - i;
      let raw: Uint8Array;
      if (fd !== undefined && t.external) {
        raw = new Uint8Array(count * size);
        const end = (first + count) * size;
        if (t.external.length !== -1 && end > t.external.length) {
          throw new ModelLoadError(`${source}: external data of ${t.name} is shorter than its shape`, { path: source });
        }
        const got = readSync(fd, raw, 0, raw.length, t.external.offset + first * size);
        if (got < raw.length) throw new ModelLoadError(`${source}: external data of ${t.name} is shorter than its shape`, { path: source });
      } else {
        raw = (t.rawData as Uint8Array).subarray(first * size, (first + count) * size);
        if (raw.length < count * size) throw new ModelLoadError(`${source}: tensor ${t.name} is shorter than its shape`, { path: source });
      }
      decodeInto(raw, t.dataType, size, out, i, count);
      i = j;
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return out;
}

function decodeInto(raw: Uint8Array, dataType: number, size: number, out: number[], at: number, count: number): void {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    let v: number;
    switch (dataType) {
      case 1:
        v = view.getFloat32(o, true);
        break;
      case 10:
        v = halfToFloat(view.getUint16(o, true));
        break;
      case 16:
        v = bfloat16ToFloat(view.getUint16(o, true));
        break;
      case 2:
        v = view.getUint8(o);
        break;
      case 3:
        v = view.getInt8(o);
        break;
      case 6:
        v = view.getInt32(o, true);
        break;
      default:
        v = Number(view.getBigInt64(o, true));
    }
    out[at + i] = v;
  }
}

/** Elements of a tensor stored in float_data / int32_data / int64_data (small tensors only). */
function typedElements(t: TensorInfo): number[] {
  const td = t.typedData;
  if (!td) return [];
  const out: number[] = [];
  for (const f of td.values) {
    if (td.field === 4) {
      const d = f.data;
      const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
      for (let o = 0; o + 4 <= d.length; o += 4) out.push(view.getFloat32(o, true));
    } else if (f.wire === 0) out.push(f.value);
    else out.push(...readPackedVarints(f.data));
  }
  // int32_data carries float16 / bfloat16 / int8 / uint8 values as integers.
  if (t.dataType === 10) return out.map((v) => halfToFloat(v));
  if (t.dataType === 16) return out.map((v) => bfloat16ToFloat(v));
  return out;
}

/** Element count of a shape. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
