/**
 * Reading an ONNX file's graph while its large weights stay on disk.
 *
 * A graph rewritten at load (the LM-head rewrite) used to be read whole: a q8 Qwen3-0.6B file is
 * 753 MB, and that buffer stayed resident (garbage, not yet collected) while ONNX Runtime built
 * its own tensors, so the load peaked at the file plus ONNX Runtime's copy. Here the file is
 * walked with positional reads instead: every field is read except the `raw_data` of large
 * initializers, which become external-data references into the `.onnx` file itself (location:
 * the file's own name, offset: where the bytes sit in it). The result is a small model that
 * rewrites parse in milliseconds, and ONNX Runtime reads (or maps) each weight from the file into
 * its tensor; no JavaScript copy of the weights exists at any point.
 * @module
 */
import { closeSync, readSync, realpathSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { MAX_ONNX_BYTES, openRegularFile } from "../files/bounded-read.js";
import { readFields, text } from "./proto-fields.js";
import { resolveExternalData } from "../files/external-data.js";
import { bytes, concat, int, lengthHeader } from "./onnx-writer.js";

/** Weights smaller than this are read inline (the saving is in the large ones). */
const MIN_BYTES = 1 << 16;

const NOTHING = new Uint8Array(0);

/** A model read with its large weights left in the file. */
export interface GraphWithWeightsOnDisk {
  /** The model: nodes and small tensors inline, large weights referencing the file. */
  model: Uint8Array;
  /** Bytes of weights left on disk (0: the model is the file as it is). */
  bytesOnDisk: number;
  /**
   * The folder the references are relative to: pass it as `externalDataDir`. It is the real
   * folder of the files (symlinks resolved) and each reference names its file there: a Hugging
   * Face cache snapshot links every file to `blobs/<hash>`, and ONNX Runtime refuses external data
   * whose resolved path leaves the folder it is given. Each referenced file is checked first
   * (inside the model folder or its cache repository, a regular file).
   */
  dir: string;
}

/**
 * Reads `path` (an ONNX model) leaving every inline `raw_data` of at least 64 KiB in the file, as
 * an external-data reference to the file itself (relative to its folder, where ONNX Runtime and
 * `readElements` look when given that folder as `externalDataDir`).
 * @throws {ModelLoadError} naming the file when it cannot be read, is larger than protobuf's
 *   2 GiB, or is not a readable ONNX model.
 */
export function readGraphLeavingWeightsOnDisk(path: string): GraphWithWeightsOnDisk {
  const dir = dirname(path);
  const real = realpathOrSelf(path);
  // Every file the graph references is resolved (and checked: inside the model folder, or the
  // cache repository's blobs) and named where it really is, so all can be read from one real folder.
  const folders = new Set<string>([dirname(real)]);
  const resolved = new Map<string, string>();
  const relocate = (location: string, tensor: string): string => {
    let at = resolved.get(location);
    if (at === undefined) {
      at = resolveExternalData(dir, { location, offset: 0, length: -1 }, tensor, path).path;
      resolved.set(location, at);
    }
    folders.add(dirname(at));
    return basename(at);
  };
  const linked = readAs(path, basename(real), relocate);
  if (folders.size === 1) return { ...linked, dir: dirname(real) };
  // Referenced files in several real folders: named as the graph names them, from its own folder.
  return { ...readAs(path, basename(path)), dir };
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * The walk: large `raw_data` fields become references to `location`, and the locations of
 * existing references are renamed by `relocate`.
 */
function readAs(path: string, location: string, relocate?: (location: string, tensor: string) => string): { model: Uint8Array; bytesOnDisk: number } {
  const { fd, size } = openRegularFile(path, "the ONNX graph");
  try {
    if (size > MAX_ONNX_BYTES) {
      throw new ModelLoadError(`Cannot read the ONNX graph: ${path} is ${size} bytes, more than the ${MAX_ONNX_BYTES} bytes such a file can hold`, { path });
    }
    const file = new FileCursor(fd, size);
    let bytesOnDisk = 0;
    const tensor = (start: number, end: number): Uint8Array => {
      const parts: Uint8Array[] = [];
      // raw_data is a singular field: where a writer repeats it, protobuf (and ONNX Runtime) keeps
      // the last one, so only the last stays, inline or on disk, in its place.
      let data: { payload: number; length: number; at: number } | undefined;
      let name = "";
      for (const f of file.fields(start, end)) {
        if (f.field === 9 && f.wire === 2) {
          if (data) parts[data.at] = NOTHING;
          data = { payload: f.payload, length: f.length, at: parts.length };
          parts.push(f.length >= MIN_BYTES ? NOTHING : file.read(f.start, f.end));
        } else if (f.field === 13 && f.wire === 2 && relocate) parts.push(relocated(file.read(f.payload, f.end), name, relocate));
        else {
          const raw = file.read(f.start, f.end);
          if (f.field === 8 && f.wire === 2) name = new TextDecoder().decode(file.read(f.payload, f.end));
          parts.push(raw);
        }
      }
      if (!data || data.length < MIN_BYTES) return concat(parts);
      bytesOnDisk += data.length;
      return concat([...parts, entry("location", location), entry("offset", String(data.payload)), entry("length", String(data.length)), int(14, 1)]);
    };
    const graph = (start: number, end: number): Uint8Array => {
      const parts: Uint8Array[] = [];
      for (const f of file.fields(start, end)) {
        // Initializers are walked (their weights may stay on disk, their references be renamed); the rest is read as is.
        if (f.field === 5 && f.wire === 2 && (f.length >= MIN_BYTES || relocate)) {
          const t = tensor(f.payload, f.end);
          parts.push(lengthHeader(5, t.length), t);
        } else parts.push(file.read(f.start, f.end));
      }
      return concat(parts);
    };
    const parts: Uint8Array[] = [];
    for (const f of file.fields(0, size)) {
      if (f.field === 7 && f.wire === 2) parts.push(bytes(7, graph(f.payload, f.end)));
      else parts.push(file.read(f.start, f.end));
    }
    return { model: concat(parts), bytesOnDisk };
  } catch (cause) {
    if (cause instanceof ModelLoadError) throw cause;
    throw new ModelLoadError(`${path} is not a readable ONNX model: ${(cause as Error).message}`, { path, cause });
  } finally {
    closeSync(fd);
  }
}

/** An `external_data` entry (its payload) with a `location` value renamed, as a whole field 13. */
function relocated(entryBytes: Uint8Array, tensor: string, relocate: (location: string, tensor: string) => string): Uint8Array {
  const fields = readFields(entryBytes);
  const key = fields.find((f) => f.field === 1);
  const value = fields.find((f) => f.field === 2);
  if (!key || !value || text(key) !== "location") return bytes(13, entryBytes);
  return entry("location", relocate(text(value), tensor));
}

/** One StringStringEntryProto of `external_data` (TensorProto field 13). */
function entry(key: string, value: string): Uint8Array {
  return bytes(13, concat([bytes(1, key), bytes(2, value)]));
}

/** Where a field sits in the file: its start, its payload (wire type 2) and its end. */
interface FieldSpan {
  field: number;
  wire: number;
  start: number;
  payload: number;
  length: number;
  end: number;
}

/** Positional reads of a protobuf message in a file, through a small window. */
class FileCursor {
  private window = new Uint8Array(0);
  private windowStart = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}

  /** The fields between `start` and `end`, without reading their payloads. */
  *fields(start: number, end: number): Generator<FieldSpan> {
    let pos = start;
    while (pos < end) {
      const at = pos;
      const [tag, afterTag] = this.varint(pos);
      const wire = tag % 8;
      let payload = afterTag;
      let length = 0;
      if (wire === 0) [, pos] = this.varint(afterTag);
      else if (wire === 1 || wire === 5) pos = afterTag + (wire === 1 ? 8 : 4);
      else if (wire === 2) {
        [length, payload] = this.varint(afterTag);
        pos = payload + length;
      } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${at}`);
      if (pos > end) throw new Error(`truncated protobuf field at byte ${at}`);
      yield { field: Math.floor(tag / 8), wire, start: at, payload, length, end: pos };
    }
  }

  /** A copy of the bytes between `start` and `end`. */
  read(start: number, end: number): Uint8Array {
    if (start >= this.windowStart && end <= this.windowStart + this.window.length) {
      return this.window.slice(start - this.windowStart, end - this.windowStart);
    }
    const out = new Uint8Array(end - start);
    for (let at = 0; at < out.length; ) {
      const got = readSync(this.fd, out, at, out.length - at, start + at);
      if (got === 0) throw new Error(`the file ends at byte ${start + at}, inside a field`);
      at += got;
    }
    return out;
  }

  /** A varint at `pos`: its value and the position after it. */
  private varint(pos: number): [number, number] {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(pos + i);
      result += (b & 0x7f) * mul;
      if (b < 0x80) return [result, pos + i + 1];
      mul *= 128;
    }
    throw new Error(`malformed protobuf varint at byte ${pos}`);
  }

  private byte(pos: number): number {
    if (pos < this.windowStart || pos >= this.windowStart + this.window.length) {
      if (pos >= this.size) throw new Error(`the file ends at byte ${this.size}, inside a field`);
      this.window = new Uint8Array(Math.min(WINDOW, this.size - pos));
      this.windowStart = pos;
      const got = readSync(this.fd, this.window, 0, this.window.length, pos);
      if (got < this.window.length) this.window = this.window.subarray(0, got);
    }
    return this.window[pos - this.windowStart] as number;
  }
}

/** Bytes read at a time when walking field headers. */
const WINDOW = 1 << 16;
