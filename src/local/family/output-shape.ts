/**
 * Load-time checks that a graph's output has the shape a family's head reads. A head that reads
 * `[batch, labels]` from a `[batch, seq, vocab]` tensor returns numbers, not an error: the shape
 * is the only place the mistake shows.
 * @module
 */
import { ModelLoadError } from "../../errors/model-load-error.js";
import { HF_OVERRIDES_EXAMPLE } from "../detect-family.js";
import type { ModelFiles } from "../files/model-files.js";
import type { LocalParts } from "./open-parts.js";

/**
 * Refuses a cross-encoder whose logits are not `[batch, labels]`; the session is released first.
 * A causal LM (`[batch, seq, vocab]`) gets the `hfOverrides` that make it an LLM reranker.
 * @param output the output the head reads (`logits`, else the graph's first)
 * @throws {ModelLoadError} naming the output, its declared shape and what to do.
 */
export async function assertPairLogits(parts: LocalParts, output: string): Promise<void> {
  const shape = parts.session.outputShape(output);
  if (shape === undefined || shape.length === 2) return;
  await parts.session.release();
  throw new ModelLoadError(
    `${parts.files.onnxPath}: output "${output}" is [${shape.join(", ")}], but a cross-encoder reads one row of [batch, labels] per pair. ` +
      adviceFor(parts.files),
    { path: parts.files.onnxPath },
  );
}

function adviceFor(files: ModelFiles): string {
  const architectures = (files.config["architectures"] as unknown[] | undefined) ?? [];
  if (architectures.some((a) => typeof a === "string" && a.endsWith("ForCausalLM"))) {
    return `It is a causal LM (per-position vocabulary logits): to use it as an LLM reranker, pass ${HF_OVERRIDES_EXAMPLE}.`;
  }
  return "Load it with loadScorer() (no scoreType) to let its files tell its family, or export a sequence-classification head.";
}
