/**
 * resolveScoreTemplate's sources in detail: names and origins of what it picked, the shapes of
 * tokenizer_config.json's `chat_template` (a string, or a list of `{name, template}` with junk
 * entries), which named template wins, and that a hostile template is refused under its file's name.
 */
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { resolveScoreTemplate } from "../../src/templates/resolve.js";

/** Three score templates told apart by their render. */
const A = "A{{ messages[0].content }}|{{ messages[1].content }}{# 'query' 'document' #}";
const B = "B{{ messages[0].content }}|{{ messages[1].content }}{# 'query' 'document' #}";
const C = "C{{ messages[0].content }}|{{ messages[1].content }}{# 'query' 'document' #}";
const pair = { query: "q", document: "d" };

function picked(tokenizerConfig: unknown): string | undefined {
  return resolveScoreTemplate({ tokenizerConfig, preset: "nemotron-rerank" })?.render(pair);
}

describe("resolveScoreTemplate names what it picked", () => {
  it("a folder's template is named chat_template.jinja, tokenizer_config's tokenizer_config.json", () => {
    const folder = resolveScoreTemplate({ folderFile: A });
    expect([folder?.name, folder?.origin]).toEqual(["chat_template.jinja", "chat_template.jinja"]);
    const config = resolveScoreTemplate({ tokenizerConfig: [{ name: "default", template: A }] });
    expect([config?.name, config?.origin]).toEqual(["tokenizer_config.json", "tokenizer_config.json"]);
  });

  it("a hostile tokenizer_config.json template is refused under that name", () => {
    const hostile = `${A}{% for i in range(1000000000) %}{% endfor %}`;
    expect(() => resolveScoreTemplate({ tokenizerConfig: hostile })).toThrow(
      /^The score template tokenizer_config\.json exceeded its render budget/,
    );
    expect(() => resolveScoreTemplate({ tokenizerConfig: hostile })).toThrow(InvalidInputError);
  });
});

describe("tokenizer_config.json's chat_template", () => {
  it("a plain string is a candidate", () => {
    expect(picked(A)).toBe("Aq|d");
    expect(resolveScoreTemplate({ tokenizerConfig: A })?.origin).toBe("tokenizer_config.json");
  });

  it("list entries that are not {name, template: string} are skipped, not a crash", () => {
    expect(picked([null, 7, "x", { name: "default" }, { name: "default", template: 3 }, { name: "rag", template: A }])).toBe("Aq|d");
    expect(picked([{ name: "default", template: A }, null])).toBe("Aq|d");
  });

  it("the template named default wins over the others, wherever it is in the list", () => {
    expect(picked([{ name: "rag", template: B }, { name: "default", template: A }])).toBe("Aq|d");
    expect(picked([{ name: "rag", template: B }, { name: "tool_use", template: C }, { name: "default", template: A }])).toBe("Aq|d");
    expect(picked([{ name: "default", template: A }, { name: "rag", template: B }])).toBe("Aq|d");
  });

  it("otherwise the list's order decides: the first score template", () => {
    expect(picked([{ name: "rag", template: B }, { name: "tool_use", template: C }])).toBe("Bq|d");
    expect(picked([{ name: "default", template: A }, { name: "default", template: B }])).toBe("Aq|d");
  });

  it("nothing usable falls back to the preset", () => {
    expect(resolveScoreTemplate({ tokenizerConfig: { template: A }, preset: "nemotron-rerank" })?.origin).toBe("preset");
    expect(resolveScoreTemplate({ tokenizerConfig: [], preset: "nemotron-rerank" })?.origin).toBe("preset");
  });
});
