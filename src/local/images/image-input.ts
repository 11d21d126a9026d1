import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { toRgb, type RawPixels, type RgbImage } from "../../imaging/pixels.js";
import type { ImageInput } from "../../contracts/image-embedder.js";
import { decodeImage } from "./decode.js";

export type { ImageInput };

function isRawPixels(x: object): x is RawPixels {
  return "data" in x && "width" in x && "height" in x && "channels" in x;
}

/** Whether `x` is an image argument rather than text (a plain string never is). */
export function isImageObject(x: unknown): x is Exclude<ImageInput, string> {
  if (x instanceof Uint8Array || x instanceof URL) return true;
  return typeof x === "object" && x !== null && ("image" in x || isRawPixels(x));
}

/** Decodes the payload of a `data:` URL (base64 or percent-encoded). */
function dataUrlBytes(url: string, field: string): Uint8Array {
  const comma = url.indexOf(",");
  if (comma < 0) throw new InvalidInputError(`${field}: a data: URL needs a comma before its payload.`, { field });
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  if (meta.split(";").includes("base64")) {
    if (!/^[A-Za-z0-9+/=_\-\s]*$/.test(payload)) throw new InvalidInputError(`${field}: the data: URL's base64 payload has invalid characters.`, { field });
    return new Uint8Array(Buffer.from(payload, "base64"));
  }
  return new Uint8Array(Buffer.from(decodeURIComponent(payload), "latin1"));
}

async function bytesOf(source: string | URL, field: string): Promise<Uint8Array> {
  const text = source instanceof URL ? source.href : source;
  if (text.startsWith("data:")) return dataUrlBytes(text, field);
  let path = text;
  if (source instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const url = source instanceof URL ? source : new URL(text);
    if (url.protocol !== "file:") {
      throw new InvalidInputError(
        `${field}: ${url.protocol} URLs are not fetched in process; download the image and pass its bytes.`,
        { field },
      );
    }
    path = fileURLToPath(url);
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new InvalidInputError(`${field}: cannot read the image file ${path} (${(cause as Error).message}).`, { field, cause });
  }
}

/**
 * Turns any {@link ImageInput} into 8-bit RGB pixels: reads files, decodes bytes (with `sharp`),
 * and converts grey and alpha images to RGB as PIL's `convert("RGB")` does.
 * @param field named in errors, e.g. `images[2]`
 * @throws {InvalidInputError} for an unreadable file, an undecodable image, a non-file URL or a
 *   value that is no image.
 * @throws {ModelLoadError} when encoded bytes need `sharp` and it is not installed.
 */
export async function readImage(input: ImageInput, field: string): Promise<RgbImage> {
  let source: unknown = input;
  if (typeof input === "object" && input !== null && !(input instanceof Uint8Array) && !(input instanceof URL) && "image" in input) {
    source = input.image;
  }
  if (typeof source === "string" || source instanceof URL) source = await bytesOf(source, field);
  if (source instanceof Uint8Array) {
    if (source.length === 0) throw new InvalidInputError(`${field}: the image has no bytes.`, { field });
    return toRgb(await decodeImage(source, field), field);
  }
  if (typeof source === "object" && source !== null && isRawPixels(source)) {
    const { data } = source;
    if (!(data instanceof Uint8Array) && !(data instanceof Uint8ClampedArray)) {
      throw new InvalidInputError(`${field}: decoded pixels need data as a Uint8Array.`, { field });
    }
    return toRgb(source, field);
  }
  throw new InvalidInputError(
    `${field}: expected a file path, a data: or file: URL, image bytes (Buffer / Uint8Array) or { data, width, height, channels }.`,
    { field },
  );
}
