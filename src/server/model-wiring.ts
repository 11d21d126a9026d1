import { has, type Capability, type CapabilityContracts } from "../contracts/capabilities.js";
import type { Classifier } from "../contracts/classifier.js";
import type { Embedder } from "../contracts/embedder.js";
import { NO_METADATA, type ModelMetadata } from "../contracts/metadata.js";
import type { Scorer } from "../contracts/scorer.js";
import type { SequenceTokenEmbedder } from "../contracts/sequence-embedder.js";
import type { SparseEmbedder, TokenWeightEmbedder } from "../contracts/sparse-embedder.js";
import type { TokenEmbedder } from "../contracts/token-embedder.js";
import type { Tokenizer } from "../contracts/tokenizer.js";
import { InvalidOptionError } from "../errors/invalid-option-error.js";
import { sparseAsDense } from "./sparse-as-dense.js";

/** The `/pooling` tasks a server can run (vLLM's pooling tasks this server knows). */
export type PoolingTask = "embed" | "token_embed" | "classify" | "token_classify";

/** The tasks a model supports, in vLLM's order, and the one `/pooling` runs. @internal */
export interface PoolingTasks {
  supported: PoolingTask[];
  task: PoolingTask | undefined;
}

/** The parts of a model a server serves, given by the caller or found on the scorer. @internal */
export interface ModelParts {
  scorer: Scorer;
  embedder?: Embedder | undefined;
  tokenEmbedder?: TokenEmbedder | undefined;
  classifier?: Classifier | undefined;
  tokenizer?: Tokenizer | undefined;
  poolingTask?: PoolingTask | undefined;
}

/** What {@link wireModel} decided the server serves. @internal */
export interface ModelWiring {
  embedder: Embedder | undefined;
  /** Sparse vectors (SPLADE, bge-m3's lexical weights): TEI's `/embed_sparse`. */
  sparseEmbedder: SparseEmbedder | undefined;
  /** Per-position lexical weights (bge-m3): `/pooling` task `token_classify`. */
  tokenWeightEmbedder: TokenWeightEmbedder | undefined;
  tokenEmbedder: TokenEmbedder | undefined;
  /** Per-token vectors of token ids (token_embed with token-id input, any truncation). */
  tokenSequenceEmbedder: SequenceTokenEmbedder | undefined;
  classifier: Classifier | undefined;
  tokenizer: Tokenizer | undefined;
  poolingTasks: PoolingTasks;
  metadata: ModelMetadata;
}

/** The part each role defaults to: the caller's, else the scorer when it has the capability. */
function part<C extends Capability>(given: CapabilityContracts[C] | undefined, scorer: Scorer, capability: C): CapabilityContracts[C] | undefined {
  return given ?? (has(scorer, capability) ? scorer : undefined);
}

/**
 * Decides what a server serves from the capabilities of the caller's parts (see the capability
 * table): each role is the part the caller gave, else the scorer if it has that capability.
 * @throws {InvalidOptionError} when `poolingTask` is not a task of this model.
 */
export function wireModel(parts: ModelParts): ModelWiring {
  const { scorer } = parts;
  const sparseEmbedder = part(undefined, scorer, "sparseEmbed");
  const tokenWeightEmbedder = part(undefined, scorer, "tokenWeights");
  // vLLM's BertSpladeSparseEmbeddingModel answers the embed task with the vocabulary-wide vector.
  const embedder = part(parts.embedder, scorer, "embed") ?? (sparseEmbedder && sparseAsDense(sparseEmbedder));
  const tokenEmbedder = part(parts.tokenEmbedder, scorer, "tokenEmbed");
  const classifier = part(parts.classifier, scorer, "classify");
  const tokenSequenceEmbedder = [tokenEmbedder, embedder, scorer].find((x) => has(x, "sequenceTokenEmbed")) as SequenceTokenEmbedder | undefined;
  return {
    embedder,
    sparseEmbedder,
    tokenWeightEmbedder,
    tokenEmbedder,
    tokenSequenceEmbedder,
    classifier,
    tokenizer: part(parts.tokenizer, scorer, "tokenize"),
    poolingTasks: resolvePoolingTasks({ embedder, tokenEmbedder, tokenSequenceEmbedder, classifier, tokenWeightEmbedder }, parts.poolingTask),
    metadata: has(scorer, "metadata") ? scorer : NO_METADATA,
  };
}

/**
 * The model's pooling tasks as vLLM lists them, and the one `/pooling` runs (vLLM's
 * `get_pooling_task` priority: embed, classify, token_embed). A classifier also lists
 * `token_classify`, as vLLM does for sequence-classification models, though a pooled ONNX head
 * cannot give per-token logits: vLLM then answers "Try switching the model's pooling_task".
 * An embedding model that can give per-token vectors lists `token_embed`; choosing it makes
 * `token_embed` the only task listed, as vLLM's `--pooler-config` does. A model with per-position
 * lexical weights (bge-m3) lists `token_classify` too, and can serve it (vLLM's sparse output).
 * @throws {InvalidOptionError} when `choice` is not a task of this model.
 */
function resolvePoolingTasks(
  parts: { embedder: unknown; tokenEmbedder: unknown; tokenSequenceEmbedder: unknown; classifier: unknown; tokenWeightEmbedder: unknown },
  choice: PoolingTask | undefined,
): PoolingTasks {
  const supported: PoolingTask[] = [];
  if (parts.embedder) supported.push("embed");
  if (parts.classifier) supported.push("classify", "token_classify");
  if (parts.tokenEmbedder || (parts.embedder && parts.tokenSequenceEmbedder)) supported.push("token_embed");
  if (parts.tokenWeightEmbedder && !parts.classifier) supported.push("token_classify");
  if (choice === undefined) return { supported, task: (["embed", "classify", "token_embed"] as PoolingTask[]).find((t) => supported.includes(t)) };
  const servable: PoolingTask[] = parts.tokenWeightEmbedder ? supported : supported.filter((t) => t !== "token_classify");
  if (!servable.includes(choice)) {
    const allowed = servable.join(", ") || "none";
    throw new InvalidOptionError(`createServer: \`poolingTask\` "${String(choice)}" is not a task of this model (it has: ${allowed})`, {
      option: "poolingTask",
      allowed,
    });
  }
  // As vLLM with --pooler-config task=token_embed: the embedding task is no longer offered.
  return { supported: choice === "token_embed" ? ["token_embed"] : supported, task: choice };
}

/** vLLM's `is_matryoshka` / `matryoshka_dimensions`, unless the caller decided. @internal */
export function resolveMatryoshka(
  option: boolean | number[] | undefined,
  config: Readonly<Record<string, unknown>>,
): false | { dimensions: number[] | undefined } {
  if (Array.isArray(option)) return { dimensions: [...option] };
  if (option !== undefined) return option ? { dimensions: undefined } : false;
  const dims = config["matryoshka_dimensions"];
  if (Array.isArray(dims)) return { dimensions: dims.filter((d): d is number => typeof d === "number") };
  return config["is_matryoshka"] === true ? { dimensions: undefined } : false;
}

/** The model's architecture name for vLLM's messages: config.json `architectures[0]`, else the class name. @internal */
export function architectureOf(config: Readonly<Record<string, unknown>>, scorer: Scorer): string {
  const archs = config["architectures"];
  if (Array.isArray(archs) && typeof archs[0] === "string") return archs[0];
  return scorer.constructor.name;
}
