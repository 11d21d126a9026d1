import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { compileTemplate, renderBudgeted } from "../../templates/render.js";
import { specialTokens } from "../../templates/special-tokens.js";
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
 * right after the last message's content so it stays open, as transformers 5 does. Both at once is
 * vLLM's validation error. Content lists keep their text parts only, one per line, and the template
 * sees the tokenizer's special tokens, as vLLM's "string" content format and transformers give them.
 * @throws {HttpError} 400 without a template, for an untrusted request template, a render error, or
 *   a `continue_final_message` the template cannot continue (it never reads `content`, or drops
 *   part of the final message).
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
    const content = Array.isArray(msg.content) ? joinTextParts(msg.content) : (msg.content ?? "");
    return { ...msg, content };
  });
  const specials = specialTokens(tokenizerConfig);
  const continueFinal = body.continue_final_message === true;
  const addGenerationPrompt = continueFinal ? false : (body.add_generation_prompt ?? defaultAddGenerationPrompt);
  const final = continueFinal ? finalMessageToContinue(messages, source) : undefined;
  let text: string;
  try {
    text = renderBudgeted(template, { ...specials, ...(body.chat_template_kwargs ?? {}), messages, add_generation_prompt: addGenerationPrompt }, "chat template", name);
  } catch (error) {
    // Over budget: the typed error (a 400) naming the template and the limit.
    if (error instanceof InvalidInputError) throw error;
    throw badRequest(`Chat template error: ${(error as Error).message}`);
  }
  return final === undefined ? text : cutAfterFinalMessage(text, final);
}

/**
 * The content part types whose text vLLM keeps in a text prompt, and the field that holds it. Other
 * parts (images, audio) reach a text-only model as nothing, not as an empty line.
 */
const TEXT_PARTS: Readonly<Record<string, string>> = { text: "text", input_text: "text", output_text: "text", refusal: "refusal", thinking: "thinking" };

/** A content list as vLLM's "string" content format joins it: the non-empty text parts, one per line. */
function joinTextParts(parts: unknown[]): string {
  const texts: string[] = [];
  for (const p of parts) {
    const part = p as Record<string, unknown>;
    const field = typeof part["type"] === "string" ? TEXT_PARTS[part["type"]] : undefined;
    const text = field === undefined ? undefined : part[field];
    if (typeof text === "string" && text) texts.push(text);
  }
  return texts.join("\n");
}

/**
 * transformers (5.x) marks the final message's end with this tag before rendering, then cuts the
 * render there: the cut lands right after the message whatever text the template puts around it.
 */
const CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG ";

/**
 * Appends transformers' tag to the final message (in place) and returns the message's text.
 * @throws {HttpError} 400, with transformers' message, when the template never reads `content`.
 */
function finalMessageToContinue(messages: Array<{ content: unknown }>, source: string): string | undefined {
  const last = messages.at(-1);
  if (!last) return undefined;
  if (!source.includes("content")) {
    throw badRequest('continue_final_message is set to "content" but this is not an accepted field in the chat_template');
  }
  const final = String(last.content);
  last.content = final + CONTINUE_TAG;
  return final;
}

/**
 * The render cut at the tag, as transformers cuts it: before the tag, and with trailing
 * whitespace dropped when the template trimmed the message's own.
 * @throws {HttpError} 400 when the template dropped part of the final message or the tag.
 */
function cutAfterFinalMessage(text: string, final: string): string {
  const tag = CONTINUE_TAG.trim();
  if (!text.includes(final.trim()) || !text.includes(tag)) {
    throw badRequest(
      "continue_final_message is set but the final message does not appear in the chat after applying the chat template! " +
        "This can happen if the chat template deletes portions of the final message. " +
        `Please verify the chat template and final message in your chat to ensure they are compatible. Final message to continue: ${final.trim()}`,
    );
  }
  const at = text.lastIndexOf(tag);
  return text.startsWith(CONTINUE_TAG, at) ? text.slice(0, at) : text.slice(0, at).trimEnd();
}
