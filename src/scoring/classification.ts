/**
 * Class probabilities of a sequence classifier, as vLLM's `classify` task computes them. This is
 * not the score activation: `/score` follows the model's sentence-transformers `activation_fn`
 * (Identity for `cross-encoder/ms-marco-*`), `classify` follows transformers' loss for the
 * config's `problem_type`, so the same logits can give a raw score and a sigmoid probability.
 */
import { sigmoid } from "./activation.js";

/** How logits become class probabilities. */
export type ClassActivation = "softmax" | "sigmoid" | "identity";

/**
 * The activation of the `classify` task from `config.json`: `problem_type` `regression` = none,
 * `multi_label_classification` = sigmoid per label, otherwise (single label or unset) sigmoid for
 * one label and softmax over two or more (vLLM's `get_classification_activation_function`).
 */
export function classActivation(config: Readonly<Record<string, unknown>>, numLabels: number): ClassActivation {
  const problem = config["problem_type"];
  if (problem === "regression") return "identity";
  if (problem === "multi_label_classification") return "sigmoid";
  return numLabels < 2 ? "sigmoid" : "softmax";
}

/** Applies `activation` to one row of logits; a new array, one value per class. */
export function classProbabilities(logits: ArrayLike<number>, activation: ClassActivation): number[] {
  const row = Array.from(logits);
  if (activation === "identity") return row;
  if (activation === "sigmoid") return row.map(sigmoid);
  const max = Math.max(...row);
  const exps = row.map((x) => Math.exp(x - max));
  const sum = exps.reduce((s, x) => s + x, 0);
  return exps.map((x) => x / sum);
}

/**
 * Label names by class index from `config.json` `id2label` (keys are stringified indices);
 * a class without a name is `undefined`, as vLLM's `id2label.get(i)` gives `None`.
 */
export function labelNames(config: Readonly<Record<string, unknown>>, numLabels: number): (string | undefined)[] {
  const id2label = config["id2label"];
  const table = id2label && typeof id2label === "object" ? (id2label as Record<string, unknown>) : {};
  return Array.from({ length: numLabels }, (_, i) => {
    const name = table[String(i)];
    return typeof name === "string" ? name : undefined;
  });
}

/** Index of the largest value (the first on ties, as numpy's argmax). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}
