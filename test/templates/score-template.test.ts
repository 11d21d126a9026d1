import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import {
  renderScoreTemplate,
  resolveScoreTemplate,
  ScoreTemplate,
  scoreTemplatePresets,
} from "../../src/templates/index.js";
import { promptTemplateFrom } from "../../src/remote/prompt-templates.js";

interface Case {
  name: string;
  source: string;
  query: string;
  document: string;
  instruction?: string;
  kwargs?: Record<string, unknown>;
  rendered: string;
}
const golden = JSON.parse(readFileSync("test/golden/llm-rerankers/templates.json", "utf8")) as {
  special_tokens: Record<string, string>;
  cases: Case[];
};

// Expected strings were rendered by transformers' apply_chat_template (jinja2), not by this code.
describe("score templates render as transformers' apply_chat_template does", () => {
  it.each(golden.cases.map((c) => [`${c.name}: ${JSON.stringify(c.query).slice(0, 30)}`, c] as const))("%s", (_, c) => {
    const text = renderScoreTemplate(c.source, {
      query: c.query,
      document: c.document,
      instruction: c.instruction,
      kwargs: c.kwargs,
      specialTokens: golden.special_tokens,
    });
    expect(text).toBe(c.rendered);
  });

  it("the presets are the sources the goldens were rendered from (regenerate after changing one)", () => {
    for (const [name, source] of Object.entries(scoreTemplatePresets)) {
      expect(golden.cases.find((c) => c.name === name)?.source).toBe(source);
    }
  });

  it("a template ending in </think>\\n\\n renders </think>\\n (one trailing newline dropped)", () => {
    const c = golden.cases.find((x) => x.name === "vllm-style-qwen3") as Case;
    expect(c.source.endsWith("</think>\n\n")).toBe(true);
    expect(c.rendered.endsWith("</think>\n")).toBe(true);
    expect(c.rendered.endsWith("</think>\n\n")).toBe(false);
  });
});

describe("ScoreTemplate", () => {
  it("rejects an instruction the template has no place for", () => {
    const gemma = ScoreTemplate.preset("bge-reranker-v2-gemma");
    expect(gemma.usesInstruction).toBe(false);
    expect(() => gemma.render({ query: "q", document: "d", instruction: "i" })).toThrow(InvalidInputError);
    expect(ScoreTemplate.preset("qwen3-reranker").usesInstruction).toBe(true);
  });

  it("raise_exception in a template becomes an InvalidInputError", () => {
    const t = "{% if messages[0].content == '' %}{{ raise_exception('empty query') }}{% endif %}x";
    expect(() => renderScoreTemplate(t, { query: "", document: "d" })).toThrow(/empty query/);
  });

  it("a template that does not parse is an InvalidInputError naming the template", () => {
    expect(() => new ScoreTemplate("{% if %}")).toThrow(InvalidInputError);
  });

  it("layout finds the text around the contents", () => {
    expect(ScoreTemplate.preset("nemotron-rerank").layout()).toEqual({
      beforeQuery: "question:",
      between: " \n \n passage:",
      afterDocument: "",
    });
    expect(new ScoreTemplate("{{ messages[1].content }}{{ messages[0].content }}").layout()).toBeUndefined();
  });
});

describe("resolveScoreTemplate: option, then the folder, then the preset", () => {
  const folder = scoreTemplatePresets["qwen3-reranker"];
  const generic = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}";
  it("an explicit option wins (preset name or Jinja source)", () => {
    expect(resolveScoreTemplate({ option: "nemotron-rerank", folderFile: folder })?.name).toBe("nemotron-rerank");
    expect(resolveScoreTemplate({ option: "X{{ messages[0].content }}", folderFile: folder })?.origin).toBe("option");
  });
  it("the folder's chat_template.jinja, then tokenizer_config's chat_template", () => {
    expect(resolveScoreTemplate({ folderFile: folder, preset: "mxbai-rerank-v2" })?.origin).toBe("chat_template.jinja");
    expect(resolveScoreTemplate({ tokenizerConfig: [{ name: "default", template: folder }], preset: "mxbai-rerank-v2" })?.origin).toBe(
      "tokenizer_config.json",
    );
  });
  it("skips a generic chat template inherited from the base LLM and falls back to the preset", () => {
    const t = resolveScoreTemplate({ folderFile: generic, tokenizerConfig: generic, preset: "qwen3-reranker" });
    expect(t?.origin).toBe("preset");
    expect(resolveScoreTemplate({ folderFile: generic })).toBeUndefined();
  });
});

describe("remote prompt halves come from the same templates", () => {
  it("query half + document half = the full render, for every preset and a custom template", () => {
    for (const name of Object.keys(scoreTemplatePresets) as (keyof typeof scoreTemplatePresets)[]) {
      const t = ScoreTemplate.preset(name);
      const p = promptTemplateFrom(t);
      const instruction = t.usesInstruction ? "Find it" : undefined;
      expect(p.formatQuery("Q x", instruction) + p.formatDocument("D y")).toBe(
        t.render({ query: "Q x", document: "D y", instruction }),
      );
    }
  });
});
