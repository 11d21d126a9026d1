/**
 * renderScoreTemplate's errors in detail (messages, field, cause), range()'s argument checks, the
 * exact step bound, filtered loops' charge, and the size bound on a list.
 */
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { MAX_RENDER_SIZE, MAX_RENDER_STEPS, renderScoreTemplate } from "../../src/templates/render.js";

function renderError(source: string, kwargs?: Record<string, unknown>, name?: string): InvalidInputError {
  try {
    renderScoreTemplate(source, { query: "q", document: "d", kwargs }, name);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected the render to fail");
}

describe("render errors", () => {
  it("a template that does not parse: message, chatTemplate field, the parser's error as cause", () => {
    const error = renderError("{% if %}");
    expect(error.message).toMatch(/^The score template does not parse: \S/);
    expect(error.field).toBe("chatTemplate");
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("a template that raises: wrapped with its message, chatTemplate field, the error as cause", () => {
    const error = renderError("{{ raise_exception('boom') }}");
    expect(error.message).toBe("The score template failed to render: boom");
    expect(error.field).toBe("chatTemplate");
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause).not.toBeInstanceOf(InvalidInputError);
  });

  it("a budget error is on the chatTemplate field", () => {
    const error = renderError("{% for i in range(1000000000) %}{% endfor %}");
    expect(error.message).toMatch(/^The score template custom exceeded its render budget: range\(\) of 1000000000 items/);
    expect(error.field).toBe("chatTemplate");
  });

  it("a stack overflow (kwargs nested 200,000 deep) is a budget error that says so", () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const error = renderError("{{ x | length }}", { x: deep }, "deep.jinja");
    expect(error.message).toBe("The score template deep.jinja exceeded its render budget: Maximum call stack size exceeded");
  });
});

describe("range() as jinja2 has it", () => {
  it("takes integers only", () => {
    expect(renderError("{{ range(1.5) | join(',') }}").message).toBe("The score template failed to render: range() takes integers");
    expect(renderError("{{ range(0, 2.5) | join(',') }}").message).toBe("The score template failed to render: range() takes integers");
    expect(renderError("{{ range(0, 4, 0.5) | join(',') }}").message).toBe("The score template failed to render: range() takes integers");
  });

  it("refuses a zero step", () => {
    expect(renderError("{{ range(0, 5, 0) | join(',') }}").message).toBe("The score template failed to render: range() step must not be zero");
  });
});

describe("the step bound is exact", () => {
  // An empty loop over range(n) evaluates five nodes (the template, the for, the call, `range`,
  // the literal n) and is charged n for its items: n + 5 steps.
  const loop = (n: number) => `{% for i in range(${n}) %}{% endfor %}`;
  it(`${MAX_RENDER_STEPS} steps pass, one more does not`, () => {
    expect(renderScoreTemplate(loop(MAX_RENDER_STEPS - 5), { query: "q", document: "d" })).toBe("");
    expect(renderError(loop(MAX_RENDER_STEPS - 4)).message).toBe(`The score template custom exceeded its render budget: more than ${MAX_RENDER_STEPS} steps`);
  });

  it("a filtered loop is charged for its items too, not only for their tests", () => {
    // range(n) if false: six nodes, n for the items, n evaluations of `false`: 2n + 6 steps.
    const filtered = (n: number) => `{% for i in range(${n}) if false %}{% endfor %}`;
    expect(renderScoreTemplate(filtered((MAX_RENDER_STEPS - 6) / 2), { query: "q", document: "d" })).toBe("");
    expect(renderError(filtered((MAX_RENDER_STEPS - 6) / 2 + 1)).message).toBe(
      `The score template custom exceeded its render budget: more than ${MAX_RENDER_STEPS} steps`,
    );
  });
});

describe("the size bound", () => {
  it("names items for a list", () => {
    // Sparse: 32 Mi + 1 slots without the memory of as many values.
    const error = renderError("{{ x | length }}", { x: new Array(MAX_RENDER_SIZE + 1) });
    expect(error.message).toBe(`The score template custom exceeded its render budget: a value of more than ${MAX_RENDER_SIZE} items`);
  });
});
