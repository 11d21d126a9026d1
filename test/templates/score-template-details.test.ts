/**
 * ScoreTemplate and isScoreTemplateSource in detail: the errors' messages and fields, the name a
 * template gets, special tokens passed through ScoreTemplate.from, where layout() gives up, which
 * sources count as score templates, and the presets rendered on their own (no module-level state).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { isScoreTemplateSource, ScoreTemplate } from "../../src/templates/score-template.js";
import { scoreTemplatePresets } from "../../src/templates/presets.js";

const Q = "{{ messages[0].content }}";
const D = "{{ messages[1].content }}";

function thrown(f: () => unknown): InvalidInputError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected an error");
}

describe("ScoreTemplate errors and names", () => {
  it("an empty source is refused on the chatTemplate field", () => {
    const error = thrown(() => new ScoreTemplate(""));
    expect(error.message).toBe("A score template must be a non-empty Jinja string");
    expect(error.field).toBe("chatTemplate");
  });

  it("an instruction the template ignores is an error on the instruction field, naming the template", () => {
    const error = thrown(() => ScoreTemplate.preset("nemotron-rerank").render({ query: "q", document: "d", instruction: "i" }));
    expect(error.message).toBe("The score template nemotron-rerank takes no instruction");
    expect(error.field).toBe("instruction");
  });

  it("a template without a name is called custom; ScoreTemplate.from keeps the special tokens", () => {
    expect(new ScoreTemplate(`${Q}${D}`).name).toBe("custom");
    const t = ScoreTemplate.from(`{{ bos_token }}${Q}|${D}`, { bos_token: "<s>" });
    expect([t.origin, t.render({ query: "q", document: "d" })]).toEqual(["option", "<s>q|d"]);
  });
});

describe("layout() only for a query once, then a document once", () => {
  it("contents at the very start, or with nothing between them, still have a layout", () => {
    expect(new ScoreTemplate(`${Q}${D}`).layout()).toEqual({ beforeQuery: "", between: "", afterDocument: "" });
    expect(new ScoreTemplate(`${Q} / ${D}!`).layout()).toEqual({ beforeQuery: "", between: " / ", afterDocument: "!" });
    expect(new ScoreTemplate(`>${Q}${D}<`).layout()).toEqual({ beforeQuery: ">", between: "", afterDocument: "<" });
  });

  it("no query, a query twice or a document twice: no layout", () => {
    expect(new ScoreTemplate(`x ${D}`).layout()).toBeUndefined();
    expect(new ScoreTemplate(`x ${D} y`).layout()).toBeUndefined();
    expect(new ScoreTemplate(`x ${Q} y ${Q} ${D}`).layout()).toBeUndefined();
    expect(new ScoreTemplate(`x ${Q} y ${D} ${D}`).layout()).toBeUndefined();
    expect(new ScoreTemplate(`${Q}${Q}${D}`).layout()).toBeUndefined();
    expect(new ScoreTemplate(`${Q}${D}${D}`).layout()).toBeUndefined();
    expect(new ScoreTemplate(`${Q} ${D}`).layout()).toBeDefined();
  });
});

describe("isScoreTemplateSource", () => {
  it("needs both roles named in the source", () => {
    expect(isScoreTemplateSource(`{% if messages[0].role == 'query' %}${Q}${D}{% endif %}`)).toBe(false);
    expect(isScoreTemplateSource(`{% if messages[1].role == 'document' %}${Q}${D}{% endif %}`)).toBe(false);
    expect(isScoreTemplateSource(`{# 'query' 'document' #}${Q}${D}`)).toBe(true);
  });

  it("needs both contents in the render", () => {
    expect(isScoreTemplateSource(`{# 'query' 'document' #}${Q}`)).toBe(false);
    expect(isScoreTemplateSource(`{# 'query' 'document' #}${D}`)).toBe(false);
    expect(isScoreTemplateSource(`{# 'query' 'document' #}nothing`)).toBe(false);
  });

  it("a template that raises or fails to render is skipped (false), not thrown", () => {
    expect(isScoreTemplateSource(`{# 'query' 'document' #}{{ raise_exception('not for scoring') }}${Q}${D}`)).toBe(false);
    expect(isScoreTemplateSource(`{# 'query' 'document' #}{{ messages[0].content.nope() }}${Q}${D}`)).toBe(false);
  });
});

describe("the presets render the authors' prompts", () => {
  // Rendered by transformers' apply_chat_template (jinja2), not by this code.
  const golden = JSON.parse(readFileSync("test/golden/llm-rerankers/templates.json", "utf8")) as {
    special_tokens: Record<string, string>;
    cases: { name: string; query: string; document: string; instruction?: string; kwargs?: Record<string, unknown>; rendered: string }[];
  };
  it.each(Object.keys(scoreTemplatePresets) as (keyof typeof scoreTemplatePresets)[])("%s", (name) => {
    const cases = golden.cases.filter((c) => c.name === name);
    expect(cases.length).toBeGreaterThan(0);
    const t = ScoreTemplate.preset(name, golden.special_tokens);
    for (const c of cases) {
      // bge-reranker-v2-gemma ignores an instruction, so its golden with one equals the one without.
      const instruction = t.usesInstruction ? c.instruction : undefined;
      expect(t.render({ query: c.query, document: c.document, instruction, kwargs: c.kwargs })).toBe(c.rendered);
    }
  });
});
