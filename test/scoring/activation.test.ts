import { describe, expect, it } from "vitest";
import { applyActivation, resolveActivation, sigmoid } from "../../src/scoring/activation.js";

describe("resolveActivation (sentence-transformers order)", () => {
  const identity = "torch.nn.modules.linear.Identity";
  it("defaults to sigmoid for one label and identity for several", () => {
    expect(resolveActivation({ config: {}, numLabels: 1 })).toEqual({ activation: "sigmoid", source: "default" });
    expect(resolveActivation({ config: {}, numLabels: 3 }).activation).toBe("identity");
  });
  it("reads config.sentence_transformers.activation_fn before the legacy key and the ST config", () => {
    const config = { sentence_transformers: { activation_fn: identity }, sbert_ce_default_activation_function: "torch.nn.modules.activation.Sigmoid" };
    expect(resolveActivation({ config, numLabels: 1 }).source).toBe("config.sentence_transformers.activation_fn");
    expect(resolveActivation({ config: { sbert_ce_default_activation_function: identity }, numLabels: 1 }).activation).toBe("identity");
    expect(resolveActivation({ config: {}, stConfig: { activation_fn: identity }, numLabels: 1 }).source).toBe("config_sentence_transformers.activation_fn");
  });
  it("lets an explicit option win and ignores non-torch class paths", () => {
    expect(resolveActivation({ config: { sbert_ce_default_activation_function: identity }, numLabels: 1 }, "sigmoid").source).toBe("option");
    expect(resolveActivation({ config: { sentence_transformers: { activation_fn: "my.custom.Act" } }, numLabels: 1 }).activation).toBe("sigmoid");
  });
});

describe("applyActivation", () => {
  it("computes sigmoid stably at the extremes", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
    expect(applyActivation([2], "sigmoid")).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(applyActivation([2], "identity")).toBe(2);
  });
  it("softmax over two labels returns the probability of the last label", () => {
    expect(applyActivation([0, Math.log(3)], "softmax")).toBeCloseTo(0.75, 12);
  });
});
