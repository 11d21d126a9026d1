/**
 * The models the memory sections run, with their stated RSS bounds: about 1.5x the peak a 2-core
 * run measured (bench/README.md), so a bound MISSED means growth, not noise.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { MemoryModel } from "./memory.js";

/** A memory model with its name on the command line and its `serve` flags. */
export interface NamedMemoryModel extends MemoryModel {
  name: "cross" | "bi" | "llm";
  serveFlags: string[];
}

const QWEN3_OVERRIDES = '{"architectures": ["Qwen3ForSequenceClassification"], "classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}';

/**
 * The MiniLM-L6-shaped cross-encoder and bi-encoder (fp32), and the 4-layer Qwen3-0.6B-shaped LLM
 * reranker when it was generated (`scripts/reference/decoders.py --bench <dir> --bench-layers 4`).
 * The LLM sees 1-20 documents per request, cut to 512 tokens: #23's full mix (up to 200 documents
 * of 2000 words) would take minutes per request on two cores and time out on `serve`.
 */
export function memoryModels(dirs: { cross: string; bi: string; llm: string }): NamedMemoryModel[] {
  const models: NamedMemoryModel[] = [
    { name: "cross", dir: dirs.cross, label: "MiniLM-L6 cross-encoder fp32", libraryBoundMb: 800, serveBoundMb: 1500, serveFlags: [] },
    // The bi-encoder's library bound is the cross-encoder's (same shape; its library run was not recorded).
    { name: "bi", dir: dirs.bi, label: "MiniLM-L6 bi-encoder fp32", libraryBoundMb: 800, serveBoundMb: 1500, serveFlags: [] },
  ];
  if (existsSync(join(dirs.llm, "onnx", "model.onnx"))) {
    models.push({
      name: "llm",
      dir: dirs.llm,
      label: "Qwen3-0.6B-shaped LLM reranker (4 layers) fp32",
      options: { hfOverrides: QWEN3_OVERRIDES, scoreTemplate: "qwen3-reranker", maxLength: 512 },
      limits: { maxDocuments: 20 },
      libraryBoundMb: 1000,
      serveBoundMb: 1600,
      serveFlags: ["--hf-overrides", QWEN3_OVERRIDES, "--chat-template", "qwen3-reranker", "--max-length", "512"],
    });
  } else {
    console.log(`\n## Flat memory: LLM reranker skipped, no model at ${dirs.llm} (scripts/reference/decoders.py --bench ${dirs.llm} --bench-layers 4)`);
  }
  return models;
}
