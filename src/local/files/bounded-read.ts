import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { ModelLoadError } from "../../errors/model-load-error.js";

/**
 * The largest JSON file of a model folder read: 64 MiB. The largest tokenizer.json files of
 * popular models are about 11 MB (Qwen3, 151k tokens) to about 33 MB (Gemma 3, 262k tokens), so
 * this leaves twice the largest; anything bigger is not a tokenizer or a config.
 */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/**
 * The largest ONNX graph file read whole: 2 GiB, protobuf's own limit for one message. A larger
 * model keeps its weights in external data files, which are never read whole.
 */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

/**
 * Opens a file for reading without blocking on a FIFO and without following it into a device:
 * the descriptor is checked with `fstat` after the path is resolved (symlinks included), so what
 * is read is what was checked.
 * @returns the descriptor and the file's size.
 * @throws {ModelLoadError} (`code` ENOENT kept in `cause`) when it cannot be opened, or is not a
 *   regular file (a FIFO, a device such as `/dev/zero`, a folder).
 */
export function openRegularFile(path: string, what: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new ModelLoadError(`Cannot read ${what}: ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { path, cause });
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new ModelLoadError(`Cannot read ${what}: ${path} is not a regular file`, { path });
  }
  return { fd, size: stat.size };
}

/**
 * Reads a model file whole, bounded by its size as `fstat` states it when opened (a file that
 * grows while read is cut there) and by `maxBytes`; checked as {@link openRegularFile} does.
 * @param what the file's role, named in errors (e.g. `tokenizer.json`).
 * @throws {ModelLoadError} when the file cannot be opened, is not a regular file, or is larger
 *   than `maxBytes`.
 */
export async function readRegularFile(path: string, what: string, maxBytes: number): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new ModelLoadError(`Cannot read ${what}: ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { path, cause });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ModelLoadError(`Cannot read ${what}: ${path} is not a regular file`, { path });
    if (stat.size > maxBytes) {
      throw new ModelLoadError(`Cannot read ${what}: ${path} is ${stat.size} bytes, more than the ${maxBytes} bytes such a file can hold`, { path });
    }
    const out = Buffer.allocUnsafe(stat.size);
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await handle.read(out, at, Math.min(out.length - at, 1 << 30), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === out.length ? out : out.subarray(0, at);
  } finally {
    await handle.close();
  }
}

/**
 * Reads and parses a JSON file of a model folder synchronously, bounded as
 * {@link readRegularFile} is (a regular file of at most {@link MAX_JSON_BYTES}); for the layout
 * probes that run before any asynchronous load. A parse error names the file, never its bytes.
 * @param what the file's role, named in errors (e.g. `config.json`).
 * @throws {ModelLoadError} when the file cannot be opened, is not a regular file, is too large or
 *   is not valid JSON.
 */
export function readJsonFileSync(path: string, what: string): unknown {
  const { fd, size } = openRegularFile(path, what);
  let text: string;
  try {
    if (size > MAX_JSON_BYTES) {
      throw new ModelLoadError(`Cannot read ${what}: ${path} is ${size} bytes, more than the ${MAX_JSON_BYTES} bytes such a file can hold`, { path });
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    text = out.subarray(0, at).toString("utf8");
  } finally {
    closeSync(fd);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ModelLoadError(`Unreadable ${what}: ${path} is not valid JSON`, { path });
  }
}
