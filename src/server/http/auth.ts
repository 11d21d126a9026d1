import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

/** Paths that stay open with an API key set, so orchestrators can probe liveness. */
const OPEN_PATHS = new Set(["/health", "/ping"]);

/**
 * Requires `Authorization: Bearer <apiKey>` on every route except `/health` and `/ping`
 * (stricter than vLLM, which leaves `/score` and `/rerank` open). The key is compared in
 * constant time on SHA-256 digests, so neither its content nor its length leaks through timing.
 * A failure answers vLLM's 401 `{"error":"Unauthorized"}`.
 */
export function apiKeyAuth(apiKey: string): MiddlewareHandler {
  const expected = digest(apiKey);
  return async (c, next) => {
    if (OPEN_PATHS.has(c.req.path)) return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = match?.[1] ?? "";
    if (!timingSafeEqual(digest(given), expected)) {
      return c.json({ error: "Unauthorized" }, 401);
    }
    return next();
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
