import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { mediaRefused, mediaUnprocessable } from "./media-errors.js";
import type { MediaPolicyConfig } from "./media-options.js";

/** Whether `path` lies strictly inside `root` (both absolute, already resolved). */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/**
 * Reads a `file:` image URL under the policy: the path must lie inside the allowed directory
 * both as written and once every symlink is resolved (a link inside pointing outside is
 * refused), must be a regular file, and at most `maxBytes`. The file is opened by its resolved
 * path without following a final symlink, so a link swapped in after the check is not followed.
 * @throws {HttpError} 400 when the policy refuses the URL or the file is missing, 422 when too large.
 */
export async function readLocal(url: URL, config: MediaPolicyConfig, field: string): Promise<Uint8Array> {
  const root = config.localRoot;
  if (root === undefined) {
    throw mediaRefused(
      field,
      "image_url items are decoded from data: URLs only on this server; reading file: URLs needs --allowed-local-media-path (createServer's allowedLocalMediaPath).",
    );
  }
  if (url.hostname !== "" && url.hostname !== "localhost") throw mediaRefused(field, `a file: URL must name a local file, not host ${url.hostname}`);
  let path: string;
  try {
    path = resolve(fileURLToPath(url));
  } catch {
    throw mediaRefused(field, "the file: URL is not a valid local path");
  }
  const outside = (): Error => mediaRefused(field, "The file path must be a subpath of --allowed-local-media-path.");
  // Checked as written first, so nothing outside the directory is even looked up.
  if (!inside(root, path)) throw outside();
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw mediaRefused(field, "no such file under --allowed-local-media-path");
  }
  if (!inside(root, real)) throw outside();
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    throw mediaRefused(field, "the file cannot be opened");
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw mediaRefused(field, "the path is not a regular file");
    if (info.size > config.maxBytes) {
      throw mediaUnprocessable(field, `the image is larger than the server's limit of ${config.maxBytes} bytes (maxMediaBytes)`);
    }
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(buffer, 0, info.size, 0);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
  } finally {
    await handle.close();
  }
}
