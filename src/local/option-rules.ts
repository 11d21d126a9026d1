import { InvalidOptionError } from "../errors/invalid-option-error.js";
import { validateOptions, type OptionRule, type OptionSpec } from "../options/check-options.js";
import { SCORE_TYPES } from "../types.js";
import { COLBERT_CONVENTIONS, DTYPES, type BiEncoderOptions, type CrossEncoderOptions, type LateInteractionOptions, type LocalModelOptions } from "./options.js";

/** Rules of the options every local model takes (loading, runtime, micro-batching). */
export const LOCAL_MODEL_RULES = {
  dtype: { kind: "enum", values: DTYPES },
  device: { kind: "enum", values: ["cpu", "cuda", "dml", "coreml"] },
  threads: { kind: "integer", min: 1 },
  int8Weights: { kind: "enum", values: ["auto", "int8", "uint8"] },
  // Its range depends on the model (special tokens, position embeddings): checked at load time.
  maxLength: { kind: "number" },
  revision: { kind: "string" },
  cacheDir: { kind: "string" },
  localFilesOnly: { kind: "boolean" },
  accessToken: { kind: "string" },
  hubUrl: { kind: "string" },
  onnxFile: { kind: "string" },
  maxBatchTokens: { kind: "integer", min: 1 },
  maxBatchSize: { kind: "integer", min: 1 },
} as const satisfies Record<keyof LocalModelOptions, OptionRule>;

/** Rules of the cross-encoder's own options. */
export const CROSS_ENCODER_RULES = {
  activation: { kind: "enum", values: ["sigmoid", "identity", "softmax", "tanh"] },
  hfOverrides: { kind: "any", note: "a JSON string or an object" },
  scoreTemplate: { kind: "any", note: "a template, a preset name, or false" },
  chatTemplate: { kind: "any", note: "a template, a preset name, or false (deprecated name of scoreTemplate)" },
  rewriteHead: { kind: "boolean" },
  reusePrefix: { kind: "boolean" },
} as const satisfies Record<Exclude<keyof CrossEncoderOptions, keyof LocalModelOptions>, OptionRule>;

/** Rules of the bi-encoder's own options. */
export const BI_ENCODER_RULES = {
  queryPrefix: { kind: "string" },
  documentPrefix: { kind: "string" },
  dimensions: { kind: "integer", min: 1 },
  upstream: { kind: "any", note: "a Hub repo id, or false" },
  task: { kind: "any", note: "a task of config.json lora_adaptations, or { query, document }" },
} as const satisfies Record<Exclude<keyof BiEncoderOptions, keyof LocalModelOptions>, OptionRule>;

/** Rules of the late-interaction (ColBERT) scorer's own options. */
export const LATE_INTERACTION_RULES = {
  convention: { kind: "enum", values: COLBERT_CONVENTIONS },
  queryLength: { kind: "integer", min: 1 },
  documentLength: { kind: "integer", min: 1 },
  documentCacheSize: { kind: "integer", min: 0, note: "0 = no cache" },
} as const satisfies Record<Exclude<keyof LateInteractionOptions, keyof LocalModelOptions>, OptionRule>;

/** `loadScorer`'s own option. */
export const SCORE_TYPE_RULE = { kind: "enum", values: SCORE_TYPES } as const;

/** The pool's options (`loadWorkerScorer`). */
export const WORKER_RULES = {
  workers: { kind: "integer", min: 1 },
  loader: { kind: "string" },
  loadTimeoutMs: { kind: "integer", min: 1 },
  cancelTimeoutMs: { kind: "integer", min: 0 },
} as const;

/**
 * Family name -> its own option rules. New families add themselves here so that `loadScorer`
 * knows their names and every other family refuses them.
 */
export const FAMILY_RULES: Record<string, OptionSpec> = {
  "cross-encoder": CROSS_ENCODER_RULES,
  "bi-encoder": BI_ENCODER_RULES,
  "late-interaction": LATE_INTERACTION_RULES,
  // SPLADE takes the common local options only (length, dtype, threads, batch limits).
  sparse: {},
};

/** Every load option name rerank-kit knows, for "not supported here" and near misses. */
export function knownLoadOptions(): string[] {
  return [
    ...Object.keys(LOCAL_MODEL_RULES),
    ...Object.values(FAMILY_RULES).flatMap((r) => Object.keys(r)),
    "scoreType",
    ...Object.keys(WORKER_RULES),
    "worker",
  ];
}

/**
 * Validates the load options of one family (its own rules plus {@link LOCAL_MODEL_RULES} and
 * `scoreType`), before any file is read. An option of another family (`dimensions` for a
 * cross-encoder) is refused, since this family would ignore it.
 * @throws {InvalidOptionError}
 */
export function validateLoadOptions(options: unknown, family: string, where: string, extra: OptionSpec = {}): void {
  validateOptions(
    options,
    { ...LOCAL_MODEL_RULES, ...FAMILY_RULES[family], scoreType: SCORE_TYPE_RULE, ...extra },
    { where, known: knownLoadOptions(), unsupportedReason: `A ${family} model cannot honour it.` },
  );
}

/** Validates `loadScorer` options against the union of every family's rules. @throws {InvalidOptionError} */
export function validateAnyLoadOptions(options: unknown, where: string, extra: OptionSpec = {}): void {
  const all = Object.assign({}, LOCAL_MODEL_RULES, ...Object.values(FAMILY_RULES), { scoreType: SCORE_TYPE_RULE }, extra) as OptionSpec;
  validateOptions(options, all, { where, known: knownLoadOptions() });
}

/**
 * The score template a cross-encoder option set names: `scoreTemplate`, or its deprecated name
 * `chatTemplate`.
 * @throws {InvalidOptionError} when both are set to different values.
 */
export function scoreTemplateOption(options: { scoreTemplate?: string | false | undefined; chatTemplate?: string | false | undefined }): string | false | undefined {
  const { scoreTemplate, chatTemplate } = options;
  if (scoreTemplate !== undefined && chatTemplate !== undefined && scoreTemplate !== chatTemplate) {
    throw new InvalidOptionError("`scoreTemplate` and its deprecated name `chatTemplate` are both set, to different values; keep `scoreTemplate`", {
      option: "chatTemplate",
      allowed: "unset when scoreTemplate is set",
    });
  }
  return scoreTemplate ?? chatTemplate;
}
