import { join } from "node:path";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { readJson, type ModelFiles } from "../files/model-files.js";
import { modelMaxLength } from "../family/limits.js";
import { stLayoutOf } from "../files/st-layout.js";
import { assertLateInteractionModules, classifyModule } from "../st-module-types.js";

/** ColBERT settings of a sentence-transformers 6 `MultiVectorEncoder` save. */
export interface NativeColbertConfig {
  /** Prompt markers (`prompts.query` / `prompts.document`), one vocabulary token each. */
  queryMarker: string | undefined;
  documentMarker: string | undefined;
  queryLength: number | undefined;
  documentLength: number | undefined;
  expandQuery: boolean;
  attendToExpansion: boolean;
  /** Token the query is expanded with (`query_expansion.token`), default [MASK]. */
  expansionToken: string | undefined;
  /** `MultiVectorMask.skiplist_words` (empty without the module, as in 6.x). */
  skiplistWords: string[];
}

/** True for a save of sentence-transformers 6's MultiVectorEncoder (not a PyLate / stanford checkpoint). */
export function isNativeMultiVector(files: ModelFiles): boolean {
  const layout = stLayoutOf(files);
  return layout.modelType === "MultiVectorEncoder" || layout.modules.some((m) => m.kind === "multi-vector-mask");
}

/**
 * Reads a MultiVectorEncoder save: markers from `config_sentence_transformers.json` prompts,
 * lengths and `query_expansion` from `sentence_bert_config.json`, the skiplist from the
 * MultiVectorMask module.
 * @throws {ModelLoadError} naming the file and value for settings rerank-kit cannot reproduce
 *   (multi-token prompts, meanmaxsim, skiplists on queries, unknown modules or expansion strategies).
 */
export async function readNativeColbertConfig(files: ModelFiles): Promise<NativeColbertConfig> {
  const stPath = join(files.dir, "config_sentence_transformers.json");
  const sbPath = join(files.dir, "sentence_bert_config.json");
  assertLateInteractionModules(files.modules ?? [], join(files.dir, "modules.json"));
  const similarity = files.stConfig?.["similarity_fn_name"];
  if (similarity !== undefined && similarity !== null && similarity !== "maxsim") {
    throw new ModelLoadError(`${stPath}: similarity_fn_name ${JSON.stringify(similarity)} is not supported; supported: maxsim`, { path: stPath });
  }
  const prompts = (files.stConfig?.["prompts"] ?? {}) as Record<string, unknown>;
  const marker = (key: string): string | undefined => {
    const value = prompts[key];
    if (typeof value !== "string" || value.trim() === "") return undefined;
    if (/\s/.test(value.trim())) {
      throw new ModelLoadError(
        `${stPath}: prompts.${key} ${JSON.stringify(value)} is not a single marker token; rerank-kit runs ColBERT prompts that are one token`,
        { path: stPath },
      );
    }
    return value.trim();
  };
  const sb = files.sbertConfig ?? {};
  const expansion = sb["query_expansion"] as Record<string, unknown> | null | undefined;
  if (expansion && expansion["strategy"] !== "fixed") {
    throw new ModelLoadError(`${sbPath}: query_expansion strategy ${JSON.stringify(expansion["strategy"])} is not supported; supported: fixed`, { path: sbPath });
  }
  const mask = await readMaskConfig(files);
  return {
    queryMarker: marker("query"),
    documentMarker: marker("document") ?? marker("passage"),
    queryLength: num(expansion?.["length"]) ?? num(sb["query_length"]),
    documentLength: num(sb["document_length"]),
    expandQuery: Boolean(expansion),
    attendToExpansion: expansion?.["attend"] === true,
    expansionToken: typeof expansion?.["token"] === "string" ? expansion["token"] : undefined,
    skiplistWords: mask.skiplistWords,
  };
}

async function readMaskConfig(files: ModelFiles): Promise<{ skiplistWords: string[] }> {
  const mod = (files.modules ?? []).find((m) => classifyModule(m.type) === "multi-vector-mask");
  if (!mod) return { skiplistWords: [] };
  const cfg = (await readJson(join(files.dir, mod.path), "config.json", false)) ?? {};
  const path = join(files.dir, mod.path, "config.json");
  const tasks = cfg["skiplist_tasks"];
  const taskList = typeof tasks === "string" ? [tasks] : Array.isArray(tasks) ? (tasks as string[]) : ["document"];
  if (taskList.some((t) => t !== "document")) {
    throw new ModelLoadError(`${path}: skiplist_tasks ${JSON.stringify(tasks)} is not supported; supported: ["document"]`, { path });
  }
  if (cfg["keep_only_token_ids"] !== undefined && cfg["keep_only_token_ids"] !== null) {
    throw new ModelLoadError(`${path}: keep_only_token_ids is not supported (image-document models)`, { path });
  }
  return { skiplistWords: Array.isArray(cfg["skiplist_words"]) ? (cfg["skiplist_words"] as string[]) : [] };
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * A MultiVectorEncoder save's per-task lengths are tokenizer max lengths of their own and may
 * exceed the tokenizer's `model_max_length` (6.x rewrites it to PyLate's `max_seq_length`, one
 * less than the document length), so the scorer's limit is the largest of them.
 */
export function nativeMaxLength(files: ModelFiles): number | undefined {
  if (!isNativeMultiVector(files)) return undefined;
  const sb = files.sbertConfig ?? {};
  const expansion = sb["query_expansion"] as Record<string, unknown> | null | undefined;
  const lengths = [sb["document_length"], sb["query_length"], expansion?.["length"]].filter(
    (n): n is number => typeof n === "number" && Number.isFinite(n) && n > 0,
  );
  return Math.max(modelMaxLength(files), ...lengths);
}
