/** The fields every error envelope is reduced to. */
export interface ErrorEnvelope {
  /** The server's message ("" when the body said nothing). */
  message: string;
  /** Error type, if the envelope has one. */
  type?: string | undefined;
  /** Offending parameter, if any. */
  param?: string | undefined;
  /** Envelope `code`, if any. */
  code?: string | number | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const codeOf = (v: unknown): string | number | undefined =>
  typeof v === "string" || typeof v === "number" ? v : undefined;

/**
 * Reduces any error body rerank-kit may meet to message, type, param and code:
 * - vLLM >= 0.10.1 and Infinity: `{"error": {"message", "type", "param", "code"}}`;
 * - vLLM < 0.10.1 and TEI `/v1/embeddings`: flat `{"object": "error", "message", "type", "param", "code"}`;
 * - vLLM's API-key check and TEI native routes: `{"error": "Unauthorized"}`, `{"error", "error_type"}`;
 * - FastAPI: `{"detail": "Not Found"}` or `{"detail": [{"loc", "msg", "type"}, ...]}`;
 * - anything else: the raw text, shortened.
 *
 * @param body - The parsed JSON body, or the raw text when it was not JSON.
 * @param statusText - Used when the body is empty (TEI's 401 has no body).
 */
export function parseErrorBody(body: unknown, statusText = ""): ErrorEnvelope {
  if (isObj(body)) {
    const { error, detail } = body;
    if (isObj(error)) {
      return {
        message: str(error.message) ?? JSON.stringify(error),
        type: str(error.type),
        param: paramOf(error.param),
        code: codeOf(error.code),
      };
    }
    if (typeof error === "string") {
      return { message: error, type: str(body.error_type) ?? str(body.type), code: codeOf(body.code) };
    }
    if (typeof body.message === "string") {
      return { message: body.message, type: str(body.type), param: paramOf(body.param), code: codeOf(body.code) };
    }
    if (typeof detail === "string") return { message: detail };
    if (Array.isArray(detail)) return fromValidationList(detail);
    return { message: shorten(JSON.stringify(body)) };
  }
  if (typeof body === "string" && body.trim() !== "") return { message: shorten(body.trim()) };
  return { message: statusText || "(empty body)" };
}

function fromValidationList(detail: unknown[]): ErrorEnvelope {
  const parts: string[] = [];
  let param: string | undefined;
  for (const item of detail) {
    if (!isObj(item)) continue;
    const loc = Array.isArray(item.loc) ? item.loc.map(String).join(".") : undefined;
    param ??= loc;
    parts.push(loc ? `${loc}: ${String(item.msg ?? "invalid")}` : String(item.msg ?? "invalid"));
  }
  return { message: parts.join("; ") || "validation error", type: "ValidationError", param };
}

function paramOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(String).join(".");
  return undefined;
}

function shorten(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
