import { BaseScorer } from "../base-scorer.js";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { RerankKitError } from "../errors/rerank-kit-error.js";
import type { MicroBatchLimits } from "../batching/micro-batches.js";
import { assertTexts, toPairs, type Pairs } from "../scoring/pairing.js";
import type { ScoreInput, ScoreType, Tokenization } from "../types.js";
import type { DocumentWindows } from "../contracts/tokenizer.js";
import type { ModelMetadata } from "../contracts/metadata.js";
import { InvalidOptionError } from "../errors/invalid-option-error.js";
import { validateScoreOptions, type ScoreOptionName } from "../options/call-options.js";
import type { ModelFiles } from "./files/model-files.js";
import type { LocalModelOptions } from "./options.js";
import { openEncoderSession } from "./runtime/open-encoder-session.js";
import { OnnxSession } from "./runtime/onnx-session.js";
import { TextTokenizer } from "./tokenization/text-tokenizer.js";

/** What every local scorer is built from. */
export interface LocalParts {
  files: ModelFiles;
  tokenizer: TextTokenizer;
  session: OnnxSession;
  maxLength: number;
  /** Explicit micro-batch limits, and the dtype that picks the defaults for the rest. */
  limits: MicroBatchLimits & { dtype?: string | undefined };
  /** Padding side for batches: `left` for decoders (their last position is read), else `right`. */
  padding: "left" | "right";
}

/**
 * Decoder families whose plain exports (`input_ids`, `attention_mask` only) give no other sign of
 * being decoders. Graphs exported for generation are recognized from their inputs.
 */
const DECODER_MODEL_TYPES = new Set([
  "qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "llama", "mistral", "gemma", "gemma2", "gemma3", "gemma3_text",
  "phi", "phi3", "gpt2", "gpt_neox", "olmo", "olmo2", "smollm3", "granite",
]);

/** True when the model is a decoder: its graph takes positions or a cache, or its config says so. */
export function isDecoder(files: ModelFiles, session: OnnxSession): boolean {
  return session.decoder || DECODER_MODEL_TYPES.has(String(files.config["model_type"] ?? "")) || files.config["is_decoder"] === true;
}

/**
 * Opens the tokenizer and the ONNX session of a model and resolves its length limit. `openSession`
 * replaces the plain session (the LLM reranker opens a rewritten graph; it needs the tokenizer).
 * @param shape `minContentTokens`: the fewest non-special tokens a sequence of this family needs
 *   (2 for a pair: one query and one document token); a `maxLength` leaving fewer is refused.
 * @throws {InvalidOptionError} when `maxLength` leaves too few tokens or exceeds the model's positions.
 */
export async function openLocalParts(
  files: ModelFiles,
  options: LocalModelOptions,
  ownMaxLength?: number,
  openSession?: (tokenizer: TextTokenizer) => Promise<OnnxSession>,
  shape: { pair?: boolean; minContentTokens?: number } = {},
): Promise<LocalParts> {
  const tokenizer = new TextTokenizer(files.tokenizerJson, files.tokenizerConfig, `${files.dir}/tokenizer.json`);
  if (options.maxLength !== undefined) checkMaxLength(files, tokenizer, options.maxLength, shape);
  const sessionOptions = { threads: options.threads, device: options.device, config: files.config };
  const session = openSession
    ? await openSession(tokenizer)
    : DECODER_MODEL_TYPES.has(String(files.config["model_type"] ?? ""))
      ? await OnnxSession.create(files.onnxPath, sessionOptions)
      : await openEncoderSession(files.onnxPath, sessionOptions);
  const maxLength = options.maxLength ?? ownMaxLength ?? modelMaxLength(files);
  const limits: LocalParts["limits"] = { dtype: options.dtype ?? "fp32" };
  if (options.maxBatchTokens !== undefined) limits.maxBatchTokens = options.maxBatchTokens;
  if (options.maxBatchSize !== undefined) limits.maxBatchSize = options.maxBatchSize;
  return { files, tokenizer, session, maxLength, limits, padding: isDecoder(files, session) ? "left" : "right" };
}

/**
 * Checks a requested `maxLength` against the model at load time: too small leaves no room for text
 * after the special tokens (every document would get the same score); beyond the position
 * embeddings ONNX Runtime fails later with a raw broadcast error.
 * @throws {InvalidOptionError} naming the allowed range.
 */
function checkMaxLength(
  files: ModelFiles,
  tokenizer: TextTokenizer,
  maxLength: number,
  shape: { pair?: boolean; minContentTokens?: number },
): void {
  const specials = shape.pair ? tokenizer.pairSpecials : tokenizer.singleSpecials;
  const min = specials + (shape.minContentTokens ?? (shape.pair ? 2 : 1));
  const max = positionLimit(files);
  if (Number.isInteger(maxLength) && maxLength >= min && (max === undefined || maxLength <= max)) return;
  const allowed = `an integer from ${min} to ${max ?? "any"}`;
  throw new InvalidOptionError(
    `${files.dir}: option \`maxLength\` must be ${allowed} for this model ` +
      `(${specials} special tokens per sequence${max === undefined ? "" : `, ${max} position embeddings`}), got ${String(maxLength)}`,
    { option: "maxLength", allowed },
  );
}

/** The most positions the model's position embeddings cover (RoBERTa's offset of 2 removed), if known. */
export function positionLimit(files: ModelFiles): number | undefined {
  let positions = Number(files.config["max_position_embeddings"]);
  const type = String(files.config["model_type"] ?? "");
  if (["roberta", "xlm-roberta", "camembert"].includes(type) && Number.isFinite(positions)) positions -= 2;
  return Number.isFinite(positions) && positions > 0 ? positions : undefined;
}

/**
 * The model's length limit as sentence-transformers resolves it: the tokenizer's
 * `model_max_length`, capped by `max_position_embeddings` (minus RoBERTa's offset of 2).
 */
export function modelMaxLength(files: ModelFiles): number {
  const fromTokenizer = Number(files.tokenizerConfig["model_max_length"]);
  let positions = Number(files.config["max_position_embeddings"]);
  const type = String(files.config["model_type"] ?? "");
  if (["roberta", "xlm-roberta", "camembert"].includes(type) && Number.isFinite(positions)) positions -= 2;
  const candidates = [fromTokenizer, positions].filter((n) => Number.isFinite(n) && n > 0 && n < 1e6);
  return candidates.length > 0 ? Math.min(...candidates) : 512;
}

/** Tokenizer access and resource handling shared by the local scorers. */
export abstract class LocalScorerBase extends BaseScorer implements DocumentWindows, ModelMetadata {
  abstract override readonly scoreType: ScoreType;
  /** The model id or folder this scorer was loaded from. */
  readonly model: string;
  /** Longest sequence the scorer feeds the model, special tokens included. */
  readonly maxLength: number;
  protected readonly files: ModelFiles;
  protected readonly tokenizer: TextTokenizer;
  protected readonly session: OnnxSession;
  protected readonly limits: LocalParts["limits"];
  /** Padding side of every batch this scorer runs. */
  protected readonly padding: "left" | "right";
  private closed = false;

  /**
   * The per-call `ScoreOptions` this family honours; `textPairs` refuses the others. Families
   * override it with what their `scoreWithUsage` really applies.
   */
  protected get scoreOptionNames(): readonly ScoreOptionName[] {
    return ["signal", "onProgress", "activation", "truncate"];
  }

  protected constructor(parts: LocalParts) {
    super();
    this.files = parts.files;
    this.model = parts.files.id;
    this.tokenizer = parts.tokenizer;
    this.session = parts.session;
    this.maxLength = parts.maxLength;
    this.limits = parts.limits;
    this.padding = parts.padding;
  }

  /** Tokenizes one text, with the model's special tokens unless `addSpecialTokens` is false. */
  tokenize(text: string, options: { addSpecialTokens?: boolean } = {}): Tokenization {
    const raw = this.tokenizer.encode(text);
    const ids = options.addSpecialTokens === false ? raw : this.tokenizer.single(raw).ids;
    return { ids, tokens: this.tokenizer.idsToTokens(ids) };
  }

  /** Decodes token ids back to text (special tokens skipped unless `skipSpecialTokens` is false). */
  detokenize(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode(ids, options.skipSpecialTokens ?? true);
  }

  /** The model's `config.json` (architectures, `num_labels`, Matryoshka fields), read-only. */
  get modelConfig(): Readonly<Record<string, unknown>> {
    return this.files.config;
  }

  /**
   * The `prompts` of the model's `config_sentence_transformers.json` (e.g. `{query: "query: "}`),
   * or `{}`; vLLM's `/v2/embed` maps Cohere's `input_type` onto these keys.
   */
  get sentenceTransformersPrompts(): Readonly<Record<string, string>> {
    const prompts = this.files.stConfig?.["prompts"];
    if (!prompts || typeof prompts !== "object") return {};
    return Object.fromEntries(Object.entries(prompts).filter((e): e is [string, string] => typeof e[1] === "string"));
  }

  /** The model's `tokenizer_config.json`, read-only (served by `/tokenizer_info`). */
  get tokenizerConfig(): Readonly<Record<string, unknown>> {
    return this.files.tokenizerConfig;
  }

  /** Document tokens that fit in one pair with `query` (cross-encoder layout). */
  documentTokenBudget(query: string): number {
    return Math.max(0, this.maxLength - this.tokenizer.pairSpecials - this.tokenizer.encode(query).length);
  }

  /** Overlapping windows of at most `maxTokens` tokens, decoded back to text. */
  splitIntoWindows(text: string, maxTokens: number, overlapTokens: number): string[] {
    const ids = this.tokenizer.encode(text);
    if (ids.length <= maxTokens) return [text];
    const size = Math.max(1, maxTokens);
    const stride = Math.max(1, size - Math.max(0, overlapTokens));
    const windows: string[] = [];
    for (let start = 0; start < ids.length; start += stride) {
      windows.push(this.tokenizer.decode(ids.slice(start, start + size)));
      if (start + size >= ids.length) break;
    }
    return windows;
  }

  /** Releases the ONNX session. Later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }

  /**
   * Expands a call to explicit text pairs with vLLM's rules, after checking the scorer is open and
   * the call's options (see {@link LocalScorerBase.scoreOptionNames}).
   * @throws {InvalidInputError} for bad shapes or non-string texts, naming the index in the
   *   caller's list.
   * @throws {InvalidOptionError} for an option this family cannot honour, or a bad value.
   */
  protected textPairs(queries: ScoreInput | ScoreInput[], documents: ScoreInput | ScoreInput[], options?: unknown): Pairs<string> {
    this.assertOpen();
    validateScoreOptions(withoutModelLimit(options), this.scoreOptionNames, `${this.scoreType} scorer: score`);
    const pairs = toPairs(queries, documents);
    assertTexts(Array.isArray(queries) ? queries : [queries], "queries");
    assertTexts(Array.isArray(documents) ? documents : [documents], "documents");
    return pairs as Pairs<string>;
  }

  /**
   * Checks a list of texts to embed, after checking the scorer is open.
   * @throws {InvalidInputError} when `texts` is not an array of strings, naming the index.
   */
  protected checkTexts(texts: unknown): asserts texts is string[] {
    this.assertOpen();
    if (!Array.isArray(texts)) throw new InvalidInputError("texts must be an array of strings", { field: "texts" });
    assertTexts(texts, "texts");
  }

  /** @throws {RerankKitError} when the scorer was closed. */
  protected assertOpen(): void {
    if (this.closed) throw new RerankKitError(`Scorer for ${this.model} is closed`);
  }
}

/**
 * `truncatePromptTokens: -1` asks for the model's own limit, which every family applies when
 * truncating; only other values need a family that cuts prompts, so -1 alone is not refused.
 */
function withoutModelLimit(options: unknown): unknown {
  if (typeof options !== "object" || options === null || (options as { truncatePromptTokens?: unknown }).truncatePromptTokens !== -1) {
    return options;
  }
  const { truncatePromptTokens: _limit, ...rest } = options as Record<string, unknown>;
  return rest;
}
