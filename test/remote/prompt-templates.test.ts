import { describe, expect, it } from "vitest";
import { bgeRerankerV2Gemma, mxbaiRerankV2, qwen3Reranker } from "../../src/remote/index.js";

// The authors' prompts, written out from their model cards and reference code.
describe("LLM reranker prompt templates", () => {
  it("Qwen3-Reranker: prefix, single-newline body with the default instruction, think suffix", () => {
    const prompt = qwen3Reranker.formatQuery("Q?", undefined) + qwen3Reranker.formatDocument("D.");
    expect(prompt).toBe(
      "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. " +
        'Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n' +
        "<Instruct>: Given a web search query, retrieve relevant passages that answer the query\n<Query>: Q?\n<Document>: D." +
        "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
    );
  });

  it("mxbai-rerank-v2: Qwen system turn, query/document lines, task prompt, assistant turn", () => {
    const task =
      "You are a search relevance expert who evaluates how well documents match search queries. For each query-document pair, " +
      "carefully analyze the semantic relationship between them, then provide your binary relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:";
    const head = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n";
    expect(mxbaiRerankV2.formatQuery("Q", undefined) + mxbaiRerankV2.formatDocument("D")).toBe(
      `${head}query: Q\ndocument: D\n${task}<|im_end|>\n<|im_start|>assistant\n`,
    );
    expect(mxbaiRerankV2.formatQuery("Q", "I")).toBe(`${head}instruction: I\nquery: Q\n`);
  });

  it("bge-reranker-v2-gemma: A/B lines and the Yes/No question, no <bos>, no instruction", () => {
    expect(bgeRerankerV2Gemma.formatQuery("Q", undefined) + bgeRerankerV2Gemma.formatDocument("P")).toBe(
      "A: Q\nB: P\nGiven a query A and a passage B, determine whether the passage contains an answer to the query by providing a prediction of either 'Yes' or 'No'.",
    );
    expect(() => bgeRerankerV2Gemma.formatQuery("Q", "I")).toThrow(/no instruction/);
  });
});
