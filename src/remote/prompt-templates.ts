import { InvalidInputError } from "../errors/invalid-input-error.js";
import { QWEN3_DEFAULT_INSTRUCTION } from "../templates/presets.js";
import { ScoreTemplate } from "../templates/score-template.js";

export { QWEN3_DEFAULT_INSTRUCTION };

/**
 * Client-side prompts for LLM rerankers, split into the part sent as the query and the part
 * sent as the document. vLLM, serving such a model without a score template, joins the two
 * with no separator (`query + document`), so the joined text is exactly the authors' prompt.
 */
export interface PromptTemplate {
  /** A name for messages and logs. */
  readonly name: string;
  /** The query half of the prompt. */
  formatQuery(query: string, instruction: string | undefined): string;
  /** The document half of the prompt. */
  formatDocument(document: string): string;
}

/**
 * Splits a score template into a query half and a document half: the text between the two
 * contents is cut after its first newline (`<Query>: q\n` | `<Document>: d...`), or right before
 * the document when it has none. The instruction only shapes the query half.
 * @throws {InvalidInputError} when the template is not linear (query once, then document once).
 */
export function promptTemplateFrom(template: ScoreTemplate): PromptTemplate {
  const split = (instruction: string | undefined) => {
    const layout = template.layout({ instruction });
    if (!layout) {
      throw new InvalidInputError(`The score template ${template.name} cannot be split into query and document halves`, {
        field: "promptTemplate",
      });
    }
    const cut = layout.between.indexOf("\n") + 1 || layout.between.length;
    return {
      head: layout.beforeQuery,
      afterQuery: layout.between.slice(0, cut),
      beforeDocument: layout.between.slice(cut),
      tail: layout.afterDocument,
    };
  };
  const plain = split(undefined);
  return {
    name: template.name,
    formatQuery(query, instruction) {
      template.checkInstruction(instruction);
      const parts = instruction === undefined ? plain : split(instruction);
      return parts.head + query + parts.afterQuery;
    },
    formatDocument: (document) => plain.beforeDocument + document + plain.tail,
  };
}

/** Qwen3-Reranker (0.6B/4B/8B): the authors' prompt, from the shared `qwen3-reranker` preset. */
export const qwen3Reranker: PromptTemplate = promptTemplateFrom(ScoreTemplate.preset("qwen3-reranker"));

/** mixedbread-ai/mxbai-rerank-{base,large}-v2, from the shared `mxbai-rerank-v2` preset. */
export const mxbaiRerankV2: PromptTemplate = promptTemplateFrom(ScoreTemplate.preset("mxbai-rerank-v2"));

/**
 * BAAI/bge-reranker-v2-gemma, from the shared preset. `<bos>` is not included: the server's
 * tokenizer adds it. The model has no instruction slot; an instruction is rejected.
 */
export const bgeRerankerV2Gemma: PromptTemplate = promptTemplateFrom(ScoreTemplate.preset("bge-reranker-v2-gemma"));

/** The built-in templates by name. */
export const promptTemplates = {
  "qwen3-reranker": qwen3Reranker,
  "mxbai-rerank-v2": mxbaiRerankV2,
  "bge-reranker-v2-gemma": bgeRerankerV2Gemma,
} as const;

/** Names of the built-in templates. */
export type PromptTemplateName = keyof typeof promptTemplates;
