import { existsSync } from "node:fs";
import { join } from "node:path";
import { ModelLoadError } from "../errors/model-load-error.js";
import type { ScoreType } from "../types.js";
import { countLabels } from "./count-labels.js";
import type { ModelFiles } from "./files/model-files.js";

/** The detected score type and the file evidence behind it. */
export interface DetectedFamily {
  scoreType: ScoreType;
  reason: string;
}

/**
 * Tells which score type a model computes from its files:
 * ColBERT metadata -> late interaction; a one-label sequence classifier -> cross-encoder;
 * sentence-transformers pooling -> bi-encoder.
 * @throws {ModelLoadError} when the files fit none of them (pass `scoreType` to force one).
 */
export function detectFamily(files: ModelFiles): DetectedFamily {
  const st = files.stConfig ?? {};
  const architectures = (files.config["architectures"] as string[] | undefined) ?? [];
  if (files.colbertMetadata) return { scoreType: "late-interaction", reason: "artifact.metadata (ColBERT)" };
  if (architectures.includes("HF_ColBERT")) return { scoreType: "late-interaction", reason: "HF_ColBERT architecture" };
  if (files.modules?.some((m) => m.type.startsWith("pylate"))) return { scoreType: "late-interaction", reason: "PyLate modules" };
  if ("query_prefix" in st && "document_prefix" in st) return { scoreType: "late-interaction", reason: "ColBERT prefixes" };
  if (existsSync(join(files.dir, "onnx_config.json"))) return { scoreType: "late-interaction", reason: "onnx_config.json (ColBERT export)" };
  if (architectures.some((a) => a.endsWith("ForSequenceClassification"))) {
    const labels = countLabels(files.config);
    if (labels === 1) return { scoreType: "cross-encoder", reason: "one-label sequence classifier" };
    throw new ModelLoadError(
      `${files.dir}: a sequence classifier with ${labels} labels is not a reranker (cross-encoders have one label); ` +
        `pass scoreType: "cross-encoder" to use its last label`,
      { path: join(files.dir, "config.json") },
    );
  }
  if (files.modules?.some((m) => m.type.endsWith("Pooling")) || existsSync(join(files.dir, "1_Pooling", "config.json"))) {
    return { scoreType: "bi-encoder", reason: "sentence-transformers pooling" };
  }
  throw new ModelLoadError(
    `Cannot tell the score type of ${files.dir}: no ColBERT metadata, no one-label classifier, no ` +
      `sentence-transformers pooling. Pass scoreType ("cross-encoder", "bi-encoder" or "late-interaction").`,
    { path: files.dir },
  );
}
