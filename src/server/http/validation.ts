import type { z } from "@hono/zod-openapi";
import { validationFailed, type HttpError } from "./http-error.js";

/**
 * Turns a failed body validation into vLLM's answer: 400, `type: "Bad Request"`, a message
 * `"N validation error(s): ..."` listing each issue, and `param` = the dotted location of the
 * first one (e.g. `body.top_n`), as vLLM's `RequestValidationError` handler does.
 */
export function toValidationError(error: z.ZodError, target = "body"): HttpError {
  const issues = error.issues;
  const lines = issues.map((issue) => {
    const loc = [target, ...issue.path.map(String)].map((p) => `'${p}'`).join(", ");
    return `  {'type': '${issue.code}', 'loc': (${loc}), 'msg': ${JSON.stringify(issue.message)}}`;
  });
  const n = issues.length;
  const message = `${n} validation error${n === 1 ? "" : "s"}:\n${lines.join("\n")}`;
  const first = issues[0];
  const param = first ? [target, ...first.path.map(String)].join(".") : target;
  return validationFailed(message, param);
}
