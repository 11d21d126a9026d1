import { readFileSync } from "node:fs";
import { CliError } from "./cli-error.js";

/** Where `serve` may take its API key from. */
export interface KeySources {
  /** `--api-key` (visible to every user in `ps`). */
  flag?: string | undefined;
  /** `--api-key-file`. */
  file?: string | undefined;
  /** `RERANK_KIT_API_KEY`. */
  env?: string | undefined;
}

/**
 * The API key for `serve`: from `--api-key-file` (trailing newline dropped), else `--api-key`,
 * else `RERANK_KIT_API_KEY`. An empty key from any source is refused rather than
 * serving an open server that looks protected.
 * @throws {CliError} (exit 2) for an empty key, an unreadable file, or two sources at once.
 */
export function resolveApiKey(sources: KeySources, warn: (line: string) => void): string | undefined {
  const given = [sources.flag !== undefined && "--api-key", sources.file !== undefined && "--api-key-file"].filter(Boolean);
  if (given.length > 1) throw new CliError("give the API key once: --api-key or --api-key-file, not both", 2);
  if (sources.file !== undefined) {
    let key: string;
    try {
      key = readFileSync(sources.file, "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      throw new CliError(`cannot read --api-key-file ${sources.file}: ${String((error as NodeJS.ErrnoException).code ?? error)}`, 2);
    }
    if (key.trim() === "") throw new CliError(`--api-key-file ${sources.file} is empty; refusing to start an open server`, 2);
    return key;
  }
  if (sources.flag !== undefined) {
    if (sources.flag.trim() === "") throw new CliError("--api-key is empty; refusing to start an open server", 2);
    warn("rerank-kit: note: a key given with --api-key is visible to other users in `ps`; prefer --api-key-file or RERANK_KIT_API_KEY");
    return sources.flag;
  }
  if (sources.env !== undefined) {
    if (sources.env.trim() === "") throw new CliError("RERANK_KIT_API_KEY is set but empty; refusing to start an open server (unset it to serve without a key)", 2);
    return sources.env;
  }
  return undefined;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::ffff:127.0.0.1";
}

/** The warning `serve` prints for a bind other machines can reach without a key, if any. */
export function openBindWarning(host: string, apiKey: string | undefined): string | undefined {
  if (apiKey !== undefined || isLoopback(host)) return undefined;
  return (
    `rerank-kit: WARNING: serving on ${host} without an API key: anyone who can reach this port can use the model. ` +
    "Set RERANK_KIT_API_KEY or --api-key-file."
  );
}
