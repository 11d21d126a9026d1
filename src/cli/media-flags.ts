import type { Command } from "commander";
import { SERVER_DEFAULTS as D } from "../server/defaults.js";
import type { MediaOptions } from "../server/media/index.js";
import { positiveInteger } from "./parsers.js";

/** The media flags of `serve`, as commander parses them. */
export interface MediaFlags {
  allowedMediaDomains?: string[];
  allowedLocalMediaPath?: string;
  maxMediaBytes: number;
  mediaFetchTimeoutMs: number;
  allowPrivateMediaAddresses?: boolean;
}

/**
 * Adds the image URL flags (vLLM's `--allowed-media-domains` and `--allowed-local-media-path`,
 * plus rerank-kit's size, time and private-address limits). Kept apart from the serve command so
 * the media policy's flags live beside it.
 */
export function addMediaFlags(command: Command): Command {
  return command
    .option("--allowed-media-domains <hosts...>", "fetch http(s) image URLs from these host names (default: none; data: URLs are always read)")
    .option("--allowed-local-media-path <dir>", "read file: image URLs inside this directory (symlinks resolved; default: none)")
    .option("--max-media-bytes <n>", "largest image a URL may deliver; beyond it 422", positiveInteger, D.maxMediaBytes)
    .option("--media-fetch-timeout-ms <ms>", "time for one image fetch, redirects included; beyond it 422", positiveInteger, D.mediaFetchTimeoutMs)
    .option("--allow-private-media-addresses", "let image URLs reach private, loopback and link-local addresses (off: refused)");
}

/** The `createServer` options the media flags give. */
export function mediaOptions(flags: MediaFlags): MediaOptions {
  return {
    ...(flags.allowedMediaDomains && { allowedMediaDomains: flags.allowedMediaDomains }),
    ...(flags.allowedLocalMediaPath !== undefined && { allowedLocalMediaPath: flags.allowedLocalMediaPath }),
    maxMediaBytes: flags.maxMediaBytes,
    mediaFetchTimeoutMs: flags.mediaFetchTimeoutMs,
    ...(flags.allowPrivateMediaAddresses && { allowPrivateMediaAddresses: true }),
  };
}
