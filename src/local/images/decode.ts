import type * as Sharp from "sharp";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import type { RawPixels } from "../../imaging/pixels.js";
import { trackNativeCall } from "../runtime/native-runs.js";

type SharpModule = typeof Sharp.default;
let sharpPromise: Promise<SharpModule> | undefined;

/**
 * Loads `sharp` on first use (an optional peer dependency: only image models need it, and its
 * native libvips build weighs about 20 MB), so importing rerank-kit or loading a text model never
 * loads it.
 * @throws {ModelLoadError} naming the package and the install command when it is missing.
 */
export function loadSharp(): Promise<SharpModule> {
  sharpPromise ??= import("sharp").then(
    (m) => ((m as unknown as { default?: SharpModule }).default ?? m) as SharpModule,
    (cause: unknown) => {
      sharpPromise = undefined;
      throw new ModelLoadError(
        `Cannot load sharp (needed to decode PNG, JPEG and WebP images): ${(cause as Error).message}. ` +
          `Install it with "npm install sharp", or pass decoded pixels ({ data, width, height, channels }).`,
        { path: "sharp", cause },
      );
    },
  );
  return sharpPromise;
}

/** Largest decoded image accepted, in pixels (a guard against decompression bombs). */
export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;

/**
 * Decodes PNG, JPEG, WebP (and whatever else libvips reads: GIF, TIFF, AVIF) bytes to 8-bit
 * pixels, as stored: no EXIF rotation and no colour management, as PIL's `Image.open` gives
 * them to transformers' processors. Grey stays one channel, alpha is kept (the processor's RGB
 * step drops it), palettes are expanded, an animation gives its first frame.
 * @param field named in errors, e.g. `images[2]`
 * @throws {InvalidInputError} when the bytes are not an image or exceed `maxPixels`.
 */
export async function decodeImage(bytes: Uint8Array, field: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<RawPixels> {
  const sharp = await loadSharp();
  try {
    // libvips decodes on libuv's pool: counted, so a worker is not terminated under it.
    const { data, info } = await trackNativeCall(() =>
      sharp(bytes, { failOn: "error", limitInputPixels: maxPixels })
        .raw({ depth: "uchar" })
        .toBuffer({ resolveWithObject: true }),
    );
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
  } catch (cause) {
    throw new InvalidInputError(`${field}: cannot decode the image (${(cause as Error).message}).`, { field, cause });
  }
}
