import { isUtf8 } from "node:buffer";
import type { MiddlewareHandler } from "hono";
import { validationFailed } from "./http-error.js";

/**
 * Rejects POST bodies that are not `application/json` with vLLM's answer: 400 (not 415),
 * `type: "Bad Request"`, "Unsupported Media Type: Only 'application/json' is allowed".
 * `/ping` is exempt: SageMaker probes it with an empty POST.
 *
 * A JSON body that is not valid UTF-8 gets FastAPI's answer, 400 "There was an error parsing the
 * body", instead of being decoded with U+FFFD in place of the bad bytes and scored as if the
 * client had sent that text. The bytes are read once here; Hono's body cache serves the parser.
 */
export function jsonOnly(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "POST" && c.req.path !== "/ping") {
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== "application/json") {
        throw validationFailed("Unsupported Media Type: Only 'application/json' is allowed");
      }
      if (!isUtf8(await c.req.arrayBuffer())) throw validationFailed("There was an error parsing the body");
    }
    return next();
  };
}
