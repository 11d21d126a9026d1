/**
 * src/scoring/classification.ts (vLLM's `classify` task): which activation a config picks, the class
 * probabilities, label names and argmax. Until these tests the file had no unit test in the scoring
 * scope, so all 35 of its mutants were NoCoverage in reports/mutation/scoring.json. Expected values
 * are written out by hand (ln 3 and ln 2 / ln 5 give exact quarter and eighth probabilities).
 */
import { describe, expect, it } from "vitest";
import { argmax, classActivation, classProbabilities, labelNames } from "../../src/scoring/classification.js";

describe("classActivation (vLLM get_classification_activation_function)", () => {
  it("regression is identity and multi-label is sigmoid, whatever the number of labels", () => {
    expect(classActivation({ problem_type: "regression" }, 1)).toBe("identity");
    expect(classActivation({ problem_type: "regression" }, 3)).toBe("identity");
    expect(classActivation({ problem_type: "multi_label_classification" }, 1)).toBe("sigmoid");
    expect(classActivation({ problem_type: "multi_label_classification" }, 3)).toBe("sigmoid");
  });
  it("single-label or unset: sigmoid for one label, softmax from exactly two labels on", () => {
    expect(classActivation({}, 1)).toBe("sigmoid");
    expect(classActivation({}, 2)).toBe("softmax");
    expect(classActivation({}, 5)).toBe("softmax");
    expect(classActivation({ problem_type: "single_label_classification" }, 1)).toBe("sigmoid");
    expect(classActivation({ problem_type: "single_label_classification" }, 2)).toBe("softmax");
  });
});

describe("classProbabilities", () => {
  it("identity returns the logits unchanged, as a new array", () => {
    const logits = Float32Array.from([2, -1]);
    const out = classProbabilities(logits, "identity");
    expect(out).toEqual([2, -1]);
    expect(Array.isArray(out)).toBe(true);
  });
  it("sigmoid is applied to each logit independently", () => {
    // sigmoid(ln 3) = 1 / (1 + 1/3) = 3/4, sigmoid(-ln 3) = 1/4, sigmoid(0) = 1/2: they do not sum to 1.
    const out = classProbabilities([Math.log(3), -Math.log(3), 0], "sigmoid");
    expect(out[0]).toBeCloseTo(0.75, 12);
    expect(out[1]).toBeCloseTo(0.25, 12);
    expect(out[2]).toBe(0.5);
  });
  it("softmax normalizes exp(logit) over the row", () => {
    // exp(0) : exp(ln 2) : exp(ln 5) = 1 : 2 : 5, over 8.
    const out = classProbabilities([0, Math.log(2), Math.log(5)], "softmax");
    expect(out).toHaveLength(3);
    expect(out[0]).toBeCloseTo(0.125, 12);
    expect(out[1]).toBeCloseTo(0.25, 12);
    expect(out[2]).toBeCloseTo(0.625, 12);
  });
  it("softmax subtracts the row maximum, so large logits do not overflow to NaN", () => {
    // exp(1000) is Infinity in float64; shifted by the max the row is exp(-1000) = 0 and exp(0) = 1.
    expect(classProbabilities([0, 1000], "softmax")).toEqual([0, 1]);
    expect(classProbabilities([1000, 1000], "softmax")).toEqual([0.5, 0.5]);
  });
});

describe("labelNames (config.json id2label)", () => {
  it("names classes by stringified index; a missing or non-string name is undefined", () => {
    expect(labelNames({ id2label: { "0": "negative", "1": "positive" } }, 3)).toEqual(["negative", "positive", undefined]);
    expect(labelNames({ id2label: { "0": 7, "1": "b" } }, 2)).toEqual([undefined, "b"]);
  });
  it("treats an absent, null or non-object id2label as no names (a string is not indexed per character)", () => {
    expect(labelNames({}, 2)).toEqual([undefined, undefined]);
    expect(labelNames({ id2label: null }, 2)).toEqual([undefined, undefined]);
    expect(labelNames({ id2label: "ab" }, 2)).toEqual([undefined, undefined]);
  });
});

describe("argmax", () => {
  it("finds the largest value anywhere in the row, the first one on ties", () => {
    expect(argmax([1, 3, 2])).toBe(1);
    expect(argmax([1, 2, 3])).toBe(2);
    expect(argmax([3, 1])).toBe(0);
    expect(argmax([1, 3, 3])).toBe(1);
    expect(argmax([4])).toBe(0);
  });
});
