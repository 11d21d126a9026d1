import { readFile } from "node:fs/promises";
import { ModelLoadError } from "../../errors/model-load-error.js";

/** A linear layer's parameters: `weight` row-major `[out, in]`, `bias` `[out]`. */
export interface LinearWeights {
  weight: Float32Array;
  bias: Float32Array;
  out: number;
  in: number;
}

/**
 * Reads an `nn.Linear` state dict saved with `torch.save` (bge-m3's `sparse_linear.pt` and
 * `colbert_linear.pt`): a stored (uncompressed) zip whose `data/0` and `data/1` entries hold the
 * float32 little-endian storages of `weight` and `bias`. Which is which is told by size, since a
 * linear layer's weight has `in` times more values than its bias; no pickle is executed.
 * @param inFeatures the layer's input width (the model's hidden size)
 * @throws {ModelLoadError} when the file is not such an archive or the sizes do not fit.
 */
export async function readTorchLinear(path: string, inFeatures: number): Promise<LinearWeights> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new ModelLoadError(`Cannot read ${path}`, { path, cause });
  }
  const storages = storedEntries(bytes, path).filter((e) => /(^|\/)data\/\d+$/.test(e.name));
  if (storages.length !== 2) throw new ModelLoadError(`${path}: expected the two storages of an nn.Linear (weight, bias), found ${storages.length}`, { path });
  const arrays = storages.map((e) => {
    const copy = new Uint8Array(e.size);
    copy.set(bytes.subarray(e.offset, e.offset + e.size));
    return new Float32Array(copy.buffer);
  });
  const [a, b] = arrays as [Float32Array, Float32Array];
  const [weight, bias] = a.length > b.length ? [a, b] : [b, a];
  const out = bias.length;
  if (weight.length !== out * inFeatures) {
    throw new ModelLoadError(`${path}: weight has ${weight.length} values, expected ${out} x ${inFeatures} (hidden size)`, { path });
  }
  return { weight, bias, out, in: inFeatures };
}

interface Entry {
  name: string;
  offset: number;
  size: number;
}

/** The entries of a zip archive stored without compression (as `torch.save` writes them). */
function storedEntries(bytes: Buffer, path: string): Entry[] {
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65_557); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ModelLoadError(`${path} is not a torch.save archive (no zip directory)`, { path });
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const entries: Entry[] = [];
  for (let k = 0; k < count; k++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) throw new ModelLoadError(`${path}: corrupt zip directory`, { path });
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString("utf8", at + 46, at + 46 + nameLength);
    if (method !== 0) throw new ModelLoadError(`${path}: entry ${name} is compressed; torch.save stores entries uncompressed`, { path });
    // The data starts after the local header, whose own name and extra field lengths may differ.
    const offset = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    if (offset + size > bytes.length) throw new ModelLoadError(`${path}: entry ${name} lies outside the file`, { path });
    entries.push({ name, offset, size });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
