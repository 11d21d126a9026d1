import { classifyModule, type StModuleKind } from "../st-module-types.js";
import type { ModelFiles } from "./model-files.js";

/** `model_type` of `config_sentence_transformers.json` (written by sentence-transformers >= 5/6). */
export type StModelType = "SentenceTransformer" | "CrossEncoder" | "MultiVectorEncoder" | "SparseEncoder";

/** One `modules.json` entry with what it does. */
export interface StLayoutModule {
  kind: StModuleKind | undefined;
  type: string;
  path: string;
  idx: number;
}

/**
 * Which tool wrote a model's sentence-transformers / ColBERT files, read once from the files so
 * family detection and the scorers agree on it.
 */
export interface StLayout {
  /** `sentence-transformers` (any version), `pylate`, `stanford-colbert`, or `none` (plain transformers files). */
  writer: "sentence-transformers" | "pylate" | "stanford-colbert" | "none";
  /** `__version__.sentence_transformers`, when recorded. */
  version: string | undefined;
  /** `model_type`, when recorded (sentence-transformers 6 always writes it). */
  modelType: StModelType | undefined;
  modules: StLayoutModule[];
}

const cache = new WeakMap<ModelFiles, StLayout>();

/** The {@link StLayout} of a model's files (computed once per `ModelFiles`). */
export function stLayoutOf(files: ModelFiles): StLayout {
  let layout = cache.get(files);
  if (!layout) cache.set(files, (layout = describe(files)));
  return layout;
}

function describe(files: ModelFiles): StLayout {
  const st = files.stConfig ?? {};
  const versions = (st["__version__"] ?? {}) as Record<string, unknown>;
  const modules = (files.modules ?? []).map((m, i) => ({ kind: classifyModule(m.type), type: m.type, path: m.path, idx: m.idx ?? i }));
  const architectures = (files.config["architectures"] as string[] | undefined) ?? [];
  const rawType = st["model_type"];
  const modelType = ["SentenceTransformer", "CrossEncoder", "MultiVectorEncoder", "SparseEncoder"].includes(rawType as string)
    ? (rawType as StModelType)
    : undefined;
  const pylate =
    typeof versions["pylate"] === "string" ||
    rawType === "ColBERT" ||
    modules.some((m) => m.type.startsWith("pylate.")) ||
    ("query_prefix" in st && "document_prefix" in st);
  const writer = files.colbertMetadata || architectures.includes("HF_ColBERT")
    ? "stanford-colbert"
    : pylate && modelType !== "MultiVectorEncoder"
      ? "pylate"
      : files.stConfig || files.modules || files.sbertConfig
        ? "sentence-transformers"
        : "none";
  const version = typeof versions["sentence_transformers"] === "string" ? versions["sentence_transformers"] : undefined;
  return { writer, version, modelType, modules };
}
