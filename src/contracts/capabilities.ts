/**
 * The capability table: every capability a model can have, declared once, with the one guard
 * ({@link has}) that decides it. The server, the worker pool and the adapters derive their wiring
 * from this table instead of probing methods themselves.
 *
 * @module
 */
import type { Classifier } from "./classifier.js";
import type { Embedder } from "./embedder.js";
import type { ImageEmbedder, ImageTokenCounter } from "./image-embedder.js";
import type { ModelMetadata } from "./metadata.js";
import type { NextTokenScorer } from "./next-token-scorer.js";
import type { Scorer } from "./scorer.js";
import type { SparseEmbedder, TokenWeightEmbedder } from "./sparse-embedder.js";
import type { SequenceEmbedder, SequenceTokenEmbedder } from "./sequence-embedder.js";
import type { TokenEmbedder } from "./token-embedder.js";
import type { Detokenizer, DocumentWindows, Tokenizer } from "./tokenizer.js";

/** Each capability's name and the contract an object that has it satisfies. */
export interface CapabilityContracts {
  /** Scores queries against documents: {@link Scorer}. */
  score: Scorer;
  /** One vector per text: {@link Embedder}. */
  embed: Embedder;
  /** One vector per image, in the text vectors' space (CLIP, SigLIP): {@link ImageEmbedder}. */
  imageEmbed: ImageEmbedder;
  /** How many positions the vision tower encodes per image: {@link ImageTokenCounter}. */
  imageTokens: ImageTokenCounter;
  /** Per-token vectors of texts (ColBERT): {@link TokenEmbedder}. */
  tokenEmbed: TokenEmbedder;
  /** One sparse vector over the vocabulary per text (SPLADE, bge-m3): {@link SparseEmbedder}. */
  sparseEmbed: SparseEmbedder;
  /** Per-position lexical weights of texts (bge-m3's sparse head): {@link TokenWeightEmbedder}. */
  tokenWeights: TokenWeightEmbedder;
  /** Vectors of token-id sequences as given: {@link SequenceEmbedder}. */
  sequenceEmbed: SequenceEmbedder;
  /** Per-token vectors of token-id sequences as given: {@link SequenceTokenEmbedder}. */
  sequenceTokenEmbed: SequenceTokenEmbedder;
  /** Labels single texts: {@link Classifier}. */
  classify: Classifier;
  /** A length limit and a tokenizer: {@link Tokenizer}. */
  tokenize: Tokenizer;
  /** Decodes token ids: {@link Detokenizer}. */
  detokenize: Detokenizer;
  /** Cuts documents into windows that fit beside a query: {@link DocumentWindows}. */
  windows: DocumentWindows;
  /** The model's declared settings: {@link ModelMetadata}. */
  metadata: ModelMetadata;
  /** Probabilities of chosen next tokens from a causal LM (vLLM's generative scoring): {@link NextTokenScorer}. */
  nextToken: NextTokenScorer;
}

/** A capability's name, e.g. `"embed"`. */
export type Capability = keyof CapabilityContracts;

/** The contract of an object with every capability in `C` (`Contract<"score" | "embed">` is `Scorer & Embedder`). */
export type Contract<C extends Capability> = { [K in C]: (contract: CapabilityContracts[K]) => void }[C] extends (contract: infer I) => void ? I : never;

type MethodKeys<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;
type DataKeys<T> = Exclude<keyof T, MethodKeys<T>> & string;

/**
 * How a method's arguments cross a thread boundary: the position of its call options (whose
 * `signal` and `onProgress` cannot be cloned, so the worker proxy relays them), or `"plain"` when
 * every argument is plain data.
 */
export type CallShape = number | "plain";

/** The type a data member must have for the guard to accept it. */
export type DataKind = "string" | "number" | "array" | "object";

/** One row of the capability table. */
export interface CapabilitySpec<T> {
  /** The methods an object must have, each with the place of its call options. */
  readonly methods: { readonly [K in MethodKeys<T>]?: CallShape };
  /** The data members an object must have, with their type; a worker copies them once at load. */
  readonly data?: { readonly [K in DataKeys<T>]?: DataKind };
  /** Capabilities this one builds on (checked by the same guard). */
  readonly requires?: readonly Capability[];
}

/**
 * Every capability, once. {@link has} reads it to decide whether an object has a capability, the
 * worker reports the capabilities of the model it loaded with it, and the worker proxy forwards
 * exactly the methods its rows list (the scorer's own methods it implements itself, so option
 * checks and ranking stay on the caller's thread); the server picks what it serves with {@link has}.
 *
 * **Adding a capability** (say `sparseEmbed`): write its contract in a new file of
 * `src/contracts/` (e.g. `sparse-embedder.ts`, re-exported by `src/contracts/index.ts`), add
 * its name and contract to {@link CapabilityContracts}, and add its row here: the methods with the
 * position of their call options (`{ embedSparse: 1 }`), any data members, and what it requires.
 * Then implement the methods in the model family. The guard, the worker pool (what the worker
 * reports, what the proxy forwards, the proxy's type for `fromPretrained({ worker: true })`) follow
 * from the row; only a consumer that serves the capability (a server route, an adapter) is new code,
 * and it tests for the capability with `has(x, "sparseEmbed")`.
 */
export const CAPABILITIES: { readonly [C in Capability]: CapabilitySpec<CapabilityContracts[C]> } = {
  score: {
    methods: { scoreWithUsage: 2, score: 2, rerank: 2, rerankWithUsage: 2, close: "plain" },
    data: { scoreType: "string", model: "string" },
  },
  embed: { methods: { embed: 1, embedWithUsage: 1 } },
  imageEmbed: { methods: { embedImages: 1 } },
  // Apart from imageEmbed: a remote embedder embeds images without knowing the server's tower.
  imageTokens: { methods: {}, data: { tokensPerImage: "number" }, requires: ["imageEmbed"] },
  tokenEmbed: { methods: { embedTokens: 1 } },
  sparseEmbed: { methods: { embedSparse: 1, embedSparseWithUsage: 1, decode: "plain" }, data: { vocabularySize: "number" } },
  tokenWeights: { methods: { embedTokenWeights: 1 } },
  sequenceEmbed: { methods: { embedSequences: 1 } },
  sequenceTokenEmbed: { methods: { embedTokenSequences: 1 } },
  classify: { methods: { classify: 1, classifySequences: 1 }, data: { labels: "array" } },
  tokenize: { methods: { tokenize: "plain" }, data: { maxLength: "number" } },
  detokenize: { methods: { detokenize: "plain" } },
  windows: { methods: { documentTokenBudget: "plain", splitIntoWindows: "plain" }, requires: ["tokenize"] },
  metadata: { data: { modelConfig: "object", tokenizerConfig: "object", sentenceTransformersPrompts: "object" }, methods: {} },
  nextToken: { methods: { nextTokenLogProbs: 2 }, data: { vocabularySize: "number" } },
};

/** Every capability name, in the table's order. */
export const CAPABILITY_NAMES = Object.keys(CAPABILITIES) as Capability[];

function isKind(value: unknown, kind: DataKind): boolean {
  if (kind === "array") return Array.isArray(value);
  if (kind === "object") return typeof value === "object" && value !== null && !Array.isArray(value);
  return typeof value === kind && !(kind === "number" && Number.isNaN(value));
}

/**
 * Whether `x` has `capability`: every method and data member of its row in {@link CAPABILITIES}
 * (and of the capabilities it requires). The one test for a capability in rerank-kit.
 * @example
 * ```ts
 * if (has(scorer, "embed")) await scorer.embed(["text"]);
 * ```
 */
export function has<C extends Capability>(x: unknown, capability: C): x is CapabilityContracts[C] & Contract<C> {
  if ((typeof x !== "object" && typeof x !== "function") || x === null) return false;
  const spec = CAPABILITIES[capability] as CapabilitySpec<Record<string, unknown>>;
  const o = x as Record<string, unknown>;
  for (const method of Object.keys(spec.methods)) if (typeof o[method] !== "function") return false;
  for (const [key, kind] of Object.entries(spec.data ?? {})) if (!isKind(o[key], kind as DataKind)) return false;
  return (spec.requires ?? []).every((c) => has(x, c));
}

/** The capabilities `x` has, in the table's order. */
export function capabilitiesOf(x: unknown): Capability[] {
  return CAPABILITY_NAMES.filter((c) => has(x, c));
}
