import type { MiddlewareHandler } from "hono";
import { validationFailed } from "./http-error.js";

/**
 * Rejects POST bodies that are not `application/json` with vLLM's answer: 400 (not 415),
 * `type: "Bad Request"`, "Unsupported Media Type: Only 'application/json' is allowed".
 * `/ping` is exempt: SageMaker probes it with an empty POST.
 */
export function jsonOnly(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "POST" && c.req.path !== "/ping") {
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== "application/json") {
        throw validationFailed("Unsupported Media Type: Only 'application/json' is allowed");
      }
    }
    return next();
  };
}
