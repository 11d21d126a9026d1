import type { MicroBatchLimits } from "../batching/micro-batches.js";
import type { Activation } from "../scoring/activation.js";
import type { ScoreType } from "../types.js";
import type { HfOverrides } from "./llm-reranker/hf-overrides.js";
import type { Int8Weights } from "./runtime/int8-weights-u8.js";
import type { WorkerOption, WorkerPoolShape } from "./worker-pool/worker-option.js";

/**
 * The ONNX weight variants a model folder may hold: the one list that validation, the CLI's
 * choices and the docs read. The suffix follows the Hugging Face / transformers.js convention:
 * `fp32` -> `onnx/model.onnx`, `q8` -> `onnx/model_quantized.onnx`, `fp16` -> `onnx/model_fp16.onnx`, ...
 */
export const DTYPES = ["fp32", "fp16", "q8", "int8", "uint8", "q4", "q4f16", "bnb4"] as const;

/** Which ONNX weights to load: one of {@link DTYPES}. */
export type Dtype = (typeof DTYPES)[number];

/**
 * How a ColBERT model encodes text: `colbert` follows colbert-ai / PyLate (markers, [MASK] query
 * expansion, punctuation skiplist); `vllm` reproduces vLLM's serving path (plain `[CLS] text [SEP]`).
 */
export const COLBERT_CONVENTIONS = ["colbert", "vllm"] as const;

/** One of {@link COLBERT_CONVENTIONS}. */
export type ColbertConvention = (typeof COLBERT_CONVENTIONS)[number];

/**
 * The one place where the two defaults of the ColBERT convention are decided, on purpose
 * different: the library scores as the model's authors do (`colbert`, what sentence-transformers
 * and PyLate compute), while `rerank-kit serve` answers as vLLM does (`vllm`), so a client moving
 * between vLLM and `serve` gets the same scores. `serve --colbert-convention colbert` (or the
 * deprecated `model`) gives the library's.
 */
export const COLBERT_CONVENTION_DEFAULTS = { library: "colbert", serve: "vllm" } as const satisfies Record<string, ColbertConvention>;

/** Options shared by every local model. */
export interface LocalModelOptions extends MicroBatchLimits {
  /** Which weights file to load. @default "fp32" */
  dtype?: Dtype;
  /** ONNX Runtime execution provider. Only `cpu` ships with onnxruntime-node on Linux. @default "cpu" */
  device?: "cpu" | "cuda" | "dml" | "coreml";
  /** Intra-op threads for ONNX Runtime. @default os.availableParallelism() */
  threads?: number;
  /**
   * Which int8 kernel a quantized model's MatMuls run. `auto`: on x86 CPUs without VNNI
   * (AVX2 only, e.g. AMD Zen 2/3), int8 weights are shifted to uint8 at load (the same math), since
   * ONNX Runtime's uint8 x int8 kernel there saturates int16 sums and moves logits by tenths; its
   * uint8 x uint8 kernel does not, and is slower. `int8`: keep the file's kernel (fastest, that
   * drift on such CPUs). `uint8`: always shift. @default "auto"
   */
  int8Weights?: Int8Weights;
  /** Longest sequence in tokens, special tokens included. @default the model's own limit */
  maxLength?: number;
  /** Hub revision (branch, tag or commit) when loading by model id. @default "main" */
  revision?: string;
  /** Hugging Face cache folder. @default $HF_HUB_CACHE or ~/.cache/huggingface/hub */
  cacheDir?: string;
  /** Never download; use the local cache only. @default false */
  localFilesOnly?: boolean;
  /** Hugging Face token for gated or private models. @default $HF_TOKEN */
  accessToken?: string;
  /** Hub endpoint, e.g. a mirror. @default $HF_ENDPOINT or https://huggingface.co */
  hubUrl?: string;
  /** Override the ONNX file path inside the model folder (e.g. `onnx/model_O4.onnx`). */
  onnxFile?: string;
}

/** Options for cross-encoders, LLM rerankers included. */
export interface CrossEncoderOptions extends LocalModelOptions {
  /** Force an activation instead of the one the model's config declares. */
  activation?: Activation;
  /**
   * The score template (what vLLM's `--chat-template` sets for a reranker): a preset name
   * (`qwen3-reranker`, `mxbai-rerank-v2`, `bge-reranker-v2-gemma`, `nemotron-rerank`) or a Jinja
   * source. Without it, the model folder's score template is used (`chat_template.jinja` or
   * `tokenizer_config.json`), then, for known LLM rerankers, the preset. `false` uses no template:
   * the texts are scored as given (the caller formats the prompt, as in vLLM's offline Qwen3 example).
   */
  scoreTemplate?: string | false;
  /**
   * The 0.x name of {@link CrossEncoderOptions.scoreTemplate} (the same value).
   * @deprecated Use `scoreTemplate`: `chatTemplate` names a chat template in vLLM's sense (for
   * `messages`), which is what `createServer({ chatTemplate })` takes.
   */
  chatTemplate?: string | false;
  /**
   * vLLM's `hf_overrides` for causal LMs used as rerankers, as a JSON string or an object:
   * `classifier_from_token`, `method` (`from_2_way_softmax` | `no_post_processing`),
   * `is_original_qwen3_reranker`. Other keys (`architectures`) are ignored.
   * @example '{"architectures":["Qwen3ForSequenceClassification"],"classifier_from_token":["no","yes"],"is_original_qwen3_reranker":true}'
   */
  hfOverrides?: string | HfOverrides;
  /**
   * LLM rerankers: rewrite the graph at load so it computes the score only (last position, the
   * head's token rows) instead of the full LM head at every position. `false` reads full logits.
   * @default true
   */
  rewriteHead?: boolean;
  /**
   * LLM rerankers: compute the token prefix all pairs of a call share (the template's system
   * prompt; for 1:N also the instruction and query) once, and feed its key/value cache to every
   * pair's pass, as vLLM's prefix caching does. The same holds for the sequences of one
   * next-token call (generative scoring). Needs a graph with `past_key_values` inputs.
   * @default true
   */
  reusePrefix?: boolean;
}

/** A task of a task-conditioned model (`config.json` `lora_adaptations`) for both sides, or one for queries and one for documents. */
export type TaskOption = string | { query: string; document: string };

/** Options for bi-encoders. */
export interface BiEncoderOptions extends LocalModelOptions {
  /** Text prepended to queries; overrides the model's `query` prompt. */
  queryPrefix?: string;
  /** Text prepended to documents; overrides the model's `document`/`passage` prompt. */
  documentPrefix?: string;
  /** Matryoshka: keep the first `dimensions` values of every embedding (then re-normalize). */
  dimensions?: number;
  /**
   * For a mirror without sentence-transformers files (`Xenova/*`: `config.json`, tokenizer and
   * `onnx/` only): the Hub repo whose `modules.json`, Pooling, Dense, Normalize and prompts to use
   * (downloaded into the Hugging Face cache, never its weights). `false` reads none: the folder is
   * then loaded as sentence-transformers loads a plain transformers model (mean pooling, no
   * normalization). Ignored for folders that have sentence-transformers files.
   * @default the repo `config.json` names in `_name_or_path`, when the Hub (or the cache, with
   *   `localFilesOnly` or `HF_HUB_OFFLINE=1`) has it
   */
  upstream?: string | false;
  /**
   * Task-conditioned exports (`jinaai/jina-embeddings-v3`, whose ONNX graph takes `task_id`): the
   * task, a name from `config.json` `lora_adaptations` (e.g. `text-matching`), or `{ query:
   * "retrieval.query", document: "retrieval.passage" }` for one task per side. Its index is fed as
   * `task_id` and its prompt (`config_sentence_transformers.json` `prompts[task]`) is prepended
   * unless `queryPrefix` / `documentPrefix` say otherwise. Required by such graphs (the error
   * lists the tasks); refused by others.
   */
  task?: TaskOption;
}

/** Options for late-interaction (ColBERT) models. */
export interface LateInteractionOptions extends LocalModelOptions {
  /**
   * `colbert` follows colbert-ai / PyLate (markers, [MASK] query expansion, punctuation skiplist);
   * `vllm` reproduces vLLM's serving path (plain `[CLS] text [SEP]`, none of those).
   * `rerank-kit serve` defaults to `vllm` instead (see {@link COLBERT_CONVENTION_DEFAULTS}).
   * @default "colbert"
   */
  convention?: ColbertConvention;
  /** Query length after [MASK] expansion. @default the model's metadata, else 32 */
  queryLength?: number;
  /** Longest document in tokens. @default the model's metadata, else 180 */
  documentLength?: number;
  /** Most documents whose token embeddings are kept for reuse. `0` disables the cache. @default 10000 */
  documentCacheSize?: number;
}

/** Options for {@link loadScorer}: those of every family, plus an explicit `scoreType`. */
export interface LoadScorerOptions extends CrossEncoderOptions, BiEncoderOptions, LateInteractionOptions {
  /** Skip detection and load the model as this score type. */
  scoreType?: ScoreType;
}

/**
 * The `worker` option of `loadScorer` and of every scorer class's `fromPretrained`: load the
 * model in worker threads (`true`, or `{ workers, threads }`) and get back a scorer with the same
 * interface whose inference never blocks the caller's event loop. The choice for servers,
 * agents, chains and any long-lived process; leave it unset (in process) for scripts and
 * one-shot jobs, where nothing else waits on the event loop.
 */
export interface WorkerLoadOption {
  /** `true` or a {@link WorkerPoolShape}: run the model in worker threads. @default false (in process) */
  worker?: WorkerOption;
}

/** Load options that ask for worker threads (`worker: true` or a pool shape). */
export type InWorker<T> = T & { worker: true | WorkerPoolShape };

/** Load options that keep the model in process (`worker` unset or `false`). */
export type InProcess<T> = T & { worker?: false };
