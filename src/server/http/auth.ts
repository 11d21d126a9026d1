import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

/**
 * Paths that stay open with an API key set: liveness probes, and the `/docs` page,
 * which hold no data (the page asks for the key to load the spec).
 */
const OPEN_PATHS = ["/health", "/ping", "/docs"];

/**
 * Requires `Authorization: Bearer <apiKey>` on every route except `/health`, `/ping`, `/docs` and `extraOpenPaths`
 * (stricter than vLLM, which leaves `/score` and `/rerank` open). The key is compared in
 * constant time on SHA-256 digests, so neither its content nor its length leaks through timing.
 * A failure answers vLLM's 401 `{"error":"Unauthorized"}`.
 */
export function apiKeyAuth(apiKey: string, extraOpenPaths: readonly string[]): MiddlewareHandler {
  const expected = digest(apiKey);
  const open = new Set([...OPEN_PATHS, ...extraOpenPaths]);
  return async (c, next) => {
    if (open.has(c.req.path)) return next();
    const header = c.req.header("authorization") ?? "";
    const given = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    // No bearer token is refused outright rather than compared as "", so even an empty key opens
    // nothing (createServer refuses an empty key too; this guards any other caller).
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      return c.json({ error: "Unauthorized" }, 401);
    }
    return next();
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
