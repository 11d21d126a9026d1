import { describe, expect, it } from "vitest";
import { InvalidInputError, ModelLoadError } from "../../src/index.js";
import { parseHfOverrides, tokenChoice } from "../../src/local/llm-reranker/hf-overrides.js";
import { llmRerankerPreset } from "../../src/local/llm-reranker/presets.js";
import { headFromLogitScore, headFromTokens } from "../../src/local/llm-reranker/score-head.js";

const vocab: Record<string, number> = { no: 7, yes: 9, "0": 20, "1": 21, Yes: 30 };
const ids = (t: string) => vocab[t];

describe("vLLM hf_overrides", () => {
  it("is_original_qwen3_reranker means [no, yes] from_2_way_softmax: logit[yes] - logit[no]", () => {
    const o = parseHfOverrides('{"architectures":["Qwen3ForSequenceClassification"],"classifier_from_token":["no","yes"],"is_original_qwen3_reranker":true}');
    expect(headFromTokens(tokenChoice(o)!, ids, "m").rows).toEqual([
      { tokenId: 9, coefficient: 1 },
      { tokenId: 7, coefficient: -1 },
    ]);
  });
  it("mxbai ['0','1'] from_2_way_softmax puts the true token second", () => {
    const o = parseHfOverrides({ classifier_from_token: ["0", "1"], method: "from_2_way_softmax" });
    expect(headFromTokens(tokenChoice(o)!, ids, "m").rows).toEqual([
      { tokenId: 21, coefficient: 1 },
      { tokenId: 20, coefficient: -1 },
    ]);
  });
  it("no_post_processing scores one token's logit", () => {
    const o = parseHfOverrides('{"classifier_from_token":["Yes"],"method":"no_post_processing"}');
    expect(headFromTokens(tokenChoice(o)!, ids, "m").rows).toEqual([{ tokenId: 30, coefficient: 1 }]);
  });
  it("infers the method from the token count when vLLM's method key is missing", () => {
    expect(tokenChoice({ classifier_from_token: ["no", "yes"] })?.method).toBe("from_2_way_softmax");
    expect(tokenChoice({ classifier_from_token: ["Yes"] })?.method).toBe("no_post_processing");
    expect(tokenChoice({ architectures: ["X"] })).toBeUndefined();
  });
  it("rejects malformed overrides with the key named", () => {
    expect(() => parseHfOverrides("{nope")).toThrow(InvalidInputError);
    expect(() => parseHfOverrides('{"method":"softmax"}')).toThrow(/method/);
    expect(() => tokenChoice({ classifier_from_token: ["a", "b", "c"], method: "from_2_way_softmax" })).toThrow(/two tokens/);
    expect(() => tokenChoice({ classifier_from_token: ["a", "b"], method: "no_post_processing" })).toThrow(/one/);
    expect(() => headFromTokens({ tokens: ["maybe"], method: "no_post_processing" }, ids, "m")).toThrow(ModelLoadError);
  });
});

describe("LogitScore and presets", () => {
  it("reads true_token_id / false_token_id", () => {
    expect(headFromLogitScore({ true_token_id: 5, false_token_id: 3 }, "p").rows).toEqual([
      { tokenId: 5, coefficient: 1 },
      { tokenId: 3, coefficient: -1 },
    ]);
    expect(headFromLogitScore({ true_token_id: 5, false_token_id: null }, "p").rows).toHaveLength(1);
    expect(() => headFromLogitScore({}, "p")).toThrow(ModelLoadError);
  });
  it("knows the Hub ids and their ONNX mirrors", () => {
    for (const id of ["Qwen/Qwen3-Reranker-0.6B", "Qwen/Qwen3-Reranker-8B", "onnx-community/Qwen3-Reranker-0.6B-ONNX"]) {
      expect(llmRerankerPreset(id)?.template).toBe("qwen3-reranker");
    }
    expect(llmRerankerPreset("mixedbread-ai/mxbai-rerank-large-v2")?.overrides.classifier_from_token).toEqual(["0", "1"]);
    expect(llmRerankerPreset("BAAI/bge-reranker-v2-gemma")?.overrides.method).toBe("no_post_processing");
    expect(llmRerankerPreset("BAAI/bge-reranker-v2-m3")).toBeUndefined();
  });
});
