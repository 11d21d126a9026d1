import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { isImageObject, type ImageInput } from "../images/image-input.js";
import type { MultiModalInput } from "../../types.js";

/**
 * A query or document of an image-text scorer: a plain string is always text; an image is a
 * `Buffer` / `Uint8Array` of encoded bytes, `{ image: path | URL | bytes }`, decoded pixels, or a
 * vLLM content item with one `image_url` (or one `text`) part.
 */
export type ImageTextInput = string | Exclude<ImageInput, string> | MultiModalInput;

/** One item sorted into text or image. */
export type Item = { kind: "text"; text: string } | { kind: "image"; image: ImageInput };

/**
 * Sorts an item into text or image; nothing is guessed from a string's content.
 * @throws {InvalidInputError} naming the field for anything else, or a content item that mixes
 *   parts (a bi-encoder embeds one text or one image).
 */
export function classify(x: unknown, field: string): Item {
  if (typeof x === "string") return { kind: "text", text: x };
  if (typeof x === "object" && x !== null && "content" in x && Array.isArray((x as MultiModalInput).content)) {
    const parts = (x as MultiModalInput).content;
    const part = parts[0];
    if (parts.length !== 1 || part === undefined) {
      throw new InvalidInputError(`${field}: an image-text bi-encoder embeds one text or one image; got ${parts.length} content parts`, { field });
    }
    if (part.type === "text" && typeof part.text === "string") return { kind: "text", text: part.text };
    if (part.type === "image_url" && typeof part.image_url?.url === "string") {
      // Content items arrive from requests (serve): only inline data is read, never a path, a
      // file: URL or the network, which need an explicit media policy.
      const url = part.image_url.url;
      if (!url.startsWith("data:")) {
        throw new InvalidInputError(`${field}: image_url items are decoded from data: URLs only; got ${JSON.stringify(url.slice(0, 40))}`, { field });
      }
      return { kind: "image", image: { image: url } };
    }
    throw new InvalidInputError(`${field}: content part type ${JSON.stringify((part as { type?: unknown }).type)} is not a text or image_url part`, { field });
  }
  if (isImageObject(x)) return { kind: "image", image: x };
  throw new InvalidInputError(
    `${field}: expected a string (text) or an image (Buffer / Uint8Array, { image }, { data, width, height, channels }), got ${x === null ? "null" : typeof x}`,
    { field },
  );
}
