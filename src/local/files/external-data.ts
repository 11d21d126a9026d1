import { closeSync, realpathSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { openRegularFile } from "./bounded-read.js";

/** Where an ONNX tensor's bytes live outside the graph (its `external_data` entries). */
export interface ExternalDataRef {
  /** `location`: a path relative to the graph's folder. */
  location: string;
  /** `offset` in bytes (0 when absent). */
  offset: number;
  /** `length` in bytes, or -1 when absent (to the end of the file). */
  length: number;
}

/** An external data file checked by {@link resolveExternalData}. */
export interface ResolvedExternalData {
  /** The file's real path (symlinks resolved), inside the model folder. */
  path: string;
  /** The `location` as the graph states it (checked: relative, inside the folder). */
  location: string;
  /** Its size in bytes. */
  size: number;
}

/**
 * Resolves an external data `location` the way ONNX Runtime accepts one: a relative path that
 * stays inside the graph's folder, also after symlinks are resolved, naming a regular file (not a
 * FIFO, which would block the process, nor a device); the declared `offset` / `length` must lie
 * within the file. A model folder cannot make rerank-kit read a file outside it.
 * @param dir the folder of the graph file (where ONNX Runtime looks).
 * @param source the graph, named in errors.
 * @throws {ModelLoadError} naming the tensor, the location and what is wrong with it.
 */
export function resolveExternalData(dir: string, ref: ExternalDataRef, tensor: string, source: string): ResolvedExternalData {
  const { fd, resolved } = openExternalData(dir, ref, tensor, source);
  closeSync(fd);
  return resolved;
}

/**
 * {@link resolveExternalData}, and the file opened for reading (the caller closes `fd`); what is
 * read is the file that was checked.
 * @throws {ModelLoadError} as {@link resolveExternalData}.
 */
export function openExternalData(dir: string, ref: ExternalDataRef, tensor: string, source: string): { fd: number; resolved: ResolvedExternalData } {
  const refuse = (why: string, cause?: unknown): ModelLoadError =>
    new ModelLoadError(`${source}: external data of tensor ${tensor} (location ${JSON.stringify(ref.location)}) ${why}`, {
      path: source,
      ...(cause !== undefined && { cause }),
    });
  const location = ref.location;
  if (location === "" || location.includes("\0")) throw refuse("is not a file name");
  if (isAbsolute(location) || /^[A-Za-z]:|^[\\/]/.test(location)) throw refuse("is an absolute path; it must be relative to the model folder");
  if (location.split(/[\\/]/).includes("..")) throw refuse("leads outside the model folder");
  let root: string;
  let real: string;
  try {
    root = realpathSync(cacheRepoRoot(dir) ?? dir);
    real = realpathSync(join(dir, location));
  } catch (cause) {
    throw refuse(`cannot be found (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, cause);
  }
  const rel = relative(root, real);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) throw refuse("is a link that leads outside the model folder");
  let opened: { fd: number; size: number };
  try {
    opened = openRegularFile(real, `external data ${location}`);
  } catch (cause) {
    throw refuse(/not a regular file/.test((cause as Error).message) ? "is not a regular file" : `cannot be read (${(cause as Error).message})`, cause);
  }
  const { fd, size } = opened;
  try {
    checkRange(ref, size, refuse);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return { fd, resolved: { path: real, location, size } };
}

function checkRange(ref: ExternalDataRef, size: number, refuse: (why: string) => ModelLoadError): void {
  const { offset, length } = ref;
  const end = length === -1 ? size : offset + length;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(end) || (length !== -1 && length < 0) || end > size) {
    throw refuse(`declares bytes ${offset}..${end}, outside the file's ${size} bytes`);
  }
}

/**
 * Checks every external data reference of a graph ({@link resolveExternalData}) before anything
 * reads it, and returns the distinct files, e.g. to copy them with a converted graph.
 * @throws {ModelLoadError} as {@link resolveExternalData}.
 */
export function checkExternalData(
  tensors: ReadonlyArray<{ name: string; external?: ExternalDataRef | undefined }>,
  dir: string,
  source: string,
): ResolvedExternalData[] {
  // One open per file, not per tensor: a large model keeps hundreds of tensors in one file.
  const byLocation = new Map<string, ResolvedExternalData>();
  for (const t of tensors) {
    if (!t.external) continue;
    const known = byLocation.get(t.external.location);
    if (!known) byLocation.set(t.external.location, resolveExternalData(dir, t.external, t.name, source));
    else {
      const ref = t.external;
      checkRange(ref, known.size, (why) => new ModelLoadError(`${source}: external data of tensor ${t.name} (location ${JSON.stringify(ref.location)}) ${why}`, { path: source }));
    }
  }
  return [...new Map([...byLocation.values()].map((f) => [f.path, f])).values()];
}

/**
 * The repository folder of a Hugging Face cache snapshot (`.../models--org--name` for
 * `.../models--org--name/snapshots/<revision>/...`), or undefined elsewhere. The cache stores
 * every file once under `blobs/` and links it from each snapshot, so a snapshot's external data
 * legitimately resolves into its own repository's `blobs/`, never further.
 */
function cacheRepoRoot(dir: string): string | undefined {
  const parts = resolve(dir).split(sep);
  const snapshots = parts.lastIndexOf("snapshots");
  if (snapshots < 1 || snapshots + 1 >= parts.length || !(parts[snapshots - 1] ?? "").startsWith("models--")) return undefined;
  return parts.slice(0, snapshots).join(sep) || sep;
}
