import type { ScoreTemplatePresetName } from "../../templates/presets.js";
import type { HfOverrides } from "./hf-overrides.js";

/** What rerank-kit knows about an LLM reranker family: vLLM's overrides and the prompt. */
export interface LlmRerankerPreset {
  family: string;
  overrides: HfOverrides;
  template: ScoreTemplatePresetName;
}

// Matched on the repository name (any owner), so Hub mirrors such as
// onnx-community/Qwen3-Reranker-0.6B-ONNX get the same settings as the original.
const PRESETS: Array<{ pattern: RegExp; preset: LlmRerankerPreset }> = [
  {
    pattern: /qwen3-reranker-(0\.6b|4b|8b)/i,
    preset: {
      family: "Qwen3-Reranker",
      overrides: { classifier_from_token: ["no", "yes"], method: "from_2_way_softmax", is_original_qwen3_reranker: true },
      template: "qwen3-reranker",
    },
  },
  {
    pattern: /mxbai-rerank-(xsmall|base|large)-v2/i,
    preset: {
      family: "mxbai-rerank-v2",
      overrides: { classifier_from_token: ["0", "1"], method: "from_2_way_softmax" },
      template: "mxbai-rerank-v2",
    },
  },
  {
    pattern: /bge-reranker-v2-gemma/i,
    preset: {
      family: "bge-reranker-v2-gemma",
      overrides: { classifier_from_token: ["Yes"], method: "no_post_processing" },
      template: "bge-reranker-v2-gemma",
    },
  },
];

/**
 * The preset for a Hub id or folder name, e.g. `Qwen/Qwen3-Reranker-0.6B`,
 * `onnx-community/Qwen3-Reranker-0.6B-ONNX`, `mixedbread-ai/mxbai-rerank-base-v2`,
 * `BAAI/bge-reranker-v2-gemma`. Undefined for anything else.
 */
export function llmRerankerPreset(idOrPath: string): LlmRerankerPreset | undefined {
  const name = idOrPath.replace(/\\/g, "/").split("/").filter(Boolean).slice(-2).join("/");
  return PRESETS.find((p) => p.pattern.test(name))?.preset;
}
