/**
 * The small pieces an LLM reranker is configured from: vLLM's hf_overrides (parsed and resolved),
 * the token head, the Hub-id presets and the tokenizer's special tokens a score template sees.
 * Each error names the key or token at fault.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError, ModelLoadError } from "../../src/index.js";
import { parseHfOverrides, tokenChoice } from "../../src/local/llm-reranker/hf-overrides.js";
import { llmRerankerPreset } from "../../src/local/llm-reranker/presets.js";
import { headFromLogitScore, headFromTokens, scoreFromLogits } from "../../src/local/llm-reranker/score-head.js";
import { modelScoreTemplate } from "../../src/local/llm-reranker/template-source.js";
import type { ModelFiles } from "../../src/local/files/model-files.js";

const vocab: Record<string, number> = { no: 7, yes: 9, Yes: 30 };
const ids = (t: string) => vocab[t];

describe("parseHfOverrides", () => {
  it("takes an object as is and a JSON string parsed", () => {
    const o = { classifier_from_token: ["no", "yes"], architectures: ["X"], other: 1 };
    expect(parseHfOverrides(o)).toBe(o);
    expect(parseHfOverrides('{"method":"no_post_processing","classifier_from_token":["Yes"]}')).toEqual({ method: "no_post_processing", classifier_from_token: ["Yes"] });
    expect(parseHfOverrides({ is_original_qwen3_reranker: false })).toEqual({ is_original_qwen3_reranker: false });
  });

  it("malformed JSON names hfOverrides and the parser's message", () => {
    expect(() => parseHfOverrides("{nope")).toThrow(/^hfOverrides is not valid JSON: .+/);
  });

  it.each([["[1]"], ["null"], ["3"], ['"text"']])("JSON %s is not an object", (json) => {
    expect(() => parseHfOverrides(json)).toThrow(InvalidInputError);
    expect(() => parseHfOverrides(json)).toThrow("hfOverrides must be a JSON object");
  });

  it.each([[{ classifier_from_token: "yes" }], [{ classifier_from_token: [] }], [{ classifier_from_token: ["yes", 1] }]])("classifier_from_token %j is refused, naming the key", (o) => {
    expect(() => parseHfOverrides(o as never)).toThrow("hfOverrides.classifier_from_token must be a non-empty array of strings");
  });

  it("method must be one of vLLM's two, quoted in the message", () => {
    expect(() => parseHfOverrides({ method: "softmax" as never })).toThrow('hfOverrides.method must be "from_2_way_softmax" or "no_post_processing", got "softmax"');
    expect(parseHfOverrides({ method: "from_2_way_softmax" }).method).toBe("from_2_way_softmax");
  });

  it("is_original_qwen3_reranker must be a boolean", () => {
    expect(() => parseHfOverrides({ is_original_qwen3_reranker: "true" as never })).toThrow("hfOverrides.is_original_qwen3_reranker must be a boolean");
  });
});

describe("tokenChoice", () => {
  it("is_original_qwen3_reranker: [no, yes] from_2_way_softmax unless the keys say otherwise", () => {
    expect(tokenChoice({ is_original_qwen3_reranker: true })).toEqual({ tokens: ["no", "yes"], method: "from_2_way_softmax" });
    expect(tokenChoice({ is_original_qwen3_reranker: true, classifier_from_token: ["Yes"], method: "no_post_processing" })).toEqual({
      tokens: ["Yes"],
      method: "no_post_processing",
    });
    // false is no shortcut: without tokens there is no head.
    expect(tokenChoice({ is_original_qwen3_reranker: false })).toBeUndefined();
  });

  it("a method without tokens is refused; nothing at all is no head", () => {
    expect(() => tokenChoice({ method: "no_post_processing" })).toThrow(InvalidInputError);
    expect(() => tokenChoice({ method: "no_post_processing" })).toThrow("hfOverrides.method needs classifier_from_token");
    expect(tokenChoice({})).toBeUndefined();
  });

  it("infers the method from one or two tokens; other counts need it and fit neither", () => {
    expect(tokenChoice({ classifier_from_token: ["a", "b"] })).toEqual({ tokens: ["a", "b"], method: "from_2_way_softmax" });
    expect(tokenChoice({ classifier_from_token: ["a"] })).toEqual({ tokens: ["a"], method: "no_post_processing" });
    expect(() => tokenChoice({ classifier_from_token: ["a", "b", "c"] })).toThrow("no_post_processing with 3 tokens gives 3 labels; a reranker has one");
    expect(() => tokenChoice({ classifier_from_token: ["a"], method: "from_2_way_softmax" })).toThrow("from_2_way_softmax needs two tokens [false, true], got 1");
  });
});

describe("the score head", () => {
  it("from tokens: the true token (second) +1, the false token -1, described", () => {
    expect(headFromTokens({ tokens: ["no", "yes"], method: "from_2_way_softmax" }, ids, "m")).toEqual({
      rows: [
        { tokenId: 9, coefficient: 1 },
        { tokenId: 7, coefficient: -1 },
      ],
      description: '["no","yes"] from_2_way_softmax',
    });
    expect(headFromTokens({ tokens: ["Yes"], method: "no_post_processing" }, ids, "m").description).toBe('["Yes"] no_post_processing');
  });

  it("a token the vocabulary lacks is a ModelLoadError naming it and the folder", () => {
    expect(() => headFromTokens({ tokens: ["no", "maybe"], method: "from_2_way_softmax" }, ids, "/models/x")).toThrow(ModelLoadError);
    expect(() => headFromTokens({ tokens: ["no", "maybe"], method: "from_2_way_softmax" }, ids, "/models/x")).toThrow('/models/x: the vocabulary has no token "maybe"');
  });

  it("LogitScore: true_token_id required and an integer; false_token_id optional, an integer or null", () => {
    expect(headFromLogitScore({ true_token_id: 5, false_token_id: 3 }, "p").description).toBe("LogitScore true=5 false=3");
    expect(headFromLogitScore({ true_token_id: 5 }, "p")).toEqual({ rows: [{ tokenId: 5, coefficient: 1 }], description: "LogitScore true=5" });
    expect(headFromLogitScore({ true_token_id: 5, false_token_id: null }, "p").description).toBe("LogitScore true=5");
    expect(() => headFromLogitScore({ true_token_id: 1.5 }, "p/config.json")).toThrow("p/config.json: LogitScore config has no integer true_token_id");
    expect(() => headFromLogitScore({ true_token_id: "5" }, "p")).toThrow(ModelLoadError);
    expect(() => headFromLogitScore({ true_token_id: 5, false_token_id: 2.5 }, "p")).toThrow("p: LogitScore false_token_id must be an integer or null");
    expect(() => headFromLogitScore({ true_token_id: 5, false_token_id: "3" }, "p")).toThrow("p: LogitScore false_token_id must be an integer or null");
  });

  it("scoreFromLogits sums coefficient x logit of each row, read at the offset", () => {
    const logits = Float32Array.from([0, 0, 0, 1, 2, 3, 4, 5]);
    const head = { rows: [{ tokenId: 2, coefficient: 1 }, { tokenId: 0, coefficient: -1 }], description: "" };
    expect(scoreFromLogits(head, logits, 3)).toBe(3 - 1);
    expect(scoreFromLogits({ rows: [{ tokenId: 1, coefficient: 0.5 }], description: "" }, logits, 4)).toBe(1.5);
  });
});

describe("llmRerankerPreset", () => {
  it.each([
    ["Qwen/Qwen3-Reranker-4B", "Qwen3-Reranker"],
    ["qwen3-reranker-0.6b", "Qwen3-Reranker"],
    ["mixedbread-ai/mxbai-rerank-xsmall-v2", "mxbai-rerank-v2"],
    ["mixedbread-ai/mxbai-rerank-base-v2", "mxbai-rerank-v2"],
    ["C:\\models\\onnx-community\\Qwen3-Reranker-8B-ONNX", "Qwen3-Reranker"],
    ["BAAI/bge-reranker-v2-gemma/", "bge-reranker-v2-gemma"],
  ])("%s is %s", (id, family) => {
    expect(llmRerankerPreset(id)?.family).toBe(family);
  });

  it("matches the last two path parts only, and not look-alikes", () => {
    // A folder that only sits below a directory named like a reranker is not that reranker.
    expect(llmRerankerPreset("/data/Qwen3-Reranker-0.6B/checkpoints/my-model")).toBeUndefined();
    expect(llmRerankerPreset("C:\\Qwen3-Reranker-0.6B\\checkpoints\\my-model")).toBeUndefined();
    expect(llmRerankerPreset("Qwen/Qwen3-Reranker-2B")).toBeUndefined();
    expect(llmRerankerPreset("mixedbread-ai/mxbai-rerank-large-v1")).toBeUndefined();
    expect(llmRerankerPreset("BAAI/bge-reranker-v2-minicpm")).toBeUndefined();
  });

  it("the presets carry vLLM's overrides and the template of each family", () => {
    expect(llmRerankerPreset("Qwen/Qwen3-Reranker-0.6B")).toEqual({
      family: "Qwen3-Reranker",
      overrides: { classifier_from_token: ["no", "yes"], method: "from_2_way_softmax", is_original_qwen3_reranker: true },
      template: "qwen3-reranker",
    });
    expect(llmRerankerPreset("mixedbread-ai/mxbai-rerank-base-v2")).toEqual({
      family: "mxbai-rerank-v2",
      overrides: { classifier_from_token: ["0", "1"], method: "from_2_way_softmax" },
      template: "mxbai-rerank-v2",
    });
    expect(llmRerankerPreset("BAAI/bge-reranker-v2-gemma")).toEqual({
      family: "bge-reranker-v2-gemma",
      overrides: { classifier_from_token: ["Yes"], method: "no_post_processing" },
      template: "bge-reranker-v2-gemma",
    });
  });
});

describe("a folder's chat_template.jinja", () => {
  const temp = mkdtempSync(join(tmpdir(), "rk-template-source-"));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));
  const files = (dir: string, tokenizerConfig: Record<string, unknown> = {}) => ({ dir, tokenizerConfig }) as unknown as ModelFiles;
  // A score template reads the query / document roles (a generic chat template is skipped).
  const ROLES = "{% if messages[0]['role'] == 'query' and messages[1]['role'] == 'document' %}{{ messages[0].content }}|{{ messages[1].content }}|{% endif %}";

  it("is skipped for false, and loses to a given template", () => {
    writeFileSync(join(temp, "chat_template.jinja"), `${ROLES}`);
    expect(modelScoreTemplate(files(temp), false, "qwen3-reranker")).toBeUndefined();
    expect(modelScoreTemplate(files(temp), "qwen3-reranker", undefined)?.name).toBe("qwen3-reranker");
    expect(modelScoreTemplate(files(temp), undefined, "qwen3-reranker")?.origin).toBe("chat_template.jinja");
  });
});

/** The error `fn` throws (fails the test when it throws none). */
function thrown(fn: () => unknown): Error & { field?: string; path?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { field?: string; path?: string };
  }
  throw new Error("expected an error");
}

describe("the errors name the key or file at fault (field / path, not only the message)", () => {
  it("parseHfOverrides: field is the key, and broken JSON keeps the parser's error as cause", () => {
    const broken = thrown(() => parseHfOverrides("{nope"));
    expect(broken).toBeInstanceOf(InvalidInputError);
    expect(broken.field).toBe("hfOverrides");
    expect(broken.cause).toBeInstanceOf(SyntaxError);
    expect(thrown(() => parseHfOverrides("[1]")).field).toBe("hfOverrides");
    expect(thrown(() => parseHfOverrides({ classifier_from_token: [] })).field).toBe("hfOverrides.classifier_from_token");
    expect(thrown(() => parseHfOverrides({ method: "softmax" as never })).field).toBe("hfOverrides.method");
    expect(thrown(() => parseHfOverrides({ is_original_qwen3_reranker: 1 as never })).field).toBe("hfOverrides.is_original_qwen3_reranker");
  });

  it("tokenChoice: a method without tokens, or a token count that does not fit, names classifier_from_token", () => {
    for (const o of [{ method: "no_post_processing" as const }, { classifier_from_token: ["a"], method: "from_2_way_softmax" as const }, { classifier_from_token: ["a", "b", "c"] }]) {
      const error = thrown(() => tokenChoice(o));
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.field, JSON.stringify(o)).toBe("hfOverrides.classifier_from_token");
    }
  });

  it("the score head: ModelLoadError.path is the model folder or config file", () => {
    expect(thrown(() => headFromTokens({ tokens: ["maybe"], method: "no_post_processing" }, ids, "/models/x")).path).toBe("/models/x");
    expect(thrown(() => headFromLogitScore({}, "/m/3_LogitScore/config.json")).path).toBe("/m/3_LogitScore/config.json");
    expect(thrown(() => headFromLogitScore({ true_token_id: 1, false_token_id: "0" }, "/m/c.json")).path).toBe("/m/c.json");
  });
});

describe("llmRerankerPreset reads owner/name", () => {
  it("empty path parts (a doubled or trailing separator) are not parts", () => {
    expect(llmRerankerPreset("Qwen/Qwen3-Reranker-0.6B//")?.family).toBe("Qwen3-Reranker");
    expect(llmRerankerPreset("C:\\models\\mixedbread-ai\\mxbai-rerank-base-v2\\\\")?.family).toBe("mxbai-rerank-v2");
  });

  it("the two parts are matched with the separator between them, not run together", () => {
    // "bge-reranker-v2-" + "gemma" would read as the gemma reranker if the parts were joined with "".
    expect(llmRerankerPreset("models/bge-reranker-v2-/gemma")).toBeUndefined();
    expect(llmRerankerPreset("qwen3-reranker-/4b")).toBeUndefined();
  });
});

describe("modelScoreTemplate: where the template comes from", () => {
  const temp = mkdtempSync(join(tmpdir(), "rk-template-origin-"));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));
  const files = (dir: string, tokenizerConfig: Record<string, unknown> = {}) => ({ dir, tokenizerConfig }) as unknown as ModelFiles;
  const ROLES = "{% if messages[0]['role'] == 'query' and messages[1]['role'] == 'document' %}{{ messages[0].content }}|{{ messages[1].content }}|{% endif %}";
  let n = 0;
  const folder = () => {
    const dir = join(temp, `m${n++}`);
    mkdirSync(dir);
    return dir;
  };

  it("without chat_template.jinja: tokenizer_config's chat_template, then the preset, then none", () => {
    const dir = folder();
    const fromConfig = modelScoreTemplate(files(dir, { chat_template: `cfg:${ROLES}` }), undefined, "qwen3-reranker");
    expect(fromConfig?.origin).toBe("tokenizer_config.json");
    expect(fromConfig?.render({ query: "q", document: "d" })).toBe("cfg:q|d|");
    expect(modelScoreTemplate(files(dir), undefined, "qwen3-reranker")?.origin).toBe("preset");
    expect(modelScoreTemplate(files(dir), undefined, undefined)).toBeUndefined();
  });

  it("the template sees the tokenizer's special tokens (strings and AddedToken contents)", () => {
    const dir = folder();
    writeFileSync(join(dir, "chat_template.jinja"), `{{ bos_token }}${ROLES}{{ eos_token }}`);
    const template = modelScoreTemplate(files(dir, { bos_token: "<s>", eos_token: { content: "</s>" } }), undefined, undefined);
    expect(template?.render({ query: "q", document: "d" })).toBe("<s>q|d|</s>");
  });

  it("a chat_template.jinja of exactly 1 MiB is read; one byte more is a ModelLoadError naming the file", () => {
    const dir = folder();
    const file = join(dir, "chat_template.jinja");
    // Padded with text lines (a long run of spaces renders in quadratic time).
    writeFileSync(file, ROLES.padEnd(1024 * 1024, `${"x".repeat(63)}\n`));
    expect(modelScoreTemplate(files(dir), undefined, undefined)?.origin).toBe("chat_template.jinja");
    writeFileSync(file, ROLES.padEnd(1024 * 1024 + 1, " "));
    const error = thrown(() => modelScoreTemplate(files(dir), undefined, undefined));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.path).toBe(file);
    expect(error.message).toBe(`Cannot read chat_template.jinja: ${file} is ${1024 * 1024 + 1} bytes, more than the 1048576 bytes a template can hold`);
  });

  it("a chat_template.jinja that is not a regular file is refused as the template file", () => {
    const dir = folder();
    const file = join(dir, "chat_template.jinja");
    mkdirSync(file);
    const error = thrown(() => modelScoreTemplate(files(dir), undefined, "qwen3-reranker"));
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error.message).toBe(`Cannot read chat_template.jinja: ${file} is not a regular file`);
  });

  it.runIf(existsSync("/proc/self/fd"))("closes the file it opened, read or refused (no descriptor left open)", () => {
    const ok = folder();
    writeFileSync(join(ok, "chat_template.jinja"), ROLES);
    const big = folder();
    writeFileSync(join(big, "chat_template.jinja"), ROLES.padEnd(1024 * 1024 + 1, " "));
    const open = () => readdirSync("/proc/self/fd").length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      modelScoreTemplate(files(ok), undefined, undefined);
      expect(() => modelScoreTemplate(files(big), undefined, undefined)).toThrow(ModelLoadError);
    }
    // Other tests of the worker may open a file meanwhile; 40 leaked descriptors would show.
    expect(open() - before).toBeLessThan(10);
  });
});
