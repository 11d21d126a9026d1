import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import type { MultiModalInput } from "../types.js";

/**
 * An image for a remote server: encoded bytes (sent inline as a `data:` URL), a `URL` or
 * `{ url }` (sent as is: the server fetches it under its own media policy), or `{ path }` (a
 * local file, read here and sent inline). A bare string is refused, so a path is never taken for
 * a URL or the other way round.
 */
export type ImageSource = Uint8Array | URL | { url: string } | { path: string };

/** The media type of encoded bytes, from their signature; `application/octet-stream` if unknown. */
function mediaType(bytes: Uint8Array): string {
  const at = (i: number, ...values: number[]): boolean => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (at(0, 0xff, 0xd8, 0xff)) return "image/jpeg";
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return "image/webp";
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return "image/gif";
  return "application/octet-stream";
}

/** The URL an image is sent as. @throws {InvalidInputError} for anything that is no {@link ImageSource}. */
export async function imageUrl(image: ImageSource, field = "image"): Promise<string> {
  if (image instanceof Uint8Array) {
    if (image.length === 0) throw new InvalidInputError(`${field}: the image has no bytes`, { field });
    return `data:${mediaType(image)};base64,${Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString("base64")}`;
  }
  if (image instanceof URL) return image.href;
  if (typeof image === "object" && image !== null && "url" in image && typeof image.url === "string") return image.url;
  if (typeof image === "object" && image !== null && "path" in image && typeof image.path === "string") {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(image.path));
    } catch (cause) {
      throw new InvalidInputError(`${field}: cannot read ${image.path} (${(cause as Error).message})`, { field, cause });
    }
    return imageUrl(bytes, field);
  }
  throw new InvalidInputError(
    `${field}: expected image bytes (Buffer / Uint8Array), a URL, { url } or { path }; a bare string is not taken for either`,
    { field },
  );
}

/**
 * A vLLM multimodal item with one image, for `RemoteScorer.score` / `rerank` queries and
 * documents (and anything else that takes vLLM's `{ content: [...] }` items).
 * @example
 * ```ts
 * const ranked = await scorer.rerank("a red car", [await imageItem({ path: "a.jpg" }), await imageItem(bytes)]);
 * ```
 * @throws {InvalidInputError} for an unreadable file or a value that is no {@link ImageSource}.
 */
export async function imageItem(image: ImageSource): Promise<MultiModalInput> {
  return { content: [{ type: "image_url", image_url: { url: await imageUrl(image) } }] };
}
