import { InvalidInputError } from "../errors/invalid-input-error.js";

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

/** Qwen3-Reranker's default instruction. */
export const QWEN3_DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query";

const QWEN3_PREFIX =
  "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct " +
  'provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n';
const QWEN3_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";

/**
 * Qwen3-Reranker (0.6B/4B/8B): the authors' transformers prompt with single `\n` separators and
 * the full `<think>\n\n</think>\n\n` suffix (QwenLM/Qwen3-Embedding README).
 */
export const qwen3Reranker: PromptTemplate = {
  name: "qwen3-reranker",
  formatQuery: (query, instruction) =>
    `${QWEN3_PREFIX}<Instruct>: ${instruction ?? QWEN3_DEFAULT_INSTRUCTION}\n<Query>: ${query}\n`,
  formatDocument: (document) => `<Document>: ${document}${QWEN3_SUFFIX}`,
};

const MXBAI_PREFIX =
  "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n";
const MXBAI_TASK =
  "You are a search relevance expert who evaluates how well documents match search queries. For each " +
  "query-document pair, carefully analyze the semantic relationship between them, then provide your binary " +
  "relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:";
const MXBAI_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n";

/** mixedbread-ai/mxbai-rerank-{base,large}-v2 (mxbai_rerank_v2.py). */
export const mxbaiRerankV2: PromptTemplate = {
  name: "mxbai-rerank-v2",
  formatQuery: (query, instruction) =>
    `${MXBAI_PREFIX}${instruction ? `instruction: ${instruction}\n` : ""}query: ${query}\n`,
  formatDocument: (document) => `document: ${document}\n${MXBAI_TASK}${MXBAI_SUFFIX}`,
};

const GEMMA_TASK =
  "Given a query A and a passage B, determine whether the passage contains an answer to the query by providing " +
  "a prediction of either 'Yes' or 'No'.";

/**
 * BAAI/bge-reranker-v2-gemma (FlagEmbedding). `<bos>` is not included: the server's tokenizer
 * adds it. The model has no instruction slot; an instruction is rejected.
 */
export const bgeRerankerV2Gemma: PromptTemplate = {
  name: "bge-reranker-v2-gemma",
  formatQuery: (query, instruction) => {
    if (instruction !== undefined) throw new InvalidInputError("bge-reranker-v2-gemma takes no instruction", { field: "instruction" });
    return `A: ${query}\n`;
  },
  formatDocument: (document) => `B: ${document}\n${GEMMA_TASK}`,
};

/** The built-in templates by name. */
export const promptTemplates = {
  "qwen3-reranker": qwen3Reranker,
  "mxbai-rerank-v2": mxbaiRerankV2,
  "bge-reranker-v2-gemma": bgeRerankerV2Gemma,
} as const;

/** Names of the built-in templates. */
export type PromptTemplateName = keyof typeof promptTemplates;
