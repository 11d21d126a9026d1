import { realpathSync, statSync } from "node:fs";
import { InvalidOptionError } from "../../errors/invalid-option-error.js";

/**
 * Where `serve` may read images named by URL in requests. `data:` URLs are always read; nothing
 * else is unless allowed here.
 */
export interface MediaOptions {
  /**
   * Host names whose `http:` / `https:` image URLs the server fetches (exact names, as vLLM's
   * `--allowed-media-domains`). Unlike vLLM, which fetches any host when the list is empty, an
   * empty list fetches nothing. @default [] (no http(s) fetches)
   */
  allowedMediaDomains?: string[];
  /**
   * A directory whose files `file:` image URLs may name (vLLM's `--allowed-local-media-path`).
   * The file's real path (symlinks resolved) must lie inside the directory's real path.
   * @default undefined (no file: URLs)
   */
  allowedLocalMediaPath?: string;
  /** Largest image a URL may deliver, in bytes; beyond it 422. @default 20971520 (20 MiB) */
  maxMediaBytes?: number;
  /** Time for one image fetch, redirects included, in ms; beyond it 422. @default 5000 */
  mediaFetchTimeoutMs?: number;
  /**
   * Fetch from private, loopback and link-local addresses too. Off, a host that resolves to one
   * is refused, and the connection goes to the address that was checked (no second DNS lookup).
   * @default false
   */
  allowPrivateMediaAddresses?: boolean;
}

/** {@link MediaOptions} with defaults applied and the local path resolved. @internal */
export interface MediaPolicyConfig {
  domains: ReadonlySet<string>;
  localRoot: string | undefined;
  maxBytes: number;
  timeoutMs: number;
  allowPrivate: boolean;
}

/** The defaults of {@link MediaOptions}. */
export const MEDIA_DEFAULTS = {
  maxMediaBytes: 20 * 1024 * 1024,
  mediaFetchTimeoutMs: 5_000,
} as const;

/**
 * Checks and resolves the media options once, when the server is created.
 * @throws {InvalidOptionError} for a local path that is not an existing directory, a domain that
 *   is not a host name, or a limit that is not a positive number.
 */
export function resolveMediaOptions(options: MediaOptions): MediaPolicyConfig {
  const domains = options.allowedMediaDomains ?? [];
  if (!Array.isArray(domains) || domains.some((d) => typeof d !== "string" || d.trim() === "" || /[/:@\s]/.test(d))) {
    throw new InvalidOptionError("createServer: `allowedMediaDomains` must be a list of host names such as \"images.example.com\" (no scheme, port or path)", {
      option: "allowedMediaDomains",
      allowed: "a list of host names",
    });
  }
  let localRoot: string | undefined;
  if (options.allowedLocalMediaPath !== undefined) {
    const given = options.allowedLocalMediaPath;
    try {
      localRoot = realpathSync(given);
    } catch {
      throw new InvalidOptionError(`createServer: \`allowedLocalMediaPath\` ${given} does not exist`, { option: "allowedLocalMediaPath", allowed: "an existing directory" });
    }
    if (!statSync(localRoot).isDirectory()) {
      throw new InvalidOptionError(`createServer: \`allowedLocalMediaPath\` ${given} must be a directory`, { option: "allowedLocalMediaPath", allowed: "an existing directory" });
    }
  }
  return {
    domains: new Set(domains.map((d) => d.toLowerCase().replace(/\.$/, ""))),
    localRoot,
    maxBytes: positive(options.maxMediaBytes, MEDIA_DEFAULTS.maxMediaBytes, "maxMediaBytes"),
    timeoutMs: positive(options.mediaFetchTimeoutMs, MEDIA_DEFAULTS.mediaFetchTimeoutMs, "mediaFetchTimeoutMs"),
    allowPrivate: options.allowPrivateMediaAddresses ?? false,
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(`createServer: \`${name}\` must be a positive number`, { option: name, allowed: "a positive number" });
  }
  return value;
}
