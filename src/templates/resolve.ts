import { ScoreTemplate, isScoreTemplateSource } from "./score-template.js";
import type { ScoreTemplatePresetName } from "./presets.js";

/** The candidate templates for one model, in the order they are tried. */
export interface TemplateSources {
  /** The caller's template: a preset name, a Jinja source, or a parsed template. Always wins. */
  option?: string | ScoreTemplate | undefined;
  /** The model folder's `chat_template.jinja`. */
  folderFile?: string | undefined;
  /** `chat_template` of `tokenizer_config.json` (a string, or a list of `{name, template}`). */
  tokenizerConfig?: unknown;
  /** The preset of a known model id. */
  preset?: ScoreTemplatePresetName | undefined;
  /** The tokenizer's special tokens, passed to the template as transformers does. */
  specialTokens?: Readonly<Record<string, string>> | undefined;
}

/**
 * Picks a model's score template: the explicit option; else the folder's `chat_template.jinja`,
 * else `chat_template` in `tokenizer_config.json`, each only if it is a score template (reads
 * the `query` / `document` roles: a generic chat template inherited from the base LLM is skipped);
 * else the preset. Undefined when there is none.
 * @throws {InvalidInputError} when the explicit template does not parse.
 */
export function resolveScoreTemplate(sources: TemplateSources): ScoreTemplate | undefined {
  const { option, specialTokens } = sources;
  if (option instanceof ScoreTemplate) return option;
  if (typeof option === "string") return ScoreTemplate.from(option, specialTokens);
  if (sources.folderFile && isScoreTemplateSource(sources.folderFile, "chat_template.jinja")) {
    return new ScoreTemplate(sources.folderFile, { name: "chat_template.jinja", origin: "chat_template.jinja", specialTokens });
  }
  for (const source of tokenizerConfigTemplates(sources.tokenizerConfig)) {
    if (isScoreTemplateSource(source, "tokenizer_config.json")) {
      return new ScoreTemplate(source, { name: "tokenizer_config.json", origin: "tokenizer_config.json", specialTokens });
    }
  }
  if (sources.preset) return ScoreTemplate.preset(sources.preset, specialTokens);
  return undefined;
}

function tokenizerConfigTemplates(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) return [];
  // Named templates: "default" first, as transformers picks it.
  const named = value.filter(
    (t): t is { name: string; template: string } =>
      typeof t === "object" && t !== null && typeof (t as { template?: unknown }).template === "string",
  );
  named.sort((a, b) => Number(b.name === "default") - Number(a.name === "default"));
  return named.map((t) => t.template);
}
