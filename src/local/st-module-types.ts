import { ModelLoadError } from "../errors/model-load-error.js";

/** What a `modules.json` entry does, independent of the path its version wrote. */
export type StModuleKind = "transformer" | "pooling" | "dense" | "normalize" | "dropout" | "multi-vector-mask";

const CLASS_KINDS: Record<string, StModuleKind> = {
  Transformer: "transformer",
  Pooling: "pooling",
  Dense: "dense",
  Normalize: "normalize",
  // Dropout is the identity at inference.
  Dropout: "dropout",
  MultiVectorMask: "multi-vector-mask",
};

/** The module classes rerank-kit runs, for error messages. */
export const SUPPORTED_MODULES =
  "Transformer, Pooling, Dense, Normalize, Dropout (and MultiVectorMask for ColBERT), under sentence_transformers.* or pylate.*";

/**
 * Classifies a module type path of any sentence-transformers version by its class name:
 * `sentence_transformers.models.Pooling` (2.x-5.x), `sentence_transformers.sentence_transformer.modules.pooling.Pooling`
 * and `sentence_transformers.base.modules.transformer.Transformer` (6.x),
 * `sentence_transformers.multi_vector_encoder.modules.multi_vector_mask.MultiVectorMask` (6.x ColBERT),
 * `pylate.models.Dense.Dense` (PyLate). Undefined for anything else, including custom modules
 * shipped as remote code.
 */
export function classifyModule(type: string): StModuleKind | undefined {
  const parts = type.split(".");
  const root = parts[0];
  if (parts.length < 2 || (root !== "sentence_transformers" && root !== "pylate")) return undefined;
  return CLASS_KINDS[parts[parts.length - 1] as string];
}

/**
 * Checks every module of a late-interaction model can be run.
 * @throws {ModelLoadError} naming `modules.json`, the module and its type otherwise.
 */
export function assertLateInteractionModules(modules: readonly { type: string; idx?: number }[], modulesPath: string): void {
  modules.forEach((m, i) => {
    const kind = classifyModule(m.type);
    if (kind === undefined || kind === "pooling") {
      throw new ModelLoadError(
        `${modulesPath}: module ${m.idx ?? i} has type ${JSON.stringify(m.type)}, which a ColBERT model cannot run; ` +
          `supported: ${SUPPORTED_MODULES}`,
        { path: modulesPath },
      );
    }
  });
}
