import type { z } from "@hono/zod-openapi";
import { validationFailed, type HttpError } from "./http-error.js";

/** One pydantic-style validation error, as FastAPI's `exc.errors()` lists them. */
export interface PydanticError {
  /** Pydantic error type: `missing`, `int_parsing`, `literal_error`, ... */
  type: string;
  /** Location, e.g. `["body", "top_n"]`. */
  loc: (string | number)[];
  /** Pydantic's message, e.g. "Field required". */
  msg: string;
  /** The offending value (the parent object for `missing`). */
  input: unknown;
  /** Extra context, e.g. `{ge: 0}` or `{expected: "'a' or 'b'"}`. */
  ctx?: Record<string, unknown>;
}

/** vLLM reports at most this many errors, and bounds each echoed input (handlers/validation.py). */
const MAX_REPORTED = 10;
const MAX_INPUT_CHARS = 200;
const MAX_ERROR_CHARS = 1000;

/**
 * The one mapping from schema failures to vLLM's answer: 400, `type: "Bad Request"`, a message
 * `"N validation error(s):\n  {...}"` with one Python-dict rendering per pydantic error (type, loc,
 * msg, input, ctx), and `param` = the dotted location of the first (e.g. `body.top_n`). zod issues
 * are first translated to the pydantic error vLLM's own models would raise, so clients that match
 * on `literal_error`, "Field required" or the echoed value see the same text.
 */
export function toValidationError(error: z.ZodError, input: unknown, target = "body"): HttpError {
  const errors = dedupe(error.issues.flatMap((issue) => toPydantic(issue, input, [target])));
  return validationErrors(errors);
}

/** Renders pydantic-style errors as vLLM's validation answer (shared with hand-written checks). */
export function validationErrors(errors: PydanticError[]): HttpError {
  const count = errors.length;
  const label = count === 1 ? "error" : "errors";
  const reported = errors.slice(0, MAX_REPORTED);
  let message = `${count} validation ${label}:\n`;
  message += reported.map((e) => `  ${formatError(e)}\n`).join("");
  if (count > reported.length) message += `  ...and ${count - reported.length} more ${label}\n`;
  const first = errors[0];
  return validationFailed(message.trimEnd(), first ? first.loc.join(".") : null);
}

type Issue = z.core.$ZodIssue;

function toPydantic(issue: Issue, root: unknown, prefix: (string | number)[]): PydanticError[] {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  const loc = [...prefix, ...path];
  const bodyPath = loc.slice(1);
  const value = valueAt(root, bodyPath);
  switch (issue.code) {
    case "invalid_union": {
      // pydantic reports every branch of a union; each branch's issues are relative to this path.
      const branches = (issue as { errors: Issue[][] }).errors;
      return branches.flat().flatMap((inner) => toPydantic(inner, root, loc));
    }
    case "invalid_type": {
      if (value === undefined) {
        return [{ type: "missing", loc, msg: "Field required", input: valueAt(root, bodyPath.slice(0, -1)) }];
      }
      return [typeError(String((issue as { expected: string }).expected), loc, value)];
    }
    case "invalid_value": {
      const values = (issue as { values: unknown[] }).values;
      const expected = joinOr(values.map((v) => pyRepr(v)));
      return [{ type: "literal_error", loc, msg: `Input should be ${expected}`, input: value, ctx: { expected } }];
    }
    case "too_small": {
      const { minimum, inclusive, origin } = issue as { minimum: number | bigint; inclusive?: boolean; origin: string };
      if (origin === "array" || origin === "string") {
        const what = origin === "array" ? "List" : "String";
        const unit = origin === "array" ? "item" : "character";
        const n = Array.isArray(value) || typeof value === "string" ? value.length : 0;
        const type = origin === "array" ? "too_short" : "string_too_short";
        const tail = origin === "array" ? ` after validation, not ${n}` : "";
        return [
          { type, loc, msg: `${what} should have at least ${minimum} ${unit}${Number(minimum) === 1 ? "" : "s"}${tail}`, input: value, ctx: origin === "array" ? { field_type: "List", min_length: Number(minimum), actual_length: n } : { min_length: Number(minimum) } },
        ];
      }
      const [type, op, key] = inclusive === false ? ["greater_than", "greater than", "gt"] : ["greater_than_equal", "greater than or equal to", "ge"];
      return [{ type, loc, msg: `Input should be ${op} ${minimum}`, input: value, ctx: { [key]: Number(minimum) } }];
    }
    case "too_big": {
      const { maximum, inclusive, origin } = issue as { maximum: number | bigint; inclusive?: boolean; origin: string };
      if (origin === "array" || origin === "string") {
        const what = origin === "array" ? "List" : "String";
        const unit = origin === "array" ? "item" : "character";
        const n = Array.isArray(value) || typeof value === "string" ? value.length : 0;
        const type = origin === "array" ? "too_long" : "string_too_long";
        const tail = origin === "array" ? ` after validation, not ${n}` : "";
        return [{ type, loc, msg: `${what} should have at most ${maximum} ${unit}${Number(maximum) === 1 ? "" : "s"}${tail}`, input: value }];
      }
      const [type, op, key] = inclusive === false ? ["less_than", "less than", "lt"] : ["less_than_equal", "less than or equal to", "le"];
      return [{ type, loc, msg: `Input should be ${op} ${maximum}`, input: value, ctx: { [key]: Number(maximum) } }];
    }
    default:
      return [{ type: "value_error", loc, msg: `Value error, ${issue.message}`, input: value }];
  }
}

/** pydantic's error for a value of the wrong type, in lax mode. */
function typeError(expected: string, loc: (string | number)[], value: unknown): PydanticError {
  switch (expected) {
    case "int":
    case "number":
      if (typeof value === "string") {
        return { type: "int_parsing", loc, msg: "Input should be a valid integer, unable to parse string as an integer", input: value };
      }
      if (typeof value === "number" && !Number.isInteger(value)) {
        return { type: "int_from_float", loc, msg: "Input should be a valid integer, got a number with a fractional part", input: value };
      }
      return { type: "int_type", loc, msg: "Input should be a valid integer", input: value };
    case "boolean":
      return typeof value === "string"
        ? { type: "bool_parsing", loc, msg: "Input should be a valid boolean, unable to interpret input", input: value }
        : { type: "bool_type", loc, msg: "Input should be a valid boolean", input: value };
    case "array":
      return { type: "list_type", loc, msg: "Input should be a valid list", input: value };
    case "object":
    case "record":
      return { type: "dict_type", loc, msg: "Input should be a valid dictionary", input: value };
    case "null":
      return { type: "none_required", loc, msg: "Input should be None", input: value };
    default:
      // Also `string`: pydantic's string_type, "Input should be a valid string".
      return { type: `${expected}_type`, loc, msg: `Input should be a valid ${expected}`, input: value };
  }
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

function dedupe(errors: PydanticError[]): PydanticError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.type}|${e.loc.join(".")}|${e.msg}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `'a', 'b' or 'c'`, pydantic's rendering of literal choices. */
function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1) as string}`;
}

/** The echoed input, bounded as vLLM's `_summarize_error_input` does (containers are described). */
function summarize(value: unknown): string {
  if (typeof value === "string") return value.length > MAX_INPUT_CHARS ? `${value.slice(0, MAX_INPUT_CHARS)}...[truncated]` : value;
  if (Array.isArray(value)) return `<list of ${value.length} items>`;
  if (value !== null && typeof value === "object") return `<dict of ${Object.keys(value).length} items>`;
  const text = pyStr(value);
  return text.length > MAX_INPUT_CHARS ? `${text.slice(0, MAX_INPUT_CHARS)}...[truncated]` : text;
}

function formatError(e: PydanticError): string {
  const entries: [string, unknown][] = [
    ["type", e.type],
    ["loc", e.loc.join(".")],
    ["msg", e.msg],
    ["input", summarize(e.input)],
  ];
  if (e.ctx) entries.push(["ctx", e.ctx]);
  const text = `{${entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}...[truncated]` : text;
}

/** Python's `str()` of a JSON value. */
function pyStr(value: unknown): string {
  return typeof value === "string" ? value : pyRepr(value);
}

/** Python's `repr()` of a JSON value, so messages read exactly as vLLM's. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === "string") return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${pyString(k)}: ${pyRepr(v)}`).join(", ")}}`;
  }
  // A bigint is Python's int, printed unquoted (symbols and functions are no JSON value; their String()).
  return String(value);
}

function pyFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(v);
}

function pyString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}
