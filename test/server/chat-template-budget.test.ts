/**
 * The server's chat templates (a request's chat_template with trustRequestChatTemplate, the
 * server's chatTemplate = the CLI's --chat-template for encoders, the tokenizer's chat_template)
 * render under the score templates' render budget (render.ts). Without it a template with nested
 * loops ran synchronously on the event loop without bound: the server answered nothing else.
 */
import { Template } from "@huggingface/jinja";
import { describe, expect, it } from "vitest";
import type { ServerContext } from "../../src/server/context.js";
import { renderChat } from "../../src/server/routes/chat.js";
import { MAX_RANGE, MAX_RENDER_STEPS } from "../../src/templates/render.js";
import { FakeBiEncoder } from "./fakes.js";
import { post, start } from "./helpers.js";
import { genuineChatTemplates } from "../fixtures/genuine-templates.js";

/**
 * The stated bound: an over-budget template is answered within 2 s of CPU. CPU time, not wall
 * time: the shared 2-core machine's wall time was up to 30 times its CPU time. The server runs in
 * this process (vitest gives each file its own), so this counts the server's work.
 */
const BOUND_MS = 2000;

/** CPU time used by this process so far, in ms (user + system). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** A bi-encoder whose model files declare `chat_template`, as a downloaded model's tokenizer_config.json does. */
class ModelWithTemplate extends FakeBiEncoder {
  readonly modelConfig = {};
  readonly sentenceTransformersPrompts = {};
  readonly tokenizerConfig: Record<string, unknown>;
  constructor(chatTemplate: string) {
    super();
    this.tokenizerConfig = { chat_template: chatTemplate };
  }
}

const messages = [{ role: "user", content: "hello" }];
/** 10^10 iterations: never ends without the budget (the loop's 100,000 items are charged at once). */
const HUGE = "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}";
/** 10^6 iterations: each range is small, so the step count stops it (about 10-30 s without the budget). */
const NESTED = "{% for m in messages %}{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}{% endfor %}";

async function refusedInTime(url: string, body: unknown): Promise<string> {
  const started = cpuMs();
  const r = await post(url, body);
  expect(cpuMs() - started).toBeLessThan(BOUND_MS);
  expect(r.status).toBe(400);
  expect(r.body.error.type).toBe("BadRequestError");
  return r.body.error.message as string;
}

describe("chat templates render under the render budget", () => {
  it("a trusted request's chat_template with nested loops is a 400 naming it and the limit, within 2 s, on each chat route", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), trustRequestChatTemplate: true });
    for (const path of ["/tokenize", "/v1/embeddings", "/pooling"]) {
      for (const chat_template of [HUGE, NESTED]) {
        expect(await refusedInTime(`${url}${path}`, { messages, chat_template }), path).toBe(
          `The chat template request chat_template exceeded its render budget: more than ${MAX_RENDER_STEPS} steps`,
        );
      }
    }
    const range = await refusedInTime(`${url}/tokenize`, { messages, chat_template: "{% for a in range(1000000000) %}{% endfor %}" });
    expect(range).toBe(`The chat template request chat_template exceeded its render budget: range() of 1000000000 items; the sandbox allows at most ${MAX_RANGE}`);
    // The budget is per render: the same server still renders a genuine template afterwards.
    const ok = await post(`${url}/tokenize`, { messages, chat_template: "{% for m in messages %}{{ m.content }}{% endfor %}" });
    expect(ok.status).toBe(200);
    expect(ok.body.count).toBe(1);
  });

  it("a model's own chat_template (tokenizer_config.json) with nested loops is a 400 naming it, within 2 s", async () => {
    const { url } = await start({ scorer: new ModelWithTemplate(HUGE) });
    expect(await refusedInTime(`${url}/tokenize`, { messages })).toBe(
      `The chat template tokenizer_config.json chat_template exceeded its render budget: more than ${MAX_RENDER_STEPS} steps`,
    );
    const nested = await start({ scorer: new ModelWithTemplate(NESTED) });
    expect(await refusedInTime(`${nested.url}/v1/embeddings`, { messages })).toMatch(/^The chat template tokenizer_config\.json chat_template exceeded its render budget: more than/);
  });

  it("the server's chatTemplate (the CLI's --chat-template for encoders) is bounded the same way", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), chatTemplate: NESTED });
    expect(await refusedInTime(`${url}/tokenize`, { messages })).toBe(
      `The chat template server chatTemplate (--chat-template) exceeded its render budget: more than ${MAX_RENDER_STEPS} steps`,
    );
  });

  it("a template's own error is still the chat template error it was, not a budget error", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), trustRequestChatTemplate: true });
    const r = await post(`${url}/tokenize`, { messages, chat_template: "{{ raise_exception('no system message') }}" });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^Chat template error: .*no system message/);
  });
});

describe("genuine chat templates render as the library renders them", () => {
  const genuine = genuineChatTemplates;

  it("each renders a conversation byte-identically through the budget, and Qwen3's up to 2,000 messages", () => {
    const conversation = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is  the capital\n of China?" },
      { role: "assistant", content: "Beijing." },
      { role: "user", content: "  And of France?\n\n" },
    ];
    const specials = { bos_token: "<s>", eos_token: "</s>" };
    const sources = genuine();
    expect(sources.length).toBeGreaterThanOrEqual(8);
    let rendered = 0;
    for (const [path, source] of sources) {
      const ctx = { options: { tokenizerConfig: { chat_template: source, ...specials }, chatTemplate: undefined, trustRequestChatTemplate: false } } as unknown as ServerContext;
      for (const add_generation_prompt of [false, true]) {
        let expected: string;
        try {
          expected = new Template(source).render({ ...specials, messages: conversation, add_generation_prompt });
        } catch {
          // A reranker's score template that raises on chat roles: the server reports it as before.
          expect(() => renderChat(ctx, { messages: conversation, add_generation_prompt }, false), path).toThrow(/^Chat template error: /);
          continue;
        }
        expect(renderChat(ctx, { messages: conversation, add_generation_prompt }, false), path).toBe(expected);
        rendered++;
      }
    }
    expect(rendered).toBeGreaterThanOrEqual(8);
    // The budget's reach on a real template: Qwen3's chat template costs about 49 steps a message.
    const qwen3 = sources.find(([path]) => path.includes("Qwen3-Embedding"))![1];
    const ctx = { options: { tokenizerConfig: { chat_template: qwen3 }, chatTemplate: undefined, trustRequestChatTemplate: false } } as unknown as ServerContext;
    const long = Array.from({ length: 2000 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `message ${i}` }));
    expect(renderChat(ctx, { messages: long }, false)).toBe(new Template(qwen3).render({ messages: long, add_generation_prompt: false }));
  });
});
