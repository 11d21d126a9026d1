/**
 * The request-validation answer clients match on: vLLM renders pydantic's errors, so a client
 * written against vLLM greps for `int_parsing`, "Field required" or the echoed input. Every
 * expected message below is written out by hand from pydantic 2's wording and Python's repr(),
 * never produced by the code under test.
 */
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/server/http/http-error.js";
import { pyRepr, toValidationError, validationErrors } from "../../src/server/http/validation.js";

/** Validates `value` against `schema` and returns vLLM's answer for the failure. */
function answer(schema: z.ZodType, value: unknown, target?: string): HttpError {
  const result = schema.safeParse(value);
  if (result.success) throw new Error("expected the schema to reject the value");
  return toValidationError(result.error, value, target);
}

/** The single rendered error line of a one-error answer. */
function only(schema: z.ZodType, value: unknown): string {
  const e = answer(schema, value);
  const [head, line, ...rest] = e.message.split("\n");
  expect(head).toBe("1 validation error:");
  expect(rest).toEqual([]);
  return (line as string).replace(/^ {2}/, "");
}

const field = (s: z.ZodType) => z.object({ f: s });

describe("validation errors in vLLM's rendering", () => {
  it("is a 400 'Bad Request' whose param is the dotted location of the first error", () => {
    const e = answer(z.object({ top_n: z.number().int().min(0) }), { top_n: -1 });
    expect(e).toBeInstanceOf(HttpError);
    expect(e.status).toBe(400);
    expect(e.type).toBe("Bad Request");
    expect(e.param).toBe("body.top_n");
    expect(e.message).toBe(
      "1 validation error:\n  {'type': 'greater_than_equal', 'loc': 'body.top_n', 'msg': 'Input should be greater than or equal to 0', 'input': '-1', 'ctx': {'ge': 0}}",
    );
  });

  it("names the request part the schema checked (query, not body)", () => {
    const e = answer(z.object({ n: z.string() }), { n: 1 }, "query");
    expect(e.param).toBe("query.n");
    expect(e.message).toContain("'loc': 'query.n'");
  });

  it("reports a missing field with pydantic's 'Field required' and the enclosing object as input", () => {
    expect(only(z.object({ query: z.string(), x: z.number() }), { x: 1 })).toBe(
      "{'type': 'missing', 'loc': 'body.query', 'msg': 'Field required', 'input': '<dict of 1 items>'}",
    );
    // Nested: the input is the inner object, not the whole body.
    expect(only(z.object({ a: z.object({ b: z.string() }) }), { a: { c: 1, d: 2 } })).toBe(
      "{'type': 'missing', 'loc': 'body.a.b', 'msg': 'Field required', 'input': '<dict of 2 items>'}",
    );
  });

  it("maps zod type failures to pydantic's lax-mode error types", () => {
    const cases: Array<[z.ZodType, unknown, string]> = [
      [z.number().int(), "x", "{'type': 'int_parsing', 'loc': 'body.f', 'msg': 'Input should be a valid integer, unable to parse string as an integer', 'input': 'x'}"],
      [z.number(), "7a", "{'type': 'int_parsing', 'loc': 'body.f', 'msg': 'Input should be a valid integer, unable to parse string as an integer', 'input': '7a'}"],
      [z.number().int(), 1.5, "{'type': 'int_from_float', 'loc': 'body.f', 'msg': 'Input should be a valid integer, got a number with a fractional part', 'input': '1.5'}"],
      [z.number().int(), true, "{'type': 'int_type', 'loc': 'body.f', 'msg': 'Input should be a valid integer', 'input': 'True'}"],
      [z.number(), null, "{'type': 'int_type', 'loc': 'body.f', 'msg': 'Input should be a valid integer', 'input': 'None'}"],
      [z.string(), 3, "{'type': 'string_type', 'loc': 'body.f', 'msg': 'Input should be a valid string', 'input': '3'}"],
      [z.boolean(), "yes", "{'type': 'bool_parsing', 'loc': 'body.f', 'msg': 'Input should be a valid boolean, unable to interpret input', 'input': 'yes'}"],
      [z.boolean(), 2, "{'type': 'bool_type', 'loc': 'body.f', 'msg': 'Input should be a valid boolean', 'input': '2'}"],
      [z.array(z.string()), "a", "{'type': 'list_type', 'loc': 'body.f', 'msg': 'Input should be a valid list', 'input': 'a'}"],
      [z.object({}), 5, "{'type': 'dict_type', 'loc': 'body.f', 'msg': 'Input should be a valid dictionary', 'input': '5'}"],
      [z.record(z.string(), z.string()), [], "{'type': 'dict_type', 'loc': 'body.f', 'msg': 'Input should be a valid dictionary', 'input': '<list of 0 items>'}"],
      [z.null(), 0, "{'type': 'none_required', 'loc': 'body.f', 'msg': 'Input should be None', 'input': '0'}"],
      [z.bigint(), 1, "{'type': 'bigint_type', 'loc': 'body.f', 'msg': 'Input should be a valid bigint', 'input': '1'}"],
    ];
    for (const [schema, value, expected] of cases) expect(only(field(schema), { f: value }), JSON.stringify(value)).toBe(expected);
  });

  it("lists literal choices as pydantic does, with the choices in ctx", () => {
    expect(only(field(z.literal("float")), { f: "x" })).toBe(
      `{'type': 'literal_error', 'loc': 'body.f', 'msg': "Input should be 'float'", 'input': 'x', 'ctx': {'expected': "'float'"}}`,
    );
    expect(only(field(z.enum(["float", "base64"])), { f: "x" })).toBe(
      `{'type': 'literal_error', 'loc': 'body.f', 'msg': "Input should be 'float' or 'base64'", 'input': 'x', 'ctx': {'expected': "'float' or 'base64'"}}`,
    );
    expect(only(field(z.enum(["a", "b", "c"])), { f: "x" })).toBe(
      `{'type': 'literal_error', 'loc': 'body.f', 'msg': "Input should be 'a', 'b' or 'c'", 'input': 'x', 'ctx': {'expected': "'a', 'b' or 'c'"}}`,
    );
  });

  it("words numeric bounds by inclusiveness (ge / gt / le / lt)", () => {
    expect(only(field(z.number().gt(0)), { f: 0 })).toBe(
      "{'type': 'greater_than', 'loc': 'body.f', 'msg': 'Input should be greater than 0', 'input': '0', 'ctx': {'gt': 0}}",
    );
    expect(only(field(z.number().min(2)), { f: 1 })).toBe(
      "{'type': 'greater_than_equal', 'loc': 'body.f', 'msg': 'Input should be greater than or equal to 2', 'input': '1', 'ctx': {'ge': 2}}",
    );
    expect(only(field(z.number().lt(5)), { f: 5 })).toBe(
      "{'type': 'less_than', 'loc': 'body.f', 'msg': 'Input should be less than 5', 'input': '5', 'ctx': {'lt': 5}}",
    );
    expect(only(field(z.number().max(5)), { f: 6 })).toBe(
      "{'type': 'less_than_equal', 'loc': 'body.f', 'msg': 'Input should be less than or equal to 5', 'input': '6', 'ctx': {'le': 5}}",
    );
  });

  it("words list and string lengths with singular and plural units", () => {
    expect(only(field(z.array(z.string()).min(1)), { f: [] })).toBe(
      "{'type': 'too_short', 'loc': 'body.f', 'msg': 'List should have at least 1 item after validation, not 0', 'input': '<list of 0 items>', 'ctx': {'field_type': 'List', 'min_length': 1, 'actual_length': 0}}",
    );
    expect(only(field(z.array(z.string()).min(3)), { f: ["a"] })).toBe(
      "{'type': 'too_short', 'loc': 'body.f', 'msg': 'List should have at least 3 items after validation, not 1', 'input': '<list of 1 items>', 'ctx': {'field_type': 'List', 'min_length': 3, 'actual_length': 1}}",
    );
    expect(only(field(z.string().min(1)), { f: "" })).toBe(
      "{'type': 'string_too_short', 'loc': 'body.f', 'msg': 'String should have at least 1 character', 'input': '', 'ctx': {'min_length': 1}}",
    );
    expect(only(field(z.string().min(2)), { f: "a" })).toBe(
      "{'type': 'string_too_short', 'loc': 'body.f', 'msg': 'String should have at least 2 characters', 'input': 'a', 'ctx': {'min_length': 2}}",
    );
    expect(only(field(z.array(z.number()).max(1)), { f: [1, 2] })).toBe(
      "{'type': 'too_long', 'loc': 'body.f', 'msg': 'List should have at most 1 item after validation, not 2', 'input': '<list of 2 items>'}",
    );
    expect(only(field(z.array(z.number()).max(2)), { f: [1, 2, 3] })).toBe(
      "{'type': 'too_long', 'loc': 'body.f', 'msg': 'List should have at most 2 items after validation, not 3', 'input': '<list of 3 items>'}",
    );
    expect(only(field(z.string().max(1)), { f: "ab" })).toBe(
      "{'type': 'string_too_long', 'loc': 'body.f', 'msg': 'String should have at most 1 character', 'input': 'ab'}",
    );
    expect(only(field(z.string().max(2)), { f: "abc" })).toBe(
      "{'type': 'string_too_long', 'loc': 'body.f', 'msg': 'String should have at most 2 characters', 'input': 'abc'}",
    );
  });

  it("reports every branch of a union, as pydantic does, at the union's location", () => {
    const e = answer(z.object({ input: z.union([z.string(), z.array(z.string())]) }), { input: 5 });
    expect(e.message).toBe(
      "2 validation errors:\n" +
        "  {'type': 'string_type', 'loc': 'body.input', 'msg': 'Input should be a valid string', 'input': '5'}\n" +
        "  {'type': 'list_type', 'loc': 'body.input', 'msg': 'Input should be a valid list', 'input': '5'}",
    );
    expect(e.param).toBe("body.input");
  });

  it("reports an error two unions share once", () => {
    const both = z.union([z.object({ model: z.string(), a: z.string() }), z.object({ model: z.string(), b: z.string() })]);
    const e = answer(both, { a: "x", b: "y" });
    const lines = e.message.split("\n").slice(1);
    expect(lines).toEqual(["  {'type': 'missing', 'loc': 'body.model', 'msg': 'Field required', 'input': '<dict of 2 items>'}"]);
    expect(e.message.startsWith("1 validation error:\n")).toBe(true);
  });

  it("keeps same-kind errors at locations whose names run together (body.ab and body.a.b are two fields)", () => {
    const e = answer(z.object({ ab: z.string(), a: z.object({ b: z.string() }) }), { a: {} });
    expect(e.message).toBe(
      "2 validation errors:\n" +
        "  {'type': 'missing', 'loc': 'body.ab', 'msg': 'Field required', 'input': '<dict of 1 items>'}\n" +
        "  {'type': 'missing', 'loc': 'body.a.b', 'msg': 'Field required', 'input': '<dict of 0 items>'}",
    );
  });

  it("renders a custom check as a value_error with its message", () => {
    expect(only(field(z.string().refine(() => false, "Either a or b is required")), { f: "x" })).toBe(
      "{'type': 'value_error', 'loc': 'body.f', 'msg': 'Value error, Either a or b is required', 'input': 'x'}",
    );
  });

  it("reports at most 10 errors and counts the rest", () => {
    const shape = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, z.string()]));
    const e = answer(z.object(shape), {});
    const lines = e.message.split("\n");
    expect(lines[0]).toBe("12 validation errors:");
    expect(lines).toHaveLength(12);
    expect(lines.slice(1, 11).map((l) => /'loc': '([^']+)'/.exec(l)?.[1])).toEqual(Array.from({ length: 10 }, (_, i) => `body.k${i}`));
    expect(lines[11]).toBe("  ...and 2 more errors");
    expect(e.param).toBe("body.k0");
    const eleven = answer(z.object(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, z.string()]))), {});
    expect(eleven.message.split("\n").at(-1)).toBe("  ...and 1 more errors");
    const ten = answer(z.object(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, z.string()]))), {});
    expect(ten.message.split("\n")).toHaveLength(11);
    expect(ten.message).not.toContain("more");
  });

  it("bounds the echoed input at 200 characters and each error at 1000", () => {
    const long = "x".repeat(250);
    expect(only(field(z.number()), { f: long })).toBe(
      `{'type': 'int_parsing', 'loc': 'body.f', 'msg': 'Input should be a valid integer, unable to parse string as an integer', 'input': '${"x".repeat(200)}...[truncated]'}`,
    );
    const exact = "y".repeat(200);
    expect(only(field(z.number()), { f: exact })).toContain(`'input': '${exact}'}`);
    // A literal with many long choices: the rendered error itself is cut at 1000 characters.
    const choices = Array.from({ length: 30 }, (_, i) => `choice-${i}-${"z".repeat(40)}`) as [string, ...string[]];
    const line = only(field(z.enum(choices)), { f: "nope" });
    expect(line).toHaveLength(1000 + "...[truncated]".length);
    expect(line.endsWith("...[truncated]")).toBe(true);
    expect(line.startsWith("{'type': 'literal_error', 'loc': 'body.f', 'msg': \"Input should be 'choice-0-")).toBe(true);
  });

  it("cuts a rendered error only past 1000 characters: one of exactly 1000 is kept whole", () => {
    const frame = "{'type': 'value_error', 'loc': 'body', 'msg': '";
    const tail = "', 'input': 'x'}";
    const msg = "m".repeat(1000 - frame.length - tail.length);
    const render = (m: string) => validationErrors([{ type: "value_error", loc: ["body"], msg: m, input: "x" }]).message.split("\n")[1];
    expect(render(msg)).toBe(`  ${frame}${msg}${tail}`);
    // One character more: the first 1000 characters, then the marker.
    expect(render(`${msg}m`)).toBe(`  ${frame}${msg}m${tail.slice(0, -1)}...[truncated]`);
  });

  it("bounds a long non-string echoed input too, as vLLM bounds str(input): a big int keeps 200 digits", () => {
    // Python's str(10**250) is "1" and 250 zeros; vLLM keeps its first 200 characters.
    const digits200 = `1${"0".repeat(199)}`;
    expect(only(field(z.bigint().max(5n)), { f: 10n ** 250n })).toBe(
      `{'type': 'less_than_equal', 'loc': 'body.f', 'msg': 'Input should be less than or equal to 5', 'input': '${digits200}...[truncated]', 'ctx': {'le': 5}}`,
    );
    // Exactly 200 digits (10**199) is echoed whole.
    expect(only(field(z.bigint().max(5n)), { f: 10n ** 199n })).toBe(
      `{'type': 'less_than_equal', 'loc': 'body.f', 'msg': 'Input should be less than or equal to 5', 'input': '${digits200}', 'ctx': {'le': 5}}`,
    );
  });

  it("counts a field as missing when the raw input has nothing at its path (the schema checked a transformed value)", () => {
    // The echoed input is the raw one; a transform can make zod report paths the raw input does not have.
    const fromNull = z.null().transform(() => ({})).pipe(z.object({ a: z.string() }));
    expect(only(fromNull, null)).toBe("{'type': 'missing', 'loc': 'body.a', 'msg': 'Field required', 'input': 'None'}");
    const nested = z.object({}).transform(() => ({ a: {} })).pipe(z.object({ a: z.object({ b: z.string() }) }));
    expect(only(nested, {})).toBe("{'type': 'missing', 'loc': 'body.a.b', 'msg': 'Field required', 'input': 'None'}");
  });

  it("renders hand-written checks the same way, and no errors as a null param", () => {
    const e = validationErrors([{ type: "value_error", loc: ["body"], msg: "Value error, both set", input: { a: 1 } }]);
    expect(e.message).toBe("1 validation error:\n  {'type': 'value_error', 'loc': 'body', 'msg': 'Value error, both set', 'input': '<dict of 1 items>'}");
    expect(e.param).toBe("body");
    const none = validationErrors([]);
    expect(none.param).toBeNull();
    expect(none.message).toBe("0 validation errors:");
  });
});

describe("pyRepr (Python's repr of JSON values)", () => {
  it("spells None, booleans, integers and floats as Python does", () => {
    expect(pyRepr(null)).toBe("None");
    expect(pyRepr(undefined)).toBe("None");
    expect(pyRepr(true)).toBe("True");
    expect(pyRepr(false)).toBe("False");
    expect(pyRepr(42)).toBe("42");
    expect(pyRepr(-3)).toBe("-3");
    expect(pyRepr(0.25)).toBe("0.25");
    expect(pyRepr(Number.NaN)).toBe("nan");
    expect(pyRepr(Number.POSITIVE_INFINITY)).toBe("inf");
    expect(pyRepr(Number.NEGATIVE_INFINITY)).toBe("-inf");
    // A bigint is a Python int: digits, unquoted.
    expect(pyRepr(12345678901234567890n)).toBe("12345678901234567890");
    expect(pyRepr([-7n])).toBe("[-7]");
  });

  it("quotes strings as Python does: single quotes unless the text holds only single quotes", () => {
    expect(pyRepr("abc")).toBe("'abc'");
    expect(pyRepr("it's")).toBe(`"it's"`);
    expect(pyRepr('say "hi"')).toBe(`'say "hi"'`);
    expect(pyRepr(`it's "x"`)).toBe(`'it\\'s "x"'`);
    expect(pyRepr("a\\b")).toBe("'a\\\\b'");
    expect(pyRepr("l1\nl2\rl3\tl4")).toBe("'l1\\nl2\\rl3\\tl4'");
  });

  it("renders lists and dicts recursively", () => {
    expect(pyRepr([1, "a", null, [true]])).toBe("[1, 'a', None, [True]]");
    expect(pyRepr({ ge: 0, "it's": [1.5] })).toBe(`{'ge': 0, "it's": [1.5]}`);
    expect(pyRepr([])).toBe("[]");
    expect(pyRepr({})).toBe("{}");
  });
});
