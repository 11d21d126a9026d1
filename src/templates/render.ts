import { Environment, Interpreter, Template } from "@huggingface/jinja";
import { InvalidInputError } from "../errors/invalid-input-error.js";

patchEmptyFirst();

/**
 * In jinja2, `[] | first` is Undefined, so vLLM's qwen3_reranker.jinja can chain
 * `messages | selectattr("role", "eq", "system") | map(attribute="content") | first | default(...)`.
 * @huggingface/jinja 0.5.11 returns a bare JS `undefined` there and the next filter crashes, so
 * filters that yield nothing are turned into Jinja's Undefined, as jinja2 does.
 */
function patchEmptyFirst(): void {
  type ApplyFilter = (this: unknown, ...args: unknown[]) => unknown;
  const proto = Interpreter.prototype as unknown as { applyFilter: ApplyFilter & { rerankKitPatched?: true } };
  if (proto.applyFilter.rerankKitPatched) return;
  const undefinedValue = new Environment().lookupVariable("__rerank_kit_undefined__");
  const original = proto.applyFilter;
  const patched: ApplyFilter & { rerankKitPatched?: true } = function (this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    return result === undefined ? undefinedValue : result;
  };
  patched.rerankKitPatched = true;
  proto.applyFilter = patched;
}

/** What a score template is rendered with. */
export interface ScoreTemplateInput {
  /** The query's content (`messages[0]`, role `query`). */
  query: string;
  /** The document's content (`messages[1]`, role `document`). */
  document: string;
  /** The template variable `instruction` (vLLM's per-request `instruction`). Unset when undefined. */
  instruction?: string | undefined;
  /**
   * More template variables (vLLM's `chat_template_kwargs`, transformers' `**kwargs`). They are
   * set after the tokenizer's special tokens, so they may override them; `instruction` wins over
   * a kwarg of the same name.
   */
  kwargs?: Readonly<Record<string, unknown>> | undefined;
  /** The tokenizer's special tokens (`bos_token`, `eos_token`, ...), as transformers passes them. */
  specialTokens?: Readonly<Record<string, string>> | undefined;
}

const compiled = new Map<string, Template>();

function compile(source: string): Template {
  let template = compiled.get(source);
  if (!template) {
    try {
      template = new Template(source);
    } catch (cause) {
      throw new InvalidInputError(`The score template does not parse: ${(cause as Error).message}`, {
        field: "chatTemplate",
        cause,
      });
    }
    if (compiled.size > 64) compiled.clear();
    compiled.set(source, template);
  }
  return template;
}

/**
 * Renders a score template the way transformers' `apply_chat_template(tokenize=False)` does, which
 * is what vLLM calls for `/score` and `/rerank` with `--chat-template`: Jinja with `trim_blocks` and
 * `lstrip_blocks`, one trailing newline of the template text dropped (so a template ending in
 * `</think>\n\n` renders `</think>\n`), `messages` = `[{role: "query"}, {role: "document"}]`,
 * `add_generation_prompt` false, the tokenizer's special tokens, then the kwargs.
 *
 * @throws {InvalidInputError} when the template does not parse or raises (`raise_exception`).
 * @example
 * ```ts
 * renderScoreTemplate("Q: {{ messages[0].content }} D: {{ messages[1].content }}", { query: "q", document: "d" });
 * // "Q: q D: d"
 * ```
 */
export function renderScoreTemplate(source: string, input: ScoreTemplateInput): string {
  const template = compile(source);
  const context: Record<string, unknown> = {
    messages: [
      { role: "query", content: input.query },
      { role: "document", content: input.document },
    ],
    add_generation_prompt: false,
    tools: null,
    documents: null,
    ...input.specialTokens,
    ...input.kwargs,
  };
  if (input.instruction !== undefined) context["instruction"] = input.instruction;
  try {
    return template.render(context);
  } catch (cause) {
    if (cause instanceof InvalidInputError) throw cause;
    throw new InvalidInputError(`The score template failed to render: ${(cause as Error).message}`, {
      field: "chatTemplate",
      cause,
    });
  }
}
