import { BaseScorer } from "../base-scorer.js";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { RerankKitError } from "../errors/rerank-kit-error.js";
import { assertTexts, toPairs, type Pairs } from "../scoring/pairing.js";
import { throwIfAborted } from "../errors/abort-error.js";
import type { ScoreInput, ScoreOptions, ScoreResponse, ScoreType, Tokenization } from "../types.js";
import type { DocumentWindows } from "../contracts/tokenizer.js";
import type { ModelMetadata } from "../contracts/metadata.js";
import { validateScoreOptions, type ScoreOptionName } from "../options/call-options.js";
import type { ModelFiles } from "./files/model-files.js";
import type { BatchLimits } from "./family/limits.js";
import type { LocalParts } from "./family/open-parts.js";
import type { OnnxSession } from "./runtime/onnx-session.js";
import { planRuns, runMicroBatches, type BatchRow, type EncodedSequence, type RunOptions } from "./runtime/run-batches.js";
import type { TextTokenizer } from "./tokenization/text-tokenizer.js";

/**
 * The per-call options every local family honours; a family's `scoreOptionNames` lists these
 * first, then the truncation and template options it applies.
 */
export const COMMON_CALL_OPTIONS = ["signal", "onProgress", "activation", "truncate"] as const satisfies readonly ScoreOptionName[];

/** What a family tells the skeleton about its graph and its batches. */
export interface FamilyShape {
  /**
   * The outputs its head can read, in order of preference: the first the graph declares is run,
   * else the graph's first output. @default the graph's first output
   */
  outputs?: readonly string[] | undefined;
  /**
   * Padding side of its batches when the family fixes it (a head that reads positions from the
   * start wants `right`, one that reads the last position `left`). @default by the model: `left`
   * for decoders, else `right`
   */
  padding?: "left" | "right" | undefined;
}

/** The caller's side of a batch run: only its `signal` and `onProgress` are read. */
export type BatchCall = Pick<RunOptions, "signal" | "onProgress">;

/** Run settings a family may set for one run (output, padding, a decoder's prefix and logits). */
export type BatchSettings = Partial<Omit<RunOptions, "signal" | "onProgress">>;

/**
 * The skeleton of every local model family. It holds what a loaded model is made of
 * (`LocalParts`: tokenizer, ONNX session, length and batch limits, padding side), runs
 * micro-batches with abort and progress, checks the caller's pairs, texts and per-call options,
 * and gives tokenizer access and `close()`. A family adds only how it encodes its inputs and what
 * its head reads from the model's output.
 *
 * ## How to add a family
 * One class over this base; SPLADE (a MaskedLM graph whose `logits` row per token becomes
 * `log1p(relu(x))`, max-pooled over the tokens, scored by a sparse dot product) is one small
 * file. A family implements:
 * 1. **`static fromFiles(files, options)`**: reads its own settings from the files, opens the
 *    parts with `openLocalParts(files, options, { pair, minContentTokens, familyMaxLength,
 *    openSession })` (`family/open-parts.ts`; limits and session opening live beside it), and
 *    calls its constructor, which calls `super(parts, { outputs, padding })` (`FamilyShape`:
 *    which graph output its head reads, and the padding side when the head needs one) and takes
 *    the family's settings as one object.
 * 2. **Its encoding**: texts or pairs to `EncodedSequence`s with the helpers of `tokenization/`
 *    (`encodeSingle`, `encodePair`, `TemplateEncoder`), which apply `maxLength` and the caller's
 *    truncation options.
 * 3. **Its head**: `(row: BatchRow, index) => T`, reading one sequence's value (a logit row, a
 *    pooled vector, token vectors, a sparse vector) from the batch output. `runBatches(sequences,
 *    options, head)` plans, pads and runs the batches, checks `signal` and awaits `onProgress`.
 *    Inputs that are not token ids (an image tower's pixels) build their own feeds per batch
 *    inside `runBatchLoop` (`runtime/batch-loop.ts`), which keeps abort and progress the same.
 * 4. **`scorePairs(pairs, options)`**: pairs arrive checked (`scoreWithUsage` did it). A family
 *    that reads a pair jointly encodes each pair, runs it and returns `{ scores,
 *    ...pairUsage(tokensPerPair) }`; one that encodes the sides apart returns
 *    `scoreSeparately(pairs, { encode, compare })`, which encodes each distinct text once and
 *    counts usage as vLLM does (`scoring/pair-usage.ts`). Other capabilities (`embed`,
 *    `classify`) start with `checkTexts` and count with `usageOf`.
 * 5. **`scoreOptionNames`**: `COMMON_CALL_OPTIONS` plus the options it applies; override
 *    `documentTokenBudget` when documents are not encoded in a cross-encoder pair, and `close`
 *    when it opens more sessions.
 *
 * Family detection, `loadScorer`, the `fromPretrained` overloads and the worker proxy register a
 * family with the rest of the package; they hold no family logic.
 */
export abstract class LocalScorerBase extends BaseScorer implements DocumentWindows, ModelMetadata {
  abstract override readonly scoreType: ScoreType;
  /** The model id or folder this scorer was loaded from. */
  readonly model: string;
  /** Longest sequence the scorer feeds the model, special tokens included. */
  readonly maxLength: number;
  protected readonly files: ModelFiles;
  protected readonly tokenizer: TextTokenizer;
  protected readonly session: OnnxSession;
  protected readonly limits: BatchLimits;
  /** Padding side of every batch this scorer runs. */
  protected readonly padding: "left" | "right";
  /** The output {@link LocalScorerBase.runBatches} reads unless a run names another. */
  protected readonly outputName: string;
  private closed = false;

  /**
   * The per-call `ScoreOptions` this family honours; `textPairs` refuses the others. Families
   * override it with what their `scorePairs` really applies.
   */
  protected get scoreOptionNames(): readonly ScoreOptionName[] {
    return COMMON_CALL_OPTIONS;
  }

  protected constructor(parts: LocalParts, shape: FamilyShape = {}) {
    super();
    this.files = parts.files;
    this.model = parts.files.id;
    this.tokenizer = parts.tokenizer;
    this.session = parts.session;
    this.maxLength = parts.maxLength;
    this.limits = parts.limits;
    this.padding = shape.padding ?? parts.padding;
    const names = parts.session.outputNames;
    this.outputName = shape.outputs?.find((n) => names.includes(n)) ?? (names[0] as string);
  }

  /**
   * Runs encoded sequences through the model in length-sorted micro-batches and returns what
   * `head` reads for each, in input order. The scorer's limits, padding side and output apply
   * unless `settings` changes them; the call's `signal` is checked between batches and its
   * `onProgress` awaited after each (a failing callback fails the call).
   * @throws {AbortError} when `signal` fires.
   * @throws {RerankKitError} when the scorer is closed during the run.
   */
  protected runBatches<T>(
    sequences: readonly EncodedSequence[],
    call: BatchCall,
    head: (row: BatchRow, index: number) => T,
    settings: BatchSettings = {},
  ): Promise<T[]> {
    return runMicroBatches(this.session, sequences, this.runOptions(call, settings), head);
  }

  /**
   * The micro-batches {@link LocalScorerBase.runBatches} would run `sequences` in, with the same
   * settings, and the tokens each is planned by (see `planRuns`).
   */
  protected planBatches(sequences: readonly EncodedSequence[], settings: BatchSettings = {}): { batches: number[][]; lengths: number[] } {
    return planRuns(this.session, sequences, this.runOptions({}, settings));
  }

  private runOptions(call: BatchCall, settings: BatchSettings): RunOptions {
    return {
      ...this.limits,
      output: this.outputName,
      padId: this.tokenizer.padId,
      padding: this.padding,
      ...settings,
      signal: call.signal,
      onProgress: call.onProgress,
    };
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
   * Scores pairs in pair order (1:1, 1:N or N:N zipped, as vLLM), with the tokens each pair took.
   * @throws {InvalidInputError} for bad shapes or non-string texts, naming the index in the
   *   caller's list.
   * @throws {InvalidOptionError} for an option this scorer cannot honour, a misspelt one, or a bad value.
   * @throws {ContextLengthError} when a text is too long and `truncate` is false.
   * @throws {AbortError} when `signal` fires.
   */
  async scoreWithUsage(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options: ScoreOptions = {},
  ): Promise<ScoreResponse> {
    const pairs = this.textPairs(queries, documents, options);
    throwIfAborted(options.signal);
    return this.scorePairs(pairs, options);
  }

  /** The family's scoring: explicit text pairs (checked) in, scores and usage in pair order out. */
  protected abstract scorePairs(pairs: Pairs<string>, options: ScoreOptions): Promise<ScoreResponse>;

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
