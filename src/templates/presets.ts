/**
 * Score templates for the LLM rerankers whose prompt formats their authors document
 * (their model cards and reference code). Each renders the authors' string exactly: where the authors' prompt
 * ends in a newline, the template text ends in one more, because rendering drops one
 * (transformers' Jinja settings). vLLM's example templates do not, so they lose that newline.
 */

const QUERY = '{{ (messages | selectattr("role", "eq", "query") | first).content }}';
const DOCUMENT = '{{ (messages | selectattr("role", "eq", "document") | first).content }}';

/** Qwen3-Reranker's default instruction. */
export const QWEN3_DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query";

/**
 * Qwen3-Reranker (0.6B / 4B / 8B): QwenLM/Qwen3-Embedding's transformers prompt, single `\n`
 * separators, the `<think>\n\n</think>\n\n` suffix, the web-search instruction by default.
 */
const qwen3Reranker =
  "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct " +
  'provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n' +
  `<Instruct>: {{ instruction | default("${QWEN3_DEFAULT_INSTRUCTION}", true) }}\n` +
  `<Query>: ${QUERY}\n<Document>: ${DOCUMENT}` +
  "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n\n";

/** mixedbread-ai/mxbai-rerank-{base,large}-v2 (mxbai_rerank_v2.py), with its optional instruction line. */
const mxbaiRerankV2 =
  "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
  "<|im_start|>user\n{% if instruction %}instruction: {{ instruction }}\n{% endif %}" +
  `query: ${QUERY}\ndocument: ${DOCUMENT}\n` +
  "You are a search relevance expert who evaluates how well documents match search queries. For each " +
  "query-document pair, carefully analyze the semantic relationship between them, then provide your binary " +
  "relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:<|im_end|>\n<|im_start|>assistant\n\n";

/** BAAI/bge-reranker-v2-gemma (FlagEmbedding). `<bos>` comes from the tokenizer. No instruction. */
const bgeRerankerV2Gemma =
  `A: ${QUERY}\nB: ${DOCUMENT}\n` +
  "Given a query A and a passage B, determine whether the passage contains an answer to the query by providing " +
  "a prediction of either 'Yes' or 'No'.";

/** nvidia/llama-nemotron-rerank style encoder prompt: `question:{q} \n \n passage:{d}`. No instruction. */
const nemotronRerank = `question:${QUERY} \n \n passage:${DOCUMENT}`;

/** The built-in score templates (Jinja sources) by name. */
export const scoreTemplatePresets = {
  "qwen3-reranker": qwen3Reranker,
  "mxbai-rerank-v2": mxbaiRerankV2,
  "bge-reranker-v2-gemma": bgeRerankerV2Gemma,
  "nemotron-rerank": nemotronRerank,
} as const;

/** Names of the built-in score templates. */
export type ScoreTemplatePresetName = keyof typeof scoreTemplatePresets;

/** True when `name` is a built-in score template. */
export function isScoreTemplatePreset(name: string): name is ScoreTemplatePresetName {
  return Object.hasOwn(scoreTemplatePresets, name);
}
