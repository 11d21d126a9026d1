import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { compileTemplate, renderBudgeted } from "../../templates/render.js";
import type { ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import { validationErrors } from "../http/validation.js";

/** The chat-form fields of `/v1/embeddings`, `/pooling` and `/tokenize`. */
export interface ChatFields {
  messages?: unknown[] | undefined;
  add_generation_prompt?: boolean | null | undefined;
  continue_final_message?: boolean | null | undefined;
  chat_template?: string | null | undefined;
  chat_template_kwargs?: Record<string, unknown> | null | undefined;
}

/**
 * Renders chat `messages` to the prompt text, as vLLM's chat preprocessing does with the server's
 * chat template (`createServer({ chatTemplate })`, else the tokenizer's `chat_template`):
 * `add_generation_prompt` appends the assistant prefix; `continue_final_message` cuts the text
 * right after the last message's content so it stays open. Both at once is vLLM's validation error.
 * @throws {HttpError} 400 without a template, for an untrusted request template, or a render error.
 * @throws {InvalidInputError} (a 400) when the template does not parse, its runs of whitespace
 *   exceed the lexing bound, or its render exceeds the score templates' render budget (render.ts:
 *   `range()` of at most 100,000 items, 100,000 evaluated nodes, 32 Mi characters or items), as a
 *   model's or a trusted request's template with nested loops would otherwise block the event loop.
 */
export function renderChat(ctx: ServerContext, body: ChatFields, defaultAddGenerationPrompt: boolean): string {
  if (body.continue_final_message && body.add_generation_prompt) {
    // A model validator in vLLM, so it surfaces as a request-validation error.
    throw validationErrors([
      { type: "value_error", loc: ["body"], msg: "Value error, Cannot set both `continue_final_message` and `add_generation_prompt` to True.", input: body },
    ]);
  }
  if (body.chat_template && !ctx.options.trustRequestChatTemplate) {
    throw badRequest(
      "Chat template is passed with request, but --trust-request-chat-template is not set. Refused request with untrusted chat template.",
    );
  }
  const tokenizerConfig = ctx.options.tokenizerConfig;
  const own = typeof tokenizerConfig["chat_template"] === "string" ? tokenizerConfig["chat_template"] : undefined;
  const [source, name] = body.chat_template != null
    ? [body.chat_template, "request chat_template"]
    : ctx.options.chatTemplate != null
      ? [ctx.options.chatTemplate, "server chatTemplate (--chat-template)"]
      : [own, "tokenizer_config.json chat_template"];
  if (!source) {
    throw badRequest(
      "As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one.",
      "messages",
    );
  }
  // Parsed once per source in the shared bounded cache, and refused (InvalidInputError: 400)
  // when its whitespace would take the lexer minutes, as score templates are.
  const template = compileTemplate(source, "chat template", name);
  const messages = (body.messages ?? []).map((m) => {
    const msg = m as { role: string; content?: unknown };
    // Text parts are joined, as vLLM's "string" content format does for text-only models.
    const content = Array.isArray(msg.content)
      ? msg.content.map((p) => ((p as { type?: string }).type === "text" ? String((p as { text?: unknown }).text ?? "") : "")).join("\n")
      : msg.content;
    return { ...msg, content };
  });
  const specials: Record<string, unknown> = {};
  for (const key of ["bos_token", "eos_token", "pad_token", "unk_token", "sep_token", "cls_token"]) {
    const v = tokenizerConfig[key];
    if (typeof v === "string") specials[key] = v;
  }
  const continueFinal = body.continue_final_message === true;
  const addGenerationPrompt = continueFinal ? false : (body.add_generation_prompt ?? defaultAddGenerationPrompt);
  let text: string;
  try {
    text = renderBudgeted(template, { ...specials, ...(body.chat_template_kwargs ?? {}), messages, add_generation_prompt: addGenerationPrompt }, "chat template", name);
  } catch (error) {
    // Over budget: the typed error (a 400) naming the template and the limit.
    if (error instanceof InvalidInputError) throw error;
    throw badRequest(`Chat template error: ${(error as Error).message}`);
  }
  if (continueFinal) {
    const last = messages.at(-1)?.content;
    if (typeof last === "string" && last && text.includes(last)) text = text.slice(0, text.lastIndexOf(last) + last.length);
  }
  return text;
}
