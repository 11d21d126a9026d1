import { fetchRemote } from "./fetch-remote.js";
import { mediaRefused } from "./media-errors.js";
import { resolveMediaOptions, type MediaOptions, type MediaPolicyConfig } from "./media-options.js";
import { readLocal } from "./read-local.js";

/**
 * The one gate for image URLs in requests: `data:` always; `http(s)` only for allowed domains,
 * public addresses (unless allowed), same-host redirects, bounded size and time; `file:` only
 * inside the allowed directory. Anything else is refused before a byte is read.
 */
export class MediaPolicy {
  /** The resolved settings. */
  readonly config: MediaPolicyConfig;

  /** @throws {InvalidOptionError} for invalid options (see {@link resolveMediaOptions}). */
  constructor(options: MediaOptions = {}) {
    this.config = resolveMediaOptions(options);
  }

  /**
   * The bytes an image URL names, or `undefined` for a `data:` URL (decoded where it is used).
   * @param field named in errors, e.g. `documents[2]`
   * @param signal the request's signal: its abort stops a fetch with its reason
   * @throws {HttpError} 400 for a URL the policy refuses, 422 for a failed or oversized fetch.
   */
  async load(url: string, field: string, signal: AbortSignal): Promise<Uint8Array | undefined> {
    // Case-sensitive, as the decoder reads it: `DATA:` is refused below, never taken for a path.
    if (url.startsWith("data:")) return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed?.protocol === "http:" || parsed?.protocol === "https:") return fetchRemote(parsed, this.config, field, signal);
    if (parsed?.protocol === "file:") return readLocal(parsed, this.config, field);
    throw mediaRefused(field, `The URL must be either a HTTP, data or file URL; image_url items are decoded from data: URLs only unless the server allows more. Got ${JSON.stringify(url.slice(0, 40))}`);
  }
}
