/**
 * Cross-encoder activation: which function turns the classifier logit into the score. Resolved as
 * sentence-transformers does, so scores match the Python references: an explicit option, then
 * `activation_fn` in the sentence-transformers config, then the legacy
 * `sbert_ce_default_activation_function`, then sigmoid for one label.
 */

/** The activations rerank-kit can apply to cross-encoder logits. */
export type Activation = "sigmoid" | "identity" | "softmax" | "tanh";

/** Where the resolved activation came from, for diagnostics. */
export interface ResolvedActivation {
  /** The activation to apply. */
  activation: Activation;
  /** `option`, `config.sentence_transformers.activation_fn`, ... or `default`. */
  source: string;
}

/** The config fields that decide the activation. */
export interface ActivationConfig {
  /** `config.json` */
  config: Record<string, unknown>;
  /** `config_sentence_transformers.json`, if present. */
  stConfig?: Record<string, unknown> | undefined;
  /** Number of classifier outputs. */
  numLabels: number;
}

const TORCH_ACTIVATIONS: Record<string, Activation> = {
  "torch.nn.modules.activation.Sigmoid": "sigmoid",
  "torch.nn.modules.linear.Identity": "identity",
  "torch.nn.modules.activation.Softmax": "softmax",
  "torch.nn.modules.activation.Tanh": "tanh",
  // Older sentence-transformers wrote the short public paths.
  "torch.nn.Sigmoid": "sigmoid",
  "torch.nn.Identity": "identity",
  "torch.nn.Softmax": "softmax",
  "torch.nn.Tanh": "tanh",
};

/**
 * Resolves the activation: explicit option > `config.sentence_transformers.activation_fn` >
 * legacy `config.sbert_ce_default_activation_function` > `config_sentence_transformers.json`
 * `activation_fn` > sigmoid for one label, identity otherwise (sentence-transformers' default).
 * Unknown (non-torch) class paths are ignored, as sentence-transformers ignores them without
 * `trust_remote_code`.
 */
export function resolveActivation(cfg: ActivationConfig, explicit?: Activation): ResolvedActivation {
  if (explicit) return { activation: explicit, source: "option" };
  const st = cfg.config["sentence_transformers"] as Record<string, unknown> | undefined;
  const candidates: [unknown, string][] = [
    [st?.["activation_fn"], "config.sentence_transformers.activation_fn"],
    [cfg.config["sbert_ce_default_activation_function"], "config.sbert_ce_default_activation_function"],
    [cfg.stConfig?.["activation_fn"], "config_sentence_transformers.activation_fn"],
  ];
  for (const [value, source] of candidates) {
    if (typeof value === "string" && TORCH_ACTIVATIONS[value]) {
      return { activation: TORCH_ACTIVATIONS[value], source };
    }
  }
  return { activation: cfg.numLabels === 1 ? "sigmoid" : "identity", source: "default" };
}

/** The logistic function, computed without overflow for large negative inputs. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Applies an activation to one row of logits and returns the score: the activated first logit for
 * one label; for softmax over several labels, the probability of the last label ("relevant").
 */
export function applyActivation(logits: ArrayLike<number>, activation: Activation): number {
  const first = logits[0] as number;
  switch (activation) {
    case "identity":
      return logits.length === 1 ? first : (logits[logits.length - 1] as number);
    case "sigmoid":
      return sigmoid(logits.length === 1 ? first : (logits[logits.length - 1] as number));
    case "tanh":
      return Math.tanh(logits.length === 1 ? first : (logits[logits.length - 1] as number));
    case "softmax": {
      if (logits.length === 1) return 1; // softmax over one logit is always 1: kept for parity, never a default
      let max = -Infinity;
      for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
      let sum = 0;
      for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
      return Math.exp((logits[logits.length - 1] as number) - max) / sum;
    }
  }
}
