/**
 * Templates whose runs of whitespace @huggingface/jinja would lex in quadratic time are refused
 * before the library sees them, at every entry point: a model folder's chat_template.jinja, the
 * tokenizer_config.json chat_template, the caller's scoreTemplate (the CLI's --chat-template for
 * rerankers), and the server's chat templates (createServer's chatTemplate, --chat-template for
 * encoders, a request's chat_template). Without the bound a 32 KiB run of spaces took 1.2 s of CPU
 * to parse and the 1 MiB a chat_template.jinja may hold about 20 minutes; genuine templates are
 * far under it and reach the library unchanged.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/index.js";
import type { ModelFiles } from "../../src/local/files/model-files.js";
import { modelScoreTemplate } from "../../src/local/llm-reranker/template-source.js";
import { scoreTemplatePresets } from "../../src/templates/presets.js";
import { renderScoreTemplate } from "../../src/templates/render.js";
import { ScoreTemplate } from "../../src/templates/score-template.js";
import { MAX_WHITESPACE_COST, whitespaceCost } from "../../src/templates/whitespace-bound.js";
import { FakeBiEncoder } from "../server/fakes.js";
import { post, start } from "../server/helpers.js";
import { genuineChatTemplates } from "../fixtures/genuine-templates.js";

/** The largest chat_template.jinja a folder may hold (template-source.ts reads at most this). */
const FILE_LIMIT = 1024 * 1024;
/** Reads both roles, so the resolver takes it for a score template and renders it. */
const HEAD = "{% if messages[0]['role'] == 'query' and messages[1]['role'] == 'document' %}{% endif %}";
const TAIL = "{{ messages[0].content }}|{{ messages[1].content }}";
/**
 * The stated bound: a hostile template of the size limit is answered within 2 s of CPU. CPU time,
 * not wall time: on the shared 2-core machine at nice 19 the wall time of the same work was up to
 * 30 times its CPU time. Vitest runs each file in its own process, so this is the work done for it.
 */
const BOUND_MS = 2000;

/** CPU time used by this process so far, in ms (user + system). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const temp = mkdtempSync(join(tmpdir(), "rerank-kit-whitespace-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A template of exactly `size` characters: HEAD, then `fill` repeated, then TAIL. */
function template(size: number, fill: string): string {
  const room = size - HEAD.length - TAIL.length;
  return HEAD + fill.repeat(Math.ceil(room / fill.length)).slice(0, room) + TAIL;
}

/** Runs `f`, expecting it to throw within BOUND_MS of CPU; returns the error. */
function refusedInTime(f: () => unknown): Error {
  const started = cpuMs();
  try {
    f();
  } catch (error) {
    expect(cpuMs() - started).toBeLessThan(BOUND_MS);
    return error as Error;
  }
  throw new Error("expected the template to be refused");
}

function folder(files: Record<string, string>): ModelFiles {
  const dir = mkdtempSync(join(temp, "model-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, tokenizerConfig: JSON.parse(files["tokenizer_config.json"] ?? "{}") } as unknown as ModelFiles;
}

describe("the whitespace bound at load", () => {
  it("a chat_template.jinja of the 1 MiB size limit, one run of spaces, is refused within 2 s naming the file", () => {
    const hostile = template(FILE_LIMIT, " ");
    expect(Buffer.byteLength(hostile)).toBe(FILE_LIMIT);
    const files = folder({ "chat_template.jinja": hostile });
    const error = refusedInTime(() => modelScoreTemplate(files, undefined, undefined));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("chatTemplate");
    const run = FILE_LIMIT - HEAD.length - TAIL.length;
    const headAndTail = 15; // HEAD's and TAIL's single spaces, a cost of 1 each
    expect(error.message).toBe(
      `The score template chat_template.jinja exceeded its render budget: its runs of whitespace are too long to parse in bounded time ` +
        `(the longest is ${run} characters, on line 1; the squares of the runs' lengths sum to ${run * run + headAndTail}, more than the ${MAX_WHITESPACE_COST} allowed, ` +
        "because @huggingface/jinja's lexer takes time quadratic in a run's length)",
    );
  });

  it("a 32 KiB run (1.2 s of CPU to lex without the bound) is refused too", () => {
    const error = refusedInTime(() => new ScoreTemplate(template(32 * 1024, " "), { name: "mine.jinja" }));
    expect(error.message).toMatch(/^The score template mine\.jinja exceeded its render budget: its runs of whitespace .*\(the longest is 32\d{3} characters, on line 1;/);
  });

  it("any whitespace counts, as the library's \\s does: newlines, tabs, no-break spaces, line separators", () => {
    for (const fill of ["\n", "\t", " \r\n", "\u00a0", "\u2028", "\ufeff", "\u3000"]) {
      const error = refusedInTime(() => renderScoreTemplate(template(16 * 1024, fill), { query: "q", document: "d" }));
      expect(error.message).toMatch(/exceeded its render budget: its runs of whitespace/);
    }
  });

  it("tokenizer_config.json's chat_template and the caller's scoreTemplate are bounded the same way", () => {
    const hostile = template(FILE_LIMIT, " ");
    const config = folder({ "tokenizer_config.json": JSON.stringify({ chat_template: hostile }) });
    expect(refusedInTime(() => modelScoreTemplate(config, undefined, undefined)).message).toMatch(
      /^The score template tokenizer_config\.json exceeded its render budget: its runs of whitespace/,
    );
    // The option wins over the folder, and is what the CLI's --chat-template becomes for rerankers.
    expect(refusedInTime(() => modelScoreTemplate(folder({}), hostile, undefined)).message).toMatch(
      /^The score template custom exceeded its render budget: its runs of whitespace/,
    );
  });

  it("many runs add up: 1 MiB of 4097-space runs is refused, 1 MiB of 16-space runs (just under the bound) renders within 2 s", () => {
    const long = template(FILE_LIMIT, `x${" ".repeat(4097)}`);
    expect(refusedInTime(() => renderScoreTemplate(long, { query: "q", document: "d" })).message).toMatch(/the longest is 4097 characters, on line 1;/);
    const short = template(FILE_LIMIT, `x${" ".repeat(16)}`);
    expect(whitespaceCost(short).cost).toBeLessThanOrEqual(MAX_WHITESPACE_COST);
    const started = cpuMs();
    const text = renderScoreTemplate(short, { query: "q", document: "d" });
    expect(cpuMs() - started).toBeLessThan(BOUND_MS);
    expect(text.endsWith("q|d")).toBe(true);
  });

  it("the boundary: one run of 4096 spaces (a cost of exactly 2^24) renders as the library renders it, 4097 is refused", () => {
    // No other whitespace in the template, so the one run is the whole cost.
    const at = `{{messages[0].content}}a${" ".repeat(4096)}b{{messages[1].content}}`;
    expect(whitespaceCost(at).cost).toBe(MAX_WHITESPACE_COST);
    const context = { messages: [{ role: "query", content: "q" }, { role: "document", content: "d" }] };
    expect(renderScoreTemplate(at, { query: "q", document: "d" })).toBe(new Template(at).render(context));
    expect(() => renderScoreTemplate(at.replace("a ", "a  "), { query: "q", document: "d" })).toThrow(
      /the longest is 4097 characters, on line 1; the squares of the runs' lengths sum to 16785409/,
    );
  });

  it("names the line of the longest run", () => {
    const source = `{{messages[0].content}}\nline two\n${" ".repeat(10)}x\nline four ${" ".repeat(5000)}{{messages[1].content}}`;
    expect(whitespaceCost(source)).toEqual({ cost: 1 + 1 + 11 * 11 + 1 + 1 + 5001 * 5001, longest: 5001, line: 4 });
    expect(() => renderScoreTemplate(source, { query: "q", document: "d" })).toThrow(/the longest is 5001 characters, on line 4;/);
  });
});

describe("the whitespace bound on the server's chat templates", () => {
  const messages = [{ role: "user", content: "hello" }];
  // 64 KiB: without the bound about 5 s of CPU per request, so the test fails instead of hanging
  // (a 10 MiB request body could hold a run that takes days).
  const hostile = `{% for m in messages %}{{ m.content }}{% endfor %}${" ".repeat(64 * 1024)}`;

  it("a request's own chat_template (with trustRequestChatTemplate) is a 400 naming the problem, within 2 s", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), trustRequestChatTemplate: true });
    for (const path of ["/tokenize", "/v1/embeddings"]) {
      const started = cpuMs();
      const r = await post(`${url}${path}`, { messages, chat_template: hostile });
      expect(cpuMs() - started).toBeLessThan(BOUND_MS);
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/^The chat template request chat_template exceeded its render budget: its runs of whitespace are too long to parse in bounded time \(the longest is 65536 characters/);
    }
    // A fine template still renders on the same server.
    const ok = await post(`${url}/tokenize`, { messages, chat_template: "{% for m in messages %}{{ m.content }}{% endfor %}" });
    expect(ok.status).toBe(200);
    expect(ok.body.count).toBe(1);
    // It now shares the score templates' parser cache and errors: one that does not parse is a
    // 400 (the library's bare SyntaxError was a 500 before).
    const bad = await post(`${url}/tokenize`, { messages, chat_template: "{% if %}" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^The chat template does not parse: \S/);
  });

  it("the server's chatTemplate (the CLI's --chat-template for encoders) is refused the same way", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), chatTemplate: hostile });
    const started = cpuMs();
    const r = await post(`${url}/tokenize`, { messages });
    expect(cpuMs() - started).toBeLessThan(BOUND_MS);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^The chat template server chatTemplate \(--chat-template\) exceeded its render budget: its runs of whitespace/);
  });
});

describe("genuine templates are far under the bound and render as the library renders them", () => {
  /** Every genuine template committed with the tests, and the presets. */
  const genuine = (): Array<[string, string]> => [
    ...Object.entries(scoreTemplatePresets).map(([name, source]): [string, string] => [`preset ${name}`, source]),
    ...genuineChatTemplates(),
  ];

  it("each costs at most a thousandth of the bound and renders byte-identically through the bound", () => {
    const sources = genuine();
    expect(sources.length).toBeGreaterThanOrEqual(10);
    expect(sources.some(([path]) => path.includes("Qwen3-Reranker") && existsSync(path))).toBe(true);
    const context = {
      messages: [
        { role: "query", content: "What is  the capital\n of China?" },
        { role: "document", content: "  Beijing.\n\n" },
      ],
      add_generation_prompt: false,
      tools: null,
      documents: null,
      instruction: "Find the answer",
      bos_token: "<s>",
      eos_token: "</s>",
    };
    for (const [path, source] of sources) {
      expect(whitespaceCost(source).cost, path).toBeLessThan(MAX_WHITESPACE_COST / 1000);
      const { messages, instruction, bos_token, eos_token } = context;
      const ours = renderScoreTemplate(source, {
        query: messages[0]!.content,
        document: messages[1]!.content,
        instruction,
        specialTokens: { bos_token, eos_token },
      });
      expect(ours, path).toBe(new Template(source).render(context));
    }
  });
});
