import { InvalidInputError } from "../errors/invalid-input-error.js";
import type { ScoreInput } from "../types.js";
import type { RemoteScoreOptions, ScoreDialect } from "./options.js";
import { promptTemplates, type PromptTemplate, type PromptTemplateName } from "./prompt-templates.js";

/**
 * Resolves the `promptTemplate` option to a template.
 * @throws {InvalidInputError} for an unknown name, a malformed template, or a dialect other than vLLM.
 */
export function resolveTemplate(
  value: PromptTemplate | PromptTemplateName | undefined,
  dialect: ScoreDialect,
): PromptTemplate | undefined {
  if (value === undefined) return undefined;
  if (dialect !== "vllm") {
    throw new InvalidInputError("`promptTemplate` is only supported with the vllm dialect", {
      field: "promptTemplate",
    });
  }
  const template =
    typeof value === "string"
      ? Object.hasOwn(promptTemplates, value)
        ? promptTemplates[value]
        : undefined
      : value;
  if (
    template === undefined ||
    typeof template.formatQuery !== "function" ||
    typeof template.formatDocument !== "function"
  ) {
    throw new InvalidInputError(
      `\`promptTemplate\` must be one of ${Object.keys(promptTemplates).join(", ")} or an object with formatQuery and formatDocument`,
      { field: "promptTemplate" },
    );
  }
  return template;
}

/** Texts and options as they go on the wire. */
export interface SentInputs<O> {
  /** Queries to send. */
  queries: ScoreInput[];
  /** Documents to send. */
  documents: ScoreInput[];
  /** Options to send (without `instruction` when the template consumed it). */
  options: O;
}

/**
 * Formats texts with the template (new arrays; the caller's are untouched). The instruction is
 * written into the prompt, so it is removed from the options sent to the server.
 */
export function applyTemplate<O extends RemoteScoreOptions>(
  template: PromptTemplate | undefined,
  queries: ScoreInput[],
  documents: ScoreInput[],
  options: O,
): SentInputs<O> {
  if (!template) return { queries, documents, options };
  const { instruction, ...rest } = options;
  return {
    queries: queries.map((q) => template.formatQuery(q as string, instruction)),
    documents: documents.map((d) => template.formatDocument(d as string)),
    options: rest as O,
  };
}
