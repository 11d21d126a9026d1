import { existsSync } from "node:fs";
import { join } from "node:path";
import { ModelLoadError } from "../errors/model-load-error.js";
import type { ScoreType } from "../types.js";
import { countLabels } from "./count-labels.js";
import type { ModelFiles } from "./files/model-files.js";
import { stLayoutOf } from "./files/st-layout.js";
import { isNativeMultiVector } from "./late-interaction/mve-config.js";
import { isPlainBaseModel } from "./files/upstream-st.js";

/** The detected score type and the file evidence behind it. */
export interface DetectedFamily {
  scoreType: ScoreType;
  reason: string;
}

/**
 * Tells which score type a model computes from its files:
 * a MultiVectorEncoder, PyLate or stanford ColBERT layout -> late interaction; a one-label sequence
 * classifier -> cross-encoder; sentence-transformers pooling -> bi-encoder (from `stLayoutOf`).
 * @throws {ModelLoadError} when the files fit none of them (pass `scoreType` to force one).
 */
export function detectFamily(files: ModelFiles): DetectedFamily {
  const layout = stLayoutOf(files);
  const architectures = (files.config["architectures"] as string[] | undefined) ?? [];
  if (isNativeMultiVector(files)) return { scoreType: "late-interaction", reason: "MultiVectorEncoder save (sentence-transformers 6)" };
  if (layout.modelType === "SparseEncoder") {
    throw new ModelLoadError(`${files.dir}: sparse encoders are supported as an MLM Transformer + SpladePooling (or a Router with SparseStaticEmbedding queries); these modules are not`, {
      path: join(files.dir, "config_sentence_transformers.json"),
    });
  }
  if (layout.writer === "stanford-colbert") return { scoreType: "late-interaction", reason: "stanford ColBERT (artifact.metadata / HF_ColBERT)" };
  if (layout.writer === "pylate") return { scoreType: "late-interaction", reason: "PyLate ColBERT" };
  if (existsSync(join(files.dir, "onnx_config.json"))) return { scoreType: "late-interaction", reason: "onnx_config.json (ColBERT export)" };
  if (architectures.some((a) => a.endsWith("ForSequenceClassification"))) {
    const labels = countLabels(files.config);
    if (labels === 1) return { scoreType: "cross-encoder", reason: "one-label sequence classifier" };
    throw new ModelLoadError(
      `${files.dir}: a sequence classifier with ${labels} labels is not a reranker (cross-encoders have one label); ` +
        `pass scoreType: "cross-encoder" to load it for classify() (its score() is refused, as vLLM's score API is for num_labels == 1)`,
      { path: join(files.dir, "config.json") },
    );
  }
  if (layout.modules.some((m) => m.kind === "pooling") || existsSync(join(files.dir, "1_Pooling", "config.json"))) {
    return { scoreType: "bi-encoder", reason: "sentence-transformers pooling" };
  }
  throw new ModelLoadError(
    `Cannot tell the score type of ${files.dir}: no ColBERT metadata, no one-label classifier, no ` +
      `sentence-transformers pooling. ${adviceFor(architectures)}`,
    { path: files.dir },
  );
}

/**
 * The `hfOverrides` that make a causal LM an LLM reranker, as vLLM takes them: shown wherever a
 * causal LM is loaded without them.
 */
export const HF_OVERRIDES_EXAMPLE =
  `hfOverrides: {"architectures":["Qwen3ForSequenceClassification"],"classifier_from_token":["no","yes"],"is_original_qwen3_reranker":true} ` +
  `(the tokens whose logits make the score; with a score template, scoreTemplate: "qwen3-reranker" or the model's own)`;

/**
 * What to pass when detection fails, never a score type whose head cannot read this graph: a
 * causal or masked LM outputs `[batch, seq, vocab]` logits, which a cross-encoder would misread as
 * `[batch, labels]`, so those get the options that do work.
 */
function adviceFor(architectures: readonly string[]): string {
  if (architectures.some((a) => a.endsWith("ForCausalLM"))) {
    return `It is a causal LM (${architectures.join(", ")}): to score with it as an LLM reranker, pass ${HF_OVERRIDES_EXAMPLE}.`;
  }
  if (architectures.some((a) => a.endsWith("ForMaskedLM"))) {
    return `It is a masked LM (${architectures.join(", ")}), whose per-token vocabulary logits no score type reads as they are; ` +
      `a SPLADE model needs its sentence-transformers files (modules.json with SpladePooling).`;
  }
  return `Pass scoreType ("cross-encoder" for a one-label classifier head, "bi-encoder" for a model whose output is token embeddings, ` +
    `"late-interaction" for a ColBERT export).`;
}

/**
 * {@link detectFamily} for `loadScorer`, which also takes mirrors: a plain transformers base
 * model without sentence-transformers files is a mean-pooling bi-encoder, as in sentence-transformers.
 * @throws {ModelLoadError} as {@link detectFamily}.
 */
export function detectScoreType(files: ModelFiles): ScoreType {
  try {
    return detectFamily(files).scoreType;
  } catch (error) {
    if (isPlainBaseModel(files)) return "bi-encoder";
    throw error;
  }
}
