/**
 * The {@link ImageEmbedder} contract: one vector per image, in the same space as the model's text
 * vectors (CLIP, SigLIP).
 *
 * @module
 */
import type { RawPixels } from "../imaging/pixels.js";
import type { Progress } from "./vocabulary.js";

/**
 * An image: a file path, a `file:` or `data:` URL (string or `URL`), encoded bytes (PNG, JPEG,
 * WebP) as a `Buffer` / `Uint8Array`, or decoded pixels `{ data, width, height, channels }`.
 * Where a plain string means text (`score`, `rerank`), wrap a path or URL as `{ image: ... }`.
 */
export type ImageInput = string | URL | Uint8Array | RawPixels | { image: string | URL | Uint8Array };

/** Options for {@link ImageEmbedder.embedImages}. */
export interface EmbedImagesOptions {
  /** Cancels the call. */
  signal?: AbortSignal;
  /**
   * Called after each batch with the images done so far, and awaited (a callback that throws
   * fails the call).
   */
  onProgress?: (progress: Progress) => unknown;
}

/** Something that turns images into one vector each. */
export interface ImageEmbedder {
  /** The model id or folder. */
  readonly model: string;
  /** One L2-normalised vector per image, in input order. */
  embedImages(images: ImageInput[], options?: EmbedImagesOptions): Promise<Float32Array[]>;
}

/**
 * An image embedder that knows how many positions its vision tower encodes per image: the
 * patches of the tower's input, plus CLIP's class position. What `/v2/embed` reports as Cohere's
 * `billed_units.image_tokens`.
 */
export interface ImageTokenCounter {
  /**
   * Positions the vision tower encodes for one image (every image is resized to the tower's input
   * size first): `(image_size / patch_size)^2`, plus 1 for CLIP's class position.
   */
  readonly tokensPerImage: number;
}
