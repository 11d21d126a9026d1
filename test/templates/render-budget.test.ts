/**
 * Score templates render under a budget, as jinja2's sandbox bounds them: `range()` of at most
 * 100000 items, at most 100,000 evaluated nodes, no value over 32 Mi characters or items; the
 * error names the template. A folder's chat_template.jinja is rendered at load, so without the
 * budget one file aborted the process (V8 "invalid size") or hung loading forever.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { InvalidInputError } from "../../src/index.js";
import { modelScoreTemplate } from "../../src/local/llm-reranker/template-source.js";
import type { ModelFiles } from "../../src/local/files/model-files.js";
import { MAX_RANGE, MAX_RENDER_STEPS, renderScoreTemplate } from "../../src/templates/render.js";
import { ScoreTemplate } from "../../src/templates/score-template.js";

/** Mentions both roles, so the resolver takes it for a score template. */
const ROLES = "{% if messages[0]['role'] == 'query' and messages[1]['role'] == 'document' %}{% endif %}";
const input = { query: "q", document: "d" };
const temp = mkdtempSync(join(tmpdir(), "rerank-kit-templates-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function renderError(source: string, name?: string): Error {
  const started = Date.now();
  try {
    renderScoreTemplate(source, input, name);
  } catch (error) {
    expect(Date.now() - started).toBeLessThan(5000);
    return error as Error;
  }
  throw new Error("expected the render to fail");
}

describe("the render budget", () => {
  it("refuses range() past jinja2's MAX_RANGE before building it", () => {
    const error = renderError("{% for i in range(1000000000) %}{{ i }}{% endfor %}", "chat_template.jinja");
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(`The score template chat_template.jinja exceeded its render budget: range() of 1000000000 items; the sandbox allows at most ${MAX_RANGE}`);
    expect(renderScoreTemplate("{{ range(3) | join(',') }} {{ range(1, 7, 2) | join(',') }} {{ range(5, 0, -2) | join(',') }}", input)).toBe("0,1,2 1,3,5 5,3,1");
    expect(renderScoreTemplate(`{{ range(${MAX_RANGE}) | length }}`, input)).toBe(String(MAX_RANGE));
  });

  it("stops nested loops after MAX_RENDER_STEPS instead of running forever", () => {
    const error = renderError("{% for i in range(100000) %}{% for j in range(100000) %}{{ '' }}{% endfor %}{% endfor %}", "mine");
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(`The score template mine exceeded its render budget: more than ${MAX_RENDER_STEPS} steps`);
  });

  it("stops a string that doubles itself before it reaches gigabytes", () => {
    const error = renderError("{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}");
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe("The score template custom exceeded its render budget: a value of more than 33554432 characters");
  });

  it("applies per request: a template that passes at load but explodes on a kwarg", () => {
    const template = new ScoreTemplate(`${ROLES}{% for i in range(n | default(1)) %}{{ messages[0].content }}{% endfor %}{{ messages[1].content }}`, { name: "kwargs.jinja" });
    expect(template.render({ ...input, kwargs: { n: 2 } })).toBe("qqd");
    expect(() => template.render({ ...input, kwargs: { n: 10 ** 9 } })).toThrow("The score template kwargs.jinja exceeded its render budget: range() of 1000000000 items");
  });

  it("applies at load: a model folder's chat_template.jinja is refused with its name, not skipped", () => {
    writeFileSync(join(temp, "chat_template.jinja"), `${ROLES}{% for i in range(1000000000) %}{% endfor %}`);
    const files = { dir: temp, tokenizerConfig: {} } as unknown as ModelFiles;
    expect(() => modelScoreTemplate(files, undefined, undefined)).toThrow(
      `The score template chat_template.jinja exceeded its render budget: range() of 1000000000 items; the sandbox allows at most ${MAX_RANGE}`,
    );
  });

  it("a chat_template.jinja that is a FIFO or too large is refused before it is read", () => {
    const fifoDir = mkdtempSync(join(temp, "fifo-"));
    execFileSync("mkfifo", [join(fifoDir, "chat_template.jinja")]);
    const files = (dir: string) => ({ dir, tokenizerConfig: {} }) as unknown as ModelFiles;
    expect(() => modelScoreTemplate(files(fifoDir), undefined, undefined)).toThrow(`${join(fifoDir, "chat_template.jinja")} is not a regular file`);
    const bigDir = mkdtempSync(join(temp, "big-"));
    writeFileSync(join(bigDir, "chat_template.jinja"), Buffer.alloc(1024 * 1024 + 1, 0x20));
    expect(() => modelScoreTemplate(files(bigDir), undefined, undefined)).toThrow("more than the 1048576 bytes a template can hold");
  });
});

describe("a second copy of the renderer in the process", () => {
  it("renders under its own budget too (two rerank-kit copies share one @huggingface/jinja)", async () => {
    const { Interpreter } = await import("@huggingface/jinja");
    const evaluate = Interpreter.prototype["evaluate"];
    vi.resetModules();
    const second = await import("../../src/templates/render.js");
    // It adopts the first copy's patch instead of wrapping the interpreter once more per copy.
    expect(Interpreter.prototype["evaluate"]).toBe(evaluate);
    expect(second.renderScoreTemplate).not.toBe(renderScoreTemplate);
    expect(() => second.renderScoreTemplate("{{ range(100001) | length }}", input)).toThrow(/exceeded its render budget: range\(\) of 100001 items/);
    expect(second.renderScoreTemplate("{{ range(3) | join(',') }}", input, "second")).toBe("0,1,2");
    expect(() => renderScoreTemplate("{{ range(100001) | length }}", input)).toThrow(/exceeded its render budget/);
  });
});
