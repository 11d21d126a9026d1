import { Environment, Interpreter, Template } from "@huggingface/jinja";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { whitespaceProblem } from "./whitespace-bound.js";

/** A render's budget: renders are synchronous, so one is in progress at a time per thread. */
interface Budget {
  steps: number;
  /** What errors call the template: `score template chat_template.jinja`, `chat template ...`. */
  label: string;
  exceeded?: string;
}

/**
 * The budget of the render in progress. The holder hangs on the patched interpreter, so a second
 * copy of this module in the process (two rerank-kit versions sharing one @huggingface/jinja)
 * adopts it instead of rendering through the first copy's patch with no budget of its own.
 */
let active: { budget?: Budget | undefined } = {};

patchEmptyFirst();
patchBudget();

/**
 * jinja2's sandbox bound on `range()` (`MAX_RANGE`): a longer range is refused before it is built
 * (`range(1000000000)` made V8 abort the process with "invalid size").
 */
export const MAX_RANGE = 100_000;

/**
 * The most template nodes one render evaluates: 100,000. Real score templates take about 20 (the
 * presets) to about 100 (Qwen3's chat template on a query and a document), so this is a thousand
 * times that; @huggingface/jinja evaluates roughly 30,000-100,000 nodes a second inside loops, so
 * a template with nested loops stops within a few seconds instead of never. The server's chat
 * templates render under it too (`renderBudgeted`): Qwen3's chat template costs about 49 nodes
 * a message, so one chat input renders up to about 2,000 messages.
 */
export const MAX_RENDER_STEPS = 100_000;

/**
 * The longest string or list a render may build: 32 Mi characters or items. A rendered prompt is
 * the query and document plus the template's text; longer values come from a template that
 * multiplies or doubles strings, and V8 fails at 512 Mi characters (first using gigabytes).
 */
export const MAX_RENDER_SIZE = 32 * 1024 * 1024;

function overBudget(what: string): InvalidInputError {
  // Once exceeded, every later step fails too, even if the interpreter catches the first error.
  if (active.budget) active.budget.exceeded ??= what;
  return new InvalidInputError(`The ${active.budget?.label ?? "score template custom"} exceeded its render budget: ${active.budget?.exceeded ?? what}`, {
    field: "chatTemplate",
  });
}

/**
 * Counts every node the interpreter evaluates and checks the size of what it built, while a
 * budget is set: @huggingface/jinja has no sandbox of its own.
 */
function patchBudget(): void {
  type Evaluate = (this: unknown, ...args: unknown[]) => { type?: string; value?: unknown };
  // `true` marks the patch of an older copy, which kept its budget to itself: patch on top of it.
  const proto = Interpreter.prototype as unknown as { evaluate: Evaluate & { rerankKitBudget?: typeof active | true } };
  const marker = proto.evaluate.rerankKitBudget;
  if (typeof marker === "object") {
    active = marker;
    return;
  }
  const original = proto.evaluate;
  // A for loop costs a step per item before its body runs (the interpreter prepares a scope for
  // every item first), so the items of each loop's iterable are charged when it is evaluated.
  const loopIterables = new WeakSet<object>();
  const patched: Evaluate & { rerankKitBudget?: typeof active } = function (this: unknown, ...args: unknown[]) {
    if (active.budget?.exceeded !== undefined) throw overBudget(active.budget.exceeded);
    if (active.budget && ++active.budget.steps > MAX_RENDER_STEPS) throw overBudget(`more than ${MAX_RENDER_STEPS} steps`);
    const node = args[0] as { type?: string; iterable?: { type?: string; lhs?: object } } | undefined;
    if (active.budget && node?.type === "For" && node.iterable) {
      loopIterables.add(node.iterable.type === "SelectExpression" && node.iterable.lhs ? node.iterable.lhs : node.iterable);
    }
    const result = original.apply(this, args);
    const value = result?.value;
    if (active.budget && (typeof value === "string" || Array.isArray(value)) && value.length > MAX_RENDER_SIZE) {
      throw overBudget(`a value of more than ${MAX_RENDER_SIZE} ${typeof value === "string" ? "characters" : "items"}`);
    }
    if (active.budget && node && loopIterables.has(node) && (Array.isArray(value) || value instanceof Map)) {
      active.budget.steps += Array.isArray(value) ? value.length : value.size;
      if (active.budget.steps > MAX_RENDER_STEPS) throw overBudget(`more than ${MAX_RENDER_STEPS} steps`);
    }
    return result;
  };
  patched.rerankKitBudget = active;
  proto.evaluate = patched;
  // The global `range` is set by Template.render on a fresh Environment: swap in the bounded one
  // while a budget is active (the context cannot redeclare a global).
  type SetVariable = (this: unknown, name: string, value: unknown) => unknown;
  const env = Environment.prototype as unknown as { set: SetVariable };
  const set = env.set;
  env.set = function (this: unknown, name: string, value: unknown) {
    return set.call(this, name, active.budget && name === "range" && typeof value === "function" ? safeRange : value);
  };
}

/** `range()` as jinja2's sandbox has it: at most {@link MAX_RANGE} items. */
function safeRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (![start, stop, step].every((n) => Number.isInteger(n))) throw new Error("range() takes integers");
  if (step === 0) throw new Error("range() step must not be zero");
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length > MAX_RANGE) throw overBudget(`range() of ${length} items; the sandbox allows at most ${MAX_RANGE}`);
  return Array.from({ length }, (_, i) => start + i * step);
}

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

/**
 * Parses a Jinja template once (the last 64 sources are kept). A template whose runs of whitespace
 * the library would lex in quadratic time is refused before the library sees it (the bound,
 * `MAX_WHITESPACE_COST`, and why are in whitespace-bound.ts); any other reaches it unchanged.
 * @param kind `score template` or `chat template`, for errors.
 * @param name the template's name for the whitespace error (`chat_template.jinja`), if it has one.
 * @throws {InvalidInputError} (field `chatTemplate`) when the template does not parse, or exceeds
 *   the whitespace bound (a render-budget error naming the template and its longest run).
 */
export function compileTemplate(source: string, kind: "score template" | "chat template", name?: string): Template {
  let template = compiled.get(source);
  if (!template) {
    const problem = whitespaceProblem(source);
    if (problem) {
      throw new InvalidInputError(`The ${kind}${name === undefined ? "" : ` ${name}`} exceeded its render budget: ${problem}`, { field: "chatTemplate" });
    }
    try {
      template = new Template(source);
    } catch (cause) {
      throw new InvalidInputError(`The ${kind} does not parse: ${(cause as Error).message}`, { field: "chatTemplate", cause });
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
 * Rendering is budgeted as jinja2's sandbox bounds it: `range()` of at most 100,000 items
 * (`MAX_RANGE`), at most 100,000 evaluated nodes, no string or list longer than 32 Mi characters
 * or items; applied on every render (at load and per request). Before that, a template whose runs
 * of whitespace would take the library's lexer minutes to read is refused (`compileTemplate`).
 * @param name the template's name, for errors (`chat_template.jinja`, a preset name).
 * @throws {InvalidInputError} when the template does not parse, raises (`raise_exception`), or
 *   exceeds its render budget (the message names the template and the limit).
 * @example
 * ```ts
 * renderScoreTemplate("Q: {{ messages[0].content }} D: {{ messages[1].content }}", { query: "q", document: "d" });
 * // "Q: q D: d"
 * ```
 */
export function renderScoreTemplate(source: string, input: ScoreTemplateInput, name = "custom"): string {
  const template = compileTemplate(source, "score template", name);
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
    return renderBudgeted(template, context, "score template", name);
  } catch (cause) {
    if (cause instanceof InvalidInputError) throw cause;
    throw new InvalidInputError(`The score template failed to render: ${(cause as Error).message}`, {
      field: "chatTemplate",
      cause,
    });
  }
}

/**
 * Renders a parsed template under the render budget (`MAX_RANGE`, `MAX_RENDER_STEPS`,
 * `MAX_RENDER_SIZE`), the one way rerank-kit renders Jinja: score templates and the server's chat
 * templates alike, since both may come from a downloaded model or a caller and
 * @huggingface/jinja has no sandbox of its own to stop nested loops.
 * @param kind `score template` or `chat template`, for errors.
 * @param name the template's name for errors (`chat_template.jinja`, `request chat_template`).
 * @throws {InvalidInputError} (field `chatTemplate`) when the render exceeds its budget: "The
 *   {kind} {name} exceeded its render budget: {what}". Any other error of the template (an
 *   undefined filter, `raise_exception`) is rethrown as the library threw it, for the caller to word.
 */
export function renderBudgeted(template: Template, context: Record<string, unknown>, kind: "score template" | "chat template", name: string): string {
  active.budget = { steps: 0, label: `${kind} ${name}` };
  try {
    return template.render(context);
  } catch (cause) {
    // V8's own limits (string length, call stack) reached by a runaway template.
    if (cause instanceof RangeError) throw overBudget(`${cause.message}`);
    throw cause;
  } finally {
    active.budget = undefined;
  }
}

/** True for the error {@link renderScoreTemplate} throws when a render exceeds its budget. */
export function isRenderBudgetError(error: unknown): boolean {
  return error instanceof InvalidInputError && /exceeded its render budget/.test(error.message);
}
