/**
 * Chat-form prompts (`messages`), as vLLM's chat preprocessing renders them, seen through what
 * reaches the model on `/classify` (the recording fake classifier): text content parts, the
 * tokenizer's special tokens in the template, `chat_template_kwargs`, `continue_final_message`, and
 * the refusals (both flags at once, an untrusted request template, no template at all) with their
 * message, type and `param`.
 */
import { describe, expect, it } from "vitest";
import type { ServerContext } from "../../src/server/context.js";
import { renderChat } from "../../src/server/routes/chat.js";
import { ids, RecordingClassifier } from "./fake-classifier.js";
import { post, start } from "./helpers.js";

/** "role: content <end>" per message, then "<gen>" when the generation prompt is on. */
const TEMPLATE = "{% for m in messages %}{{ m.role }}: {{ m.content }} <end> {% endfor %}{% if add_generation_prompt %}<gen>{% endif %}";
const MESSAGES = [{ role: "user", content: "hi" }];

/** A server over the recording classifier with `TEMPLATE` in its tokenizer_config.json. */
async function serve(tokenizerConfig: Record<string, unknown> = { chat_template: TEMPLATE }, trustRequestChatTemplate = false) {
  const model = new RecordingClassifier(tokenizerConfig);
  const { url } = await start({ scorer: model, trustRequestChatTemplate });
  return { model, url: `${url}/classify` };
}

describe("chat messages on /classify", () => {
  it("joins the text parts of a content list and leaves other parts out", async () => {
    const { model, url } = await serve();
    const content = [
      { type: "text", text: "red apple" },
      // A non-text part contributes nothing, even with a stray `text` field.
      { type: "image_url", image_url: { url: "https://example.com/a.png" }, text: "stray caption" },
      // A text part without text is empty, not an error.
      { type: "text" },
      { type: "text", text: "green pear" },
    ];
    const r = await post(url, { messages: [{ role: "user", content }] });
    expect(r.status).toBe(200);
    expect(model.runs[0]?.sequences).toEqual([ids("user: red apple green pear <end>")]);
  });

  it("gives the template the tokenizer's special tokens and chat_template_kwargs", async () => {
    // transformers 5 passes its seven named tokens (special_tokens_map); an old config's AddedToken
    // object counts by its content.
    const specials = { bos_token: "<s>", eos_token: { __type: "AddedToken", content: "</s>", lstrip: false }, pad_token: "<pad>", unk_token: "<unk>", sep_token: "<sep>", cls_token: "<cls>", mask_token: "<mask>" };
    const template =
      "{{ bos_token }} {{ eos_token }} {{ pad_token }} {{ unk_token }} {{ sep_token }} {{ cls_token }} {{ mask_token }} " +
      "{% if flavour is defined %}{{ flavour }}{% endif %} {% for m in messages %}{{ m.content }}{% endfor %}";
    const { model, url } = await serve({ chat_template: template, ...specials });
    expect((await post(url, { messages: MESSAGES })).status).toBe(200);
    expect(model.runs[0]?.sequences).toEqual([ids("<s> </s> <pad> <unk> <sep> <cls> <mask> hi")]);
    await post(url, { messages: MESSAGES, chat_template_kwargs: { flavour: "salty" } });
    expect(model.runs[1]?.sequences).toEqual([ids("<s> </s> <pad> <unk> <sep> <cls> <mask> salty hi")]);
  });

  it("leaves a special token that tokenizer_config.json sets to null undefined in the template", async () => {
    // Llama's tokenizer_config.json has "pad_token": null; transformers leaves unset tokens out.
    const template = "{% if pad_token is defined %}pad{% endif %} {% if bos_token is defined %}bos{% endif %} {% for m in messages %}{{ m.content }}{% endfor %}";
    const { model, url } = await serve({ chat_template: template, pad_token: null, bos_token: "<s>" });
    expect((await post(url, { messages: MESSAGES })).status).toBe(200);
    expect(model.runs[0]?.sequences).toEqual([ids("bos hi")]);
  });

  it("continue_final_message cuts the prompt right after the final message, which stays open", async () => {
    const { model, url } = await serve();
    const messages = [
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
      { role: "user", content: "more" },
      { role: "assistant", content: "Sure the" },
    ];
    expect((await post(url, { messages, continue_final_message: true })).status).toBe(200);
    expect(model.runs[0]?.sequences).toEqual([ids("user: hi <end> assistant: hello <end> user: more <end> assistant: Sure the")]);
    // false (or absent) renders the whole conversation.
    await post(url, { messages, continue_final_message: false });
    expect(model.runs[1]?.sequences).toEqual([ids("user: hi <end> assistant: hello <end> user: more <end> assistant: Sure the <end>")]);
  });

  it("continue_final_message renders without the generation prompt, and cuts after an empty final message too", async () => {
    const { model, url } = await serve();
    // transformers 5 cuts at its tag even after empty content: "user: hi <end> assistant: ".
    const messages = [{ role: "user", content: "hi" }, { role: "assistant", content: "" }];
    expect((await post(url, { messages, continue_final_message: true })).status).toBe(200);
    expect(model.runs[0]?.sequences).toEqual([ids("user: hi <end> assistant:")]);
  });

  it("continue_final_message with add_generation_prompt is vLLM's validation error", async () => {
    const { model, url } = await serve();
    const r = await post(url, { messages: MESSAGES, continue_final_message: true, add_generation_prompt: true });
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe("Bad Request");
    expect(r.body.error.param).toBe("body");
    expect(r.body.error.message).toMatch(
      /^1 validation error:\n {2}\{'type': 'value_error', 'loc': 'body', 'msg': 'Value error, Cannot set both `continue_final_message` and `add_generation_prompt` to True\.', 'input': /,
    );
    expect(model.runs).toHaveLength(0);
  });

  it("refuses a request's chat_template unless the server trusts request templates", async () => {
    const refused = await serve();
    const chat_template = "{% for m in messages %}{{ m.content }} [request] {% endfor %}";
    const r = await post(refused.url, { messages: MESSAGES, chat_template });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      message: "Chat template is passed with request, but --trust-request-chat-template is not set. Refused request with untrusted chat template.",
      type: "BadRequestError",
      param: null,
      code: 400,
    });
    expect(refused.model.runs).toHaveLength(0);
    const trusted = await serve({ chat_template: TEMPLATE }, true);
    expect((await post(trusted.url, { messages: MESSAGES, chat_template })).status).toBe(200);
    expect(trusted.model.runs[0]?.sequences).toEqual([ids("hi [request]")]);
  });

  it("without any chat template is a 400 naming `messages`", async () => {
    const { model, url } = await serve({});
    const r = await post(url, { messages: MESSAGES });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      message:
        "As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one.",
      type: "BadRequestError",
      param: "messages",
      code: 400,
    });
    expect(model.runs).toHaveLength(0);
  });

  it("renderChat keeps the non-empty text parts of a content list, one per line, as vLLM's string format does", () => {
    const content = [
      { type: "text", text: "red apple" },
      { type: "image_url", image_url: { url: "https://example.com/a.png" }, text: "stray caption" },
      { type: "text", text: "" },
      { type: "text" },
      { type: "input_text", text: "green pear" },
      { type: "output_text", text: "ripe" },
      { type: "refusal", refusal: "no thanks" },
      { type: "thinking", thinking: "hmm" },
    ];
    // Read off vLLM's chat_utils: MM_PARSER_MAP's text types, empty parts dropped, "\n".join(texts).
    expect(renderChat(context("{% for m in messages %}[{{ m.content }}]{% endfor %}"), { messages: [{ role: "user", content }] }, false)).toBe(
      "[red apple\ngreen pear\nripe\nno thanks\nhmm]",
    );
    // A message without content is an empty string to the template (vLLM: None -> []).
    expect(renderChat(context("{% for m in messages %}[{{ m.content is string }}]{% endfor %}"), { messages: [{ role: "assistant" }] }, false)).toBe("[true]");
    expect(renderChat(context("{% for m in messages %}[{{ m.content }}]{% endfor %}"), { messages: [{ role: "assistant" }, { role: "assistant", content: null }] }, false)).toBe("[][]");
  });

  // Expected texts: transformers 5.18 render_jinja_template(..., continue_final_message=True) on the same template and messages.
  it("renderChat continue_final_message cuts where transformers does, also after a template trims the message", () => {
    const plain = context("{% for m in messages %}{{ m.role }}: {{ m.content }} <end> {% endfor %}");
    const chat = (content: string) => ({ messages: [{ role: "user", content: "hi" }, { role: "assistant", content }], continue_final_message: true });
    expect(renderChat(plain, chat("Sure the"), false)).toBe("user: hi <end> assistant: Sure the");
    expect(renderChat(plain, chat("Sure the  "), false)).toBe("user: hi <end> assistant: Sure the  ");
    // The final message equals an earlier one: the cut is after the last, not the first.
    expect(renderChat(plain, chat("hi"), false)).toBe("user: hi <end> assistant: hi");
    const trimming = context("{% for m in messages %}{{ m.role }}: {{ m.content | trim }}|{% endfor %}");
    expect(renderChat(trimming, { messages: [{ role: "user", content: "a b " }], continue_final_message: true }, false)).toBe("user: a b");
    // Leading whitespace the template trims away: transformers looks for the stripped message.
    expect(renderChat(trimming, { messages: [{ role: "user", content: "  a b" }], continue_final_message: true }, false)).toBe("user: a b");
    // The generation prompt is off while continuing, whatever the route's default (transformers
    // refuses both at once): a template that reads it before the messages shows it.
    const prompted = context("{% if add_generation_prompt %}[gen]{% endif %}{% for m in messages %}{{ m.content }}|{% endfor %}");
    expect(renderChat(prompted, { messages: [{ role: "user", content: "hi" }], continue_final_message: true }, true)).toBe("hi");
    expect(renderChat(prompted, { messages: [{ role: "user", content: "hi" }] }, true)).toBe("[gen]hi|");
  });

  it("renderChat continue_final_message refuses a template that drops the final message, or never reads content", () => {
    const cut = context("{% for m in messages %}{{ m.role }}: {{ m.content[:3] }}|{% endfor %}");
    expect(() => renderChat(cut, { messages: [{ role: "user", content: "abcdef" }], continue_final_message: true }, false)).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringMatching(/^continue_final_message is set but the final message does not appear in the chat after applying the chat template! .*Final message to continue: abcdef$/) }),
    );
    const noContent = context("{% for m in messages %}{{ m.role }}: {{ m['text'] }}|{% endfor %}");
    expect(() => renderChat(noContent, { messages: [{ role: "user", content: "abcdef", text: "x" }], continue_final_message: true }, false)).toThrow(
      expect.objectContaining({ status: 400, message: 'continue_final_message is set to "content" but this is not an accepted field in the chat_template' }),
    );
    // The message survives but the tag is cut off; the message names the stripped final text.
    const refusal = (final: string) =>
      "continue_final_message is set but the final message does not appear in the chat after applying the chat template! " +
      "This can happen if the chat template deletes portions of the final message. " +
      `Please verify the chat template and final message in your chat to ensure they are compatible. Final message to continue: ${final}`;
    expect(() => renderChat(cut, { messages: [{ role: "user", content: " ab " }], continue_final_message: true }, false)).toThrow(
      expect.objectContaining({ status: 400, message: refusal("ab") }),
    );
    // The tag survives but part of the message does not.
    const dropping = context("{% for m in messages %}{{ m.content | replace('secret', '') }}|{% endfor %}");
    expect(() => renderChat(dropping, { messages: [{ role: "user", content: "a secret b" }], continue_final_message: true }, false)).toThrow(
      expect.objectContaining({ status: 400, message: refusal("a secret b") }),
    );
    // Without continue_final_message the same templates render.
    expect(renderChat(cut, { messages: [{ role: "user", content: "abcdef" }] }, false)).toBe("user: abc|");
  });

  it("renderChat without messages renders an empty conversation", () => {
    const ctx = {
      options: { tokenizerConfig: { chat_template: "{{ messages | length }} messages" }, chatTemplate: undefined, trustRequestChatTemplate: false },
    } as unknown as ServerContext;
    expect(renderChat(ctx, {}, false)).toBe("0 messages");
  });
});

/** A server context whose tokenizer_config.json holds `template` and nothing else. */
function context(template: string): ServerContext {
  return { options: { tokenizerConfig: { chat_template: template }, chatTemplate: undefined, trustRequestChatTemplate: false } } as unknown as ServerContext;
}
