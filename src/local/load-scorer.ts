import { InvalidInputError } from "../errors/invalid-input-error.js";
import { BiEncoderScorer } from "./bi-encoder.js";
import { CrossEncoderScorer } from "./cross-encoder.js";
import { detectScoreType } from "./detect-family.js";
import { loadModelFiles, onnxFileFor, readModelFolder, resolveModelFolder } from "./files/model-files.js";
import { ImageTextScorer, type ImageTextOptions } from "./image-text/image-text-scorer.js";
import { imageTextFamilyOf, readImageTextLayout } from "./image-text/layout.js";
import { validateAnyLoadOptions } from "./option-rules.js";
import { LateInteractionScorer } from "./late-interaction/late-interaction-scorer.js";
import { isLlmReranker, LlmRerankerScorer } from "./llm-reranker/llm-reranker.js";
import { readSpladeLayout } from "./sparse/sparse-layout.js";
import { SpladeScorer } from "./sparse/splade-scorer.js";
import { BgeM3Scorer, isBgeM3Folder } from "./sparse/bge-m3-scorer.js";
import { isStaticLayout } from "./static/static-layout.js";
import { StaticEmbedder } from "./static/static-embedder.js";
import type { InProcess, InWorker, LoadScorerOptions, WorkerLoadOption } from "./options.js";
import { loadInWorker } from "./worker-pool/in-worker.js";
import { checkWorkerOption, WORKER_OPTION_RULE, workerShape } from "./worker-pool/worker-option.js";
import type { AnyWorkerScorer } from "./worker-pool/worker-scorer.js";

/** Any local scorer. */
export type LocalScorer = CrossEncoderScorer | LlmRerankerScorer | BiEncoderScorer | LateInteractionScorer | ImageTextScorer | SpladeScorer | BgeM3Scorer | StaticEmbedder;

/**
 * Loads a local scorer from a Hugging Face model id or a folder, detecting its score type from the
 * model's files (ColBERT metadata -> late interaction; a one-label classifier -> cross-encoder; a
 * causal LM with a token head (LogitScore module, `hfOverrides`, or a known LLM reranker id) ->
 * cross-encoder scored by {@link LlmRerankerScorer}; sentence-transformers pooling -> bi-encoder;
 * a CLIP / SigLIP folder or Hub repo (`model_type` clip / siglip / siglip2 with a
 * `preprocessor_config.json`, also in a sentence-transformers `clip-ViT-*` save) -> {@link ImageTextScorer},
 * a bi-encoder over texts and images (worker threads included);
 * a SparseEncoder (SPLADE, or inference-free SPLADE with a `Router`) -> sparse, by
 * {@link SpladeScorer}; a `StaticEmbedding` or model2vec folder -> bi-encoder in pure JavaScript,
 * by {@link StaticEmbedder}; bge-m3's `sparse_linear.pt` + `colbert_linear.pt` -> bi-encoder with
 * sparse and ColBERT outputs, by {@link BgeM3Scorer}) unless `options.scoreType` says. Every
 * layout loads from a folder or a Hub id alike.
 *
 * @param idOrPath a Hub id such as `"Xenova/ms-marco-MiniLM-L-6-v2"` or a folder path
 * @throws {ModelLoadError} naming the path and what is missing, when the type cannot be told, or
 *   when `scoreType` contradicts the family the files describe
 * @throws {InvalidOptionError} for an unknown option (with near misses), an option the loaded
 *   family cannot honour, or a value out of range
 *
 * With `worker: true` (or `{ workers, threads }`) the model loads in worker threads instead and
 * the result is a {@link WorkerScorer} with the model's capabilities (`embed` for a bi-encoder,
 * `embedTokens` for ColBERT; test with `has`) and the same scoring interface, whose inference never blocks this thread: the choice
 * for servers, LangChain chains, agents and any long-lived process. In process (the default) is
 * simpler and right for scripts and one-shot jobs.
 * @example
 * ```ts
 * const scorer = await loadScorer("Xenova/ms-marco-MiniLM-L-6-v2", { dtype: "q8" });
 * console.log(scorer.scoreType); // "cross-encoder"
 * const pooled = await loadScorer("Xenova/ms-marco-MiniLM-L-6-v2", { worker: true }); // off the event loop
 * ```
 */
export async function loadScorer(idOrPath: string, options: InWorker<LoadScorerOptions>): Promise<AnyWorkerScorer>;
/** In process (no `worker` option): the family's scorer itself. */
export async function loadScorer(idOrPath: string, options?: InProcess<LoadScorerOptions>): Promise<LocalScorer>;
/** Either, as `worker` decides at run time. */
export async function loadScorer(idOrPath: string, options?: LoadScorerOptions & WorkerLoadOption): Promise<LocalScorer | AnyWorkerScorer>;
export async function loadScorer(idOrPath: string, opts: LoadScorerOptions & WorkerLoadOption = {}): Promise<LocalScorer | AnyWorkerScorer> {
  validateAnyLoadOptions(opts, "loadScorer", { worker: WORKER_OPTION_RULE });
  checkWorkerOption(opts.worker, "loadScorer");
  if (workerShape(opts.worker)) return loadInWorker(idOrPath, opts, undefined);
  const { worker: _worker, ...options } = opts;
  // A Hub id is downloaded first (with the files its layout needs), so every layout is
  // recognized from its folder alike.
  const folder = await resolveModelFolder(idOrPath, options);
  if ((await imageTextFamilyOf(folder)) !== undefined) {
    // CLIP / SigLIP (a folder, or a Hub repo whose listing showed a processor and tower graphs).
    return ImageTextScorer.fromLayout(await readImageTextLayout(folder, options.dtype), imageTextOptions(options), idOrPath);
  }
  if (isStaticLayout(folder)) return StaticEmbedder.load(folder, idOrPath);
  const splade = await readSpladeLayout(folder);
  if (splade) return SpladeScorer.fromFiles({ ...(await loadModelFiles(splade.transformerDir, options)), id: idOrPath }, splade, options);
  const files = await readModelFolder(idOrPath, folder, onnxFileFor(options.dtype, options.onnxFile));
  if (isBgeM3Folder(folder) && (options.scoreType ?? "bi-encoder") === "bi-encoder") return BgeM3Scorer.fromFiles(files, options);
  const llm = isLlmReranker(files) || (options.hfOverrides !== undefined && isCausalLm(files));
  const scoreType = options.scoreType ?? (llm ? "cross-encoder" : detectScoreType(files));
  switch (scoreType) {
    case "cross-encoder":
      return llm ? LlmRerankerScorer.fromFiles(files, options) : CrossEncoderScorer.fromFiles(files, options);
    case "bi-encoder":
      return BiEncoderScorer.fromFiles(files, options);
    case "late-interaction":
      return LateInteractionScorer.fromFiles(files, options);
    default:
      throw new InvalidInputError(`Unknown scoreType ${JSON.stringify(scoreType)}`, { field: "scoreType" });
  }
}

/** The load options an image-text model honours (`maxBatchSize` is its `batchSize`). */
function imageTextOptions(options: LoadScorerOptions): ImageTextOptions {
  const { dtype, threads, device, revision, cacheDir, localFilesOnly, accessToken, hubUrl, maxBatchSize } = options;
  const picked = { dtype, threads, device, revision, cacheDir, localFilesOnly, accessToken, hubUrl, batchSize: maxBatchSize };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)) as ImageTextOptions;
}

function isCausalLm(files: { config: Record<string, unknown> }): boolean {
  return ((files.config["architectures"] as string[] | undefined) ?? []).some((a) => a.endsWith("ForCausalLM"));
}
