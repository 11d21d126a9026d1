import { BaseLLM, type ChatResponse, type LLMChatParamsNonStreaming, type LLMChatParamsStreaming, type LLMMetadata } from "@llamaindex/core/llms";
import { extractText } from "@llamaindex/core/utils";

/**
 * An offline stand-in LLM for query-engine tests: answers with the prompt it was given, so a
 * test can see which node texts reached the synthesizer. Non-streaming only.
 */
export class EchoLLM extends BaseLLM {
  metadata: LLMMetadata = { model: "echo", temperature: 0, topP: 1, contextWindow: 100_000, tokenizer: undefined, structuredOutput: false };
  prompts: string[] = [];

  chat(params: LLMChatParamsStreaming): Promise<never>;
  chat(params: LLMChatParamsNonStreaming): Promise<ChatResponse>;
  async chat(params: LLMChatParamsNonStreaming | LLMChatParamsStreaming): Promise<ChatResponse> {
    if (params.stream) throw new Error("EchoLLM does not stream");
    const prompt = params.messages.map((m) => extractText(m.content)).join("\n");
    this.prompts.push(prompt);
    return { message: { role: "assistant", content: prompt }, raw: null };
  }
}
