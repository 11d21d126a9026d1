/**
 * The walk of readGraphLeavingWeightsOnDisk over small graphs written field by field, in process:
 * which fields are left on disk and how the references read, how references through symlinks are
 * renamed, and the errors a damaged or hostile file gets (with the file and the byte named).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { parseModel } from "../../src/local/runtime/onnx-proto.js";
import { ElemType, bytes, concat, encodeNode, int } from "../../src/local/runtime/onnx-writer.js";
import { readGraphLeavingWeightsOnDisk } from "../../src/local/runtime/weights-on-disk.js";
import { ModelLoadError } from "../../src/errors/model-load-error.js";

// Positional reads of the graph go through this stand-in for fs.readSync: it counts the bytes
// read, and can return fewer bytes than asked (as FUSE or network file systems may) or none past
// a point (a file cut while it is read). Off by default: every call is passed through as it is.
const reads = vi.hoisted(() => ({ bytes: 0, maxPerCall: Infinity, endsAt: Infinity, zeros: 0 }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const readSync = (...args: unknown[]): number => {
    const [fd, buffer, offset, length, position] = args as [number, Uint8Array, number, number, number];
    if (args.length !== 5 || typeof offset !== "number") return (fs.readSync as unknown as (...a: unknown[]) => number)(...args);
    // fs.readSync refuses a length beyond the buffer before reading anything: so does this one.
    if (offset + length > buffer.length) throw new RangeError(`readSync: ${length} bytes at ${offset} overflow a ${buffer.length}-byte buffer`);
    const n = Math.max(0, Math.min(length, reads.maxPerCall, reads.endsAt - position));
    if (n === 0 && length > 0 && ++reads.zeros > 1000) throw new Error("readSync: asked again and again past the end of the file");
    const got = n === 0 ? 0 : fs.readSync(fd, buffer, offset, n, position);
    reads.bytes += got;
    return got;
  };
  return { ...fs, default: { ...fs, readSync }, readSync };
});

// Small graphs written field by field (onnx.proto numbers): ModelProto graph 7; GraphProto node 1,
// initializer 5; TensorProto dims 1, data_type 2, float_data 4, name 8, raw_data 9, doc_string 12,
// external_data 13 (StringStringEntryProto key 1, value 2; keys "location", "offset", "length" as
// onnx's external_data_helper writes them), data_location 14 (EXTERNAL = 1).
const KIB64 = 64 * 1024; // "every inline raw_data of at least 64 KiB" (readGraphLeavingWeightsOnDisk)
const opset = bytes(8, concat([bytes(1, ""), int(2, 17)]));
const entry = (key: string, value: string) => bytes(13, concat([bytes(1, key), bytes(2, value)]));
const onDisk = (location: string, offset: number, length: number) => [entry("location", location), entry("offset", String(offset)), entry("length", String(length)), int(14, 1)];
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * seed + (i >> 8) * 31 + seed) & 255);
const folder = (prefix: string) => realpathSync(mkdtempSync(join(tmpdir(), prefix)));
const weight = pattern(1024 * 1024, 3);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const offsetOf = (file: Uint8Array, part: Uint8Array) => Buffer.from(file).indexOf(Buffer.from(part));
const thrown = (f: () => unknown): ModelLoadError => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelLoadError);
    return error as ModelLoadError;
  }
  throw new Error("expected a ModelLoadError");
};

describe("weights left on disk: the walk over a small written graph", () => {
  // A field header that straddles the first 64 KiB, a fixed64 and a fixed32 field, a raw_data of
  // exactly 64 KiB (left on disk), one byte less (inline) and a float_data over 64 KiB (inline:
  // only raw_data can be referenced as external data).
  const big = pattern(KIB64, 7);
  const edge = pattern(KIB64 - 1, 13);
  const floats = pattern(KIB64 + 4, 5);
  const head = [int(1, 8), bytes(2, "p".repeat(KIB64 - 1 - 2 - 4))];
  // Field 20 of wire type 1 (tag 0xa1 0x01) and field 21 of wire type 5 (0xad 0x01), unknown to
  // ONNX. The fifth byte of the fixed64 is a group tag (0x0b): a walk that took it for 4 bytes fails.
  const odd = [Uint8Array.of(0xa1, 0x01, 1, 2, 3, 4, 0x0b, 6, 7, 8), Uint8Array.of(0xad, 0x01, 9, 10, 11, 12), bytes(3, "v")];
  const node = bytes(1, encodeNode({ op: "Identity", inputs: ["big"], outputs: ["y"] }, 0));
  const meta = (name: string, n: number) => [int(1, n), int(2, ElemType.UINT8), bytes(8, name)];
  const file = concat([...head, ...odd, bytes(7, concat([node, bytes(5, concat([...meta("big", KIB64), bytes(9, big)])), bytes(5, concat([...meta("edge", KIB64 - 1), bytes(9, edge)])), bytes(5, concat([int(1, floats.length / 4), int(2, ElemType.FLOAT), bytes(8, "floats"), bytes(4, floats)]))])), opset]);
  const write = () => {
    const dir = folder("rk-on-disk-walk-");
    writeFileSync(join(dir, "model.onnx"), file);
    return dir;
  };
  const expected = (location: string) =>
    concat([...head, ...odd, bytes(7, concat([node, bytes(5, concat([...meta("big", KIB64), ...onDisk(location, offsetOf(file, big), KIB64)])), bytes(5, concat([...meta("edge", KIB64 - 1), bytes(9, edge)])), bytes(5, concat([int(1, floats.length / 4), int(2, ElemType.FLOAT), bytes(8, "floats"), bytes(4, floats)]))])), opset]);

  it("moves a raw_data of exactly 64 KiB to a reference where its bytes sit, and copies every other field byte for byte", () => {
    // The fixed64 field's two-byte tag straddles the first 64 KiB.
    expect(hex(readFileSync(join(write(), "model.onnx")).subarray(KIB64 - 1, KIB64 + 1))).toBe("a101");
    const dir = write();
    const read = readGraphLeavingWeightsOnDisk(join(dir, "model.onnx"));
    expect(read.bytesOnDisk).toBe(KIB64);
    expect(read.dir).toBe(dir);
    expect(hex(read.model)).toBe(hex(expected("model.onnx")));
    const ref = parseModel(read.model, "model.onnx").initializers.find((t) => t.name === "big")!.external!;
    expect(Buffer.from(file.subarray(ref.offset, ref.offset + ref.length)).equals(Buffer.from(big))).toBe(true);
  });

  it("reads from the file far less than the 1 MiB weight left on disk (no JavaScript copy of it)", () => {
    const dir = folder("rk-on-disk-bytes-");
    writeFileSync(join(dir, "model.onnx"), concat([int(1, 8), bytes(7, concat([node, bytes(5, concat([...meta("big", weight.length), bytes(9, weight)]))])), opset]));
    reads.bytes = 0;
    const read = readGraphLeavingWeightsOnDisk(join(dir, "model.onnx"));
    expect(read.bytesOnDisk).toBe(weight.length);
    // The field headers are read through a 64 KiB window: a few windows, never the 1 MiB weight.
    expect(reads.bytes).toBeLessThan(256 * 1024);
  });

  it("gives the same model when the file system returns short reads", () => {
    const dir = write();
    Object.assign(reads, { maxPerCall: 1000, zeros: 0 });
    try {
      expect(hex(readGraphLeavingWeightsOnDisk(join(dir, "model.onnx")).model)).toBe(hex(expected("model.onnx")));
    } finally {
      reads.maxPerCall = Infinity;
    }
  });

  it("names the byte where a file cut while it is read ends", () => {
    const dir = write();
    const cut = offsetOf(file, edge) + 30000;
    Object.assign(reads, { maxPerCall: 1000, endsAt: cut, zeros: 0 });
    try {
      const path = join(dir, "model.onnx");
      const error = thrown(() => readGraphLeavingWeightsOnDisk(path));
      expect(error.message).toBe(`${path} is not a readable ONNX model: the file ends at byte ${cut}, inside a field`);
      expect(error.path).toBe(path);
    } finally {
      Object.assign(reads, { maxPerCall: Infinity, endsAt: Infinity });
    }
  });

  it("renames references through symlinks in the model folder to the real file, and accepts an empty external file", () => {
    const dir = folder("rk-on-disk-links-");
    writeFileSync(join(dir, "real.bin"), pattern(16, 3));
    symlinkSync("real.bin", join(dir, "link.bin"));
    writeFileSync(join(dir, "empty.bin"), new Uint8Array(0));
    // The location entry with its value first (protobuf fields may come in any order).
    const valueFirst = bytes(13, concat([bytes(2, "link.bin"), bytes(1, "location")]));
    const linked = [...meta("linked", 16), valueFirst, entry("offset", "0"), entry("length", "16"), int(14, 1)];
    const empty = [int(1, 0), int(2, ElemType.UINT8), bytes(8, "empty"), entry("location", "empty.bin"), int(14, 1)];
    writeFileSync(join(dir, "model.onnx"), concat([int(1, 8), bytes(7, concat([node, bytes(5, concat(linked)), bytes(5, concat(empty))])), opset]));
    const read = readGraphLeavingWeightsOnDisk(join(dir, "model.onnx"));
    expect(read.dir).toBe(dir);
    expect(read.bytesOnDisk).toBe(0);
    const renamed = [...meta("linked", 16), entry("location", "real.bin"), entry("offset", "0"), entry("length", "16"), int(14, 1)];
    expect(hex(read.model)).toBe(hex(concat([int(1, 8), bytes(7, concat([node, bytes(5, concat(renamed)), bytes(5, concat(empty))])), opset])));
  });

  it("with referenced files in two real folders, keeps the graph's own names and folder, and still leaves large weights on disk", () => {
    const dir = folder("rk-on-disk-folders-");
    mkdirSync(join(dir, "weights"));
    writeFileSync(join(dir, "weights", "real.bin"), pattern(16, 3));
    symlinkSync(join("weights", "real.bin"), join(dir, "link.bin"));
    // A long doc_string makes this tensor large enough to be walked.
    const linked = concat([...meta("linked", 16), bytes(12, "d".repeat(KIB64)), entry("location", "link.bin"), entry("offset", "0"), entry("length", "16"), int(14, 1)]);
    const heavy = pattern(KIB64 + 10, 11);
    const file = concat([int(1, 8), bytes(7, concat([node, bytes(5, linked), bytes(5, concat([...meta("big", heavy.length), bytes(9, heavy)]))])), opset]);
    writeFileSync(join(dir, "model.onnx"), file);
    const read = readGraphLeavingWeightsOnDisk(join(dir, "model.onnx"));
    expect(read.dir).toBe(dir);
    expect(read.bytesOnDisk).toBe(heavy.length);
    const moved = concat([...meta("big", heavy.length), ...onDisk("model.onnx", offsetOf(file, heavy), heavy.length)]);
    expect(hex(read.model)).toBe(hex(concat([int(1, 8), bytes(7, concat([node, bytes(5, linked), bytes(5, moved)])), opset])));
  });

  it("copies a graph or an initializer field of another wire type as it is", () => {
    const dir = folder("rk-on-disk-wire-");
    // Field 5 (initializer) and field 7 (graph) as varints: not messages, nothing to walk.
    const file = concat([int(1, 8), int(7, 8), bytes(7, concat([node, int(5, 8)])), opset]);
    writeFileSync(join(dir, "model.onnx"), file);
    expect(hex(readGraphLeavingWeightsOnDisk(join(dir, "model.onnx")).model)).toBe(hex(file));
  });

  it("copies a tensor's raw_data or external_data field of another wire type as it is", () => {
    const dir = folder("rk-on-disk-tensor-wire-");
    // raw_data (9) and external_data (13) as varints inside an initializer: not bytes, nothing to
    // move or rename (protobuf keeps them as unknown fields), and not the raw_data a later one replaces.
    const file = concat([int(1, 8), bytes(7, concat([node, bytes(5, concat([...meta("odd", 1), int(9, 5), int(13, 5), bytes(9, pattern(16, 3))]))])), opset]);
    writeFileSync(join(dir, "model.onnx"), file);
    const read = readGraphLeavingWeightsOnDisk(join(dir, "model.onnx"));
    expect(hex(read.model)).toBe(hex(file));
    expect(read.bytesOnDisk).toBe(0);
  });

  it("keeps only the last of repeated raw_data fields, as protobuf and ONNX Runtime read them", () => {
    const first = pattern(KIB64, 11);
    const last = pattern(KIB64 + 8, 17);
    const small = pattern(16, 19);
    const model = (...data: Uint8Array[]) => concat([int(1, 8), bytes(7, concat([node, bytes(5, concat([...meta("w", 0), ...data.map((d) => bytes(9, d)), bytes(12, "doc")]))])), opset]);
    const walk = (file: Uint8Array) => {
      const dir = folder("rk-on-disk-repeated-");
      writeFileSync(join(dir, "model.onnx"), file);
      return readGraphLeavingWeightsOnDisk(join(dir, "model.onnx"));
    };
    const tail = (file: Uint8Array, data: Uint8Array) => [bytes(12, "doc"), ...onDisk("model.onnx", offsetOf(file, data), data.length)];
    const inBody = (...fields: Uint8Array[]) => concat([int(1, 8), bytes(7, concat([node, bytes(5, concat([...meta("w", 0), ...fields]))])), opset]);
    // Two large ones: the last is left on disk, the first is gone.
    const twoLarge = model(first, last);
    const a = walk(twoLarge);
    expect(a.bytesOnDisk).toBe(last.length);
    expect(hex(a.model)).toBe(hex(inBody(...tail(twoLarge, last))));
    // A small one, then a large one: the large one is left on disk, the small one is gone.
    const smallFirst = model(small, last);
    expect(hex(walk(smallFirst).model)).toBe(hex(inBody(...tail(smallFirst, last))));
    // A large one, then a small one: the small one stays inline, nothing is left on disk.
    const b = walk(model(first, small));
    expect(b.bytesOnDisk).toBe(0);
    expect(hex(b.model)).toBe(hex(inBody(bytes(9, small), bytes(12, "doc"))));
  });

  it("names the tensor whose external data leads outside the folder (its name field, whatever comes after it)", () => {
    const dir = folder("rk-on-disk-name-");
    const path = join(dir, "model.onnx");
    // After the name: a varint, a string (doc_string) and a field 8 of the wrong wire type.
    const t = [int(1, 4), bytes(8, "w"), int(2, ElemType.UINT8), bytes(12, "doc"), int(8, 5), entry("location", "../outside.bin"), int(14, 1)];
    writeFileSync(path, concat([int(1, 8), bytes(7, concat([node, bytes(5, concat(t))])), opset]));
    const error = thrown(() => readGraphLeavingWeightsOnDisk(path));
    expect(error.message).toBe(`${path}: external data of tensor w (location "../outside.bin") leads outside the model folder`);
    expect(error.path).toBe(path);
    // The reference before the name: no name is known yet.
    writeFileSync(path, concat([int(1, 8), bytes(7, concat([node, bytes(5, concat([entry("location", "../outside.bin"), bytes(8, "w"), int(14, 1)]))])), opset]));
    expect(thrown(() => readGraphLeavingWeightsOnDisk(path)).message).toBe(`${path}: external data of tensor  (location "../outside.bin") leads outside the model folder`);
  });

  it("refuses a missing, malformed, truncated or oversized file with a ModelLoadError naming it", () => {
    const dir = folder("rk-on-disk-bad-");
    const path = join(dir, "model.onnx");
    const refused = (content: Uint8Array) => {
      writeFileSync(path, content);
      const error = thrown(() => readGraphLeavingWeightsOnDisk(path));
      expect(error.path).toBe(path);
      return error.message.replace(`${path} is not a readable ONNX model: `, "");
    };
    const missing = thrown(() => readGraphLeavingWeightsOnDisk(join(dir, "none.onnx")));
    expect(missing.message).toBe(`Cannot read the ONNX graph: ${join(dir, "none.onnx")} (ENOENT)`);
    expect(missing.path).toBe(join(dir, "none.onnx"));
    // Wire type 3 (a group) at byte 2.
    expect(refused(Uint8Array.of(0x08, 0x08, 0x1b, 0x00))).toBe("unsupported protobuf wire type 3 at byte 2");
    // A varint is at most 10 bytes: 10 continuation bytes, then a last one.
    expect(refused(Uint8Array.of(0x08, ...new Array<number>(10).fill(0x80), 0x00))).toBe("malformed protobuf varint at byte 1");
    // The file ends in the 10th byte of a varint.
    expect(refused(Uint8Array.of(0x08, ...new Array<number>(9).fill(0x80)))).toBe("the file ends at byte 10, inside a field");
    // A field inside the graph (at byte 4) longer than the graph.
    expect(refused(concat([int(1, 8), bytes(7, Uint8Array.of(0x12, 0x05, 0x61)), bytes(2, "abcdefg")]))).toBe("truncated protobuf field at byte 4");
  });

  it("refuses a file over protobuf's 2 GiB before reading it, and reads one of exactly 2 GiB - 1", () => {
    const dir = folder("rk-on-disk-huge-");
    const path = join(dir, "model.onnx");
    const limit = 2 ** 31 - 1;
    try {
      // Sparse files: a group tag (unsupported) and a varint too long for the file, then zeros.
      writeFileSync(path, Uint8Array.of(0x0b, 0xff, 0xff, 0xff, 0xff, 0x0f));
      truncateSync(path, limit + 1);
      const over = thrown(() => readGraphLeavingWeightsOnDisk(path));
      expect(over.message).toBe(`Cannot read the ONNX graph: ${path} is ${limit + 1} bytes, more than the ${limit} bytes such a file can hold`);
      expect(over.path).toBe(path);
      truncateSync(path, limit);
      expect(thrown(() => readGraphLeavingWeightsOnDisk(path)).message).toBe(`${path} is not a readable ONNX model: unsupported protobuf wire type 3 at byte 0`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync("/proc/self/fd"))("closes the file after every read, failed ones too", () => {
    const dir = folder("rk-on-disk-fds-");
    const good = join(dir, "model.onnx");
    const bad = join(dir, "bad.onnx");
    writeFileSync(good, concat([int(1, 8), bytes(7, node), opset]));
    writeFileSync(bad, Uint8Array.of(0x0b));
    const open = () => readdirSync("/proc/self/fd").length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      readGraphLeavingWeightsOnDisk(good);
      thrown(() => readGraphLeavingWeightsOnDisk(bad));
    }
    expect(open()).toBe(before);
  });
});
