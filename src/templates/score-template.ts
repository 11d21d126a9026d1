import { InvalidInputError } from "../errors/invalid-input-error.js";
import { isScoreTemplatePreset, scoreTemplatePresets, type ScoreTemplatePresetName } from "./presets.js";
import { isRenderBudgetError, renderScoreTemplate, type ScoreTemplateInput } from "./render.js";

/** Where a template came from, for messages and `/v1/models`-style introspection. */
export type ScoreTemplateOrigin = "option" | "chat_template.jinja" | "tokenizer_config.json" | "preset";

// Private-use characters: no real query or document contains them, and they change the render.
const Q_SENTINEL = "\uE000\uE001";
const D_SENTINEL = "\uE002\uE003";
const I_SENTINEL = "\uE004\uE005";

/**
 * Where the contents land in a template's render: the text before the query, between query and
 * document, and after the document. Only linear templates (query once, then document once) have one.
 */
export interface TemplateLayout {
  beforeQuery: string;
  between: string;
  afterDocument: string;
}

/**
 * A parsed score template: renders pairs and knows whether it reads `instruction`, so an
 * instruction the template would ignore is an error instead of being dropped silently.
 */
export class ScoreTemplate {
  /** The Jinja source. */
  readonly source: string;
  /** A name for messages: the preset name, or the file it was read from. */
  readonly name: string;
  /** Where the template came from. */
  readonly origin: ScoreTemplateOrigin;
  /** Whether the render depends on `instruction`. */
  readonly usesInstruction: boolean;
  private readonly specialTokens: Readonly<Record<string, string>> | undefined;

  /**
   * @throws {InvalidInputError} when the source does not parse or does not render a sample pair.
   */
  constructor(
    source: string,
    options: { name?: string; origin?: ScoreTemplateOrigin; specialTokens?: Readonly<Record<string, string>> } = {},
  ) {
    if (typeof source !== "string" || source.length === 0) {
      throw new InvalidInputError("A score template must be a non-empty Jinja string", { field: "chatTemplate" });
    }
    this.source = source;
    this.name = options.name ?? "custom";
    this.origin = options.origin ?? "option";
    this.specialTokens = options.specialTokens;
    const plain = renderScoreTemplate(source, { query: Q_SENTINEL, document: D_SENTINEL, specialTokens: this.specialTokens }, this.name);
    const instructed = renderScoreTemplate(
      source,
      { query: Q_SENTINEL, document: D_SENTINEL, instruction: I_SENTINEL, specialTokens: this.specialTokens },
      this.name,
    );
    this.usesInstruction = plain !== instructed;
  }

  /** A built-in template by name. */
  static preset(name: ScoreTemplatePresetName, specialTokens?: Readonly<Record<string, string>>): ScoreTemplate {
    return new ScoreTemplate(scoreTemplatePresets[name], { name, origin: "preset", specialTokens });
  }

  /**
   * A preset name or a Jinja source, as `--chat-template` / `chatTemplate` accept them.
   * @throws {InvalidInputError} when the source does not parse.
   */
  static from(nameOrSource: string, specialTokens?: Readonly<Record<string, string>>): ScoreTemplate {
    if (isScoreTemplatePreset(nameOrSource)) return ScoreTemplate.preset(nameOrSource, specialTokens);
    return new ScoreTemplate(nameOrSource, { origin: "option", specialTokens });
  }

  /**
   * Renders one pair.
   * @throws {InvalidInputError} when an instruction is given to a template that has no place for
   *   it, or the template raises.
   */
  render(input: Omit<ScoreTemplateInput, "specialTokens">): string {
    this.checkInstruction(input.instruction);
    return renderScoreTemplate(this.source, { ...input, specialTokens: this.specialTokens }, this.name);
  }

  /** @throws {InvalidInputError} when `instruction` is set and this template ignores it. */
  checkInstruction(instruction: string | undefined): void {
    if (instruction !== undefined && !this.usesInstruction) {
      throw new InvalidInputError(`The score template ${this.name} takes no instruction`, { field: "instruction" });
    }
  }

  /**
   * The template's layout for the given variables, or undefined when the query or the document
   * does not appear exactly once, query first (then the render cannot be split into halves).
   */
  layout(vars: Pick<ScoreTemplateInput, "instruction" | "kwargs"> = {}): TemplateLayout | undefined {
    const text = renderScoreTemplate(this.source, { ...vars, query: Q_SENTINEL, document: D_SENTINEL, specialTokens: this.specialTokens }, this.name);
    const q = text.indexOf(Q_SENTINEL);
    const d = text.indexOf(D_SENTINEL);
    if (q < 0 || d < q + Q_SENTINEL.length) return undefined;
    if (text.indexOf(Q_SENTINEL, q + 1) >= 0 || text.indexOf(D_SENTINEL, d + 1) >= 0) return undefined;
    return {
      beforeQuery: text.slice(0, q),
      between: text.slice(q + Q_SENTINEL.length, d),
      afterDocument: text.slice(d + D_SENTINEL.length),
    };
  }
}

/**
 * True when a template is written for scoring (it reads the `query` / `document` roles). A model
 * folder's generic chat template (user / assistant turns, inherited from the base LLM) is not one,
 * and is skipped, as vLLM skips it.
 * @param name the template's name for errors (`chat_template.jinja`).
 * @throws {InvalidInputError} when rendering it exceeds the render budget: such a template is
 *   refused, not skipped.
 */
export function isScoreTemplateSource(source: string, name?: string): boolean {
  if (!/["']query["']/.test(source) || !/["']document["']/.test(source)) return false;
  try {
    const text = renderScoreTemplate(source, { query: Q_SENTINEL, document: D_SENTINEL }, name);
    return text.includes(Q_SENTINEL) && text.includes(D_SENTINEL);
  } catch (error) {
    // A template that exhausts its budget is hostile, not merely another kind of template.
    if (isRenderBudgetError(error)) throw error;
    return false;
  }
}
