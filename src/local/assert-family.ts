import { ModelLoadError } from "../errors/model-load-error.js";
import type { ScoreType } from "../types.js";
import { detectFamily } from "./detect-family.js";
import type { ModelFiles } from "./files/model-files.js";

/**
 * Refuses to load a model as a family its files contradict: a bi-encoder folder given to
 * `CrossEncoderScorer`, or `scoreType: "cross-encoder"` for a ColBERT model, would otherwise give
 * scores of -1 or 1-dimensional "embeddings". Files whose family cannot be told (no
 * classifier head, no pooling, no ColBERT metadata) are allowed: that is what `scoreType` is for.
 *
 * @param requestedBy how the family was chosen, for the message (`CrossEncoderScorer`, `scoreType: "bi-encoder"`)
 * @throws {ModelLoadError} naming the family the files describe and the evidence.
 */
export function assertFamily(files: ModelFiles, expected: ScoreType, requestedBy: string): void {
  let detected;
  try {
    detected = detectFamily(files);
  } catch {
    // The files describe no family (or an ambiguous classifier): the caller's choice stands.
    return;
  }
  if (detected.scoreType === expected) return;
  throw new ModelLoadError(
    `${files.dir}: the model's files describe a ${detected.scoreType} model (${detected.reason}), ` +
      `but ${requestedBy} loads it as a ${expected}; use ${loaderFor(detected.scoreType)} or drop the override`,
    { path: files.dir },
  );
}

function loaderFor(type: ScoreType): string {
  const cls = {
    "cross-encoder": "CrossEncoderScorer",
    "bi-encoder": "BiEncoderScorer",
    "late-interaction": "LateInteractionScorer",
    sparse: "SparseEncoderScorer",
  }[type];
  return `loadScorer() (or ${cls ?? type}, or scoreType "${type}")`;
}
