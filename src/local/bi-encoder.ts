import { throwIfAborted } from "../errors/abort-error.js";
import type { Pairs } from "../scoring/pairing.js";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { excludePromptFromMask, poolRowModes } from "../scoring/pooling.js";
import { cosine, l2Normalize, l2NormalizeRows } from "../scoring/similarity.js";
import { validateEmbedOptions, type ScoreOptionName } from "../options/call-options.js";
import { assertFamily } from "./assert-family.js";
import { validateLoadOptions } from "./option-rules.js";
import type { EmbedKind, EmbedOptions, EmbedResponse, Embedder, ScoreOptions, ScoreResponse, TokenEmbeddings } from "../types.js";
import { asGivenSequences, maxTokenId } from "./check-sequences.js";
import type { ModelFiles } from "./files/model-files.js";
import { COMMON_CALL_OPTIONS, LocalScorerBase } from "./local-scorer-base.js";
import { maxSeqLength } from "./family/limits.js";
import { openLocalParts, type LocalParts } from "./family/open-parts.js";
import { scoreSeparately, usageOf, type Encoded } from "../scoring/pair-usage.js";
import type { BiEncoderOptions } from "./options.js";
import { pretrainedLoader, type FromPretrained } from "./worker-pool/in-worker.js";
import type { Capability } from "../contracts/capabilities.js";
import { WORKER_OPTION_RULE } from "./worker-pool/worker-option.js";
import type { EncodedSequence } from "./runtime/run-batches.js";
import { applyDense, readStPipeline, type StPipeline } from "./st-modules.js";
import { encodeSingle, encodeText } from "./tokenization/pair-encoder.js";
import { specialTokenIds } from "./tokenization/special-ids.js";
import { lowercasePerCharacter } from "./tokenization/rust-parity.js";
import { withUpstreamSt } from "./files/upstream-st.js";
import { resolveTasks, type ResolvedTask } from "./task-option.js";

/** A bi-encoder's own settings, read from its files and options at load. */
interface BiEncoderSettings {
  pipeline: StPipeline;
  prefixes: Record<EmbedKind, string>;
  dimensions: number | undefined;
  tasks: Record<EmbedKind, ResolvedTask> | undefined;
}

/**
 * A bi-encoder (sentence-transformers layout) run in process: texts are embedded separately with
 * the model's pooling, Dense and Normalize modules and prompts; the score is the cosine.
 * Also an {@link Embedder} for vector stores.
 *
 * @example
 * ```ts
 * const model = await BiEncoderScorer.fromPretrained("Xenova/all-MiniLM-L6-v2");
 * const [v] = await model.embed(["The weather is lovely today."], { kind: "query" });
 * ```
 */
export class BiEncoderScorer extends LocalScorerBase implements Embedder {
  /** Always `bi-encoder`. */
  readonly scoreType = "bi-encoder" as const;
  /** Pooling, Dense and Normalize modules applied after the encoder. */
  readonly pipeline: StPipeline;
  /** Prefixes prepended to queries and documents (from options or the model's prompts). */
  readonly prefixes: Readonly<Record<EmbedKind, string>>;
  private readonly dimensions: number | undefined;
  private readonly lowercase: boolean;
  /** The `task_id` fed per side to a task-conditioned graph. */
  private readonly taskIds: Record<EmbedKind, number> | undefined;

  private constructor(parts: LocalParts, own: BiEncoderSettings) {
    super(parts, { outputs: ["token_embeddings", "last_hidden_state"] });
    this.pipeline = own.pipeline;
    this.prefixes = own.prefixes;
    this.dimensions = own.dimensions;
    this.taskIds = own.tasks && { query: own.tasks.query.id, document: own.tasks.document.id };
    this.lowercase = parts.files.sbertConfig?.["do_lower_case"] === true;
  }

  protected override get scoreOptionNames(): readonly ScoreOptionName[] {
    return [...COMMON_CALL_OPTIONS, "truncatePromptTokens", "truncationSide"];
  }

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "embed", "sequenceEmbed", "sequenceTokenEmbed", "tokenize", "detokenize", "windows", "metadata"] as const satisfies readonly Capability[];

  /**
   * Loads a bi-encoder from a Hugging Face model id or a local folder.
   * @throws {ModelLoadError} naming the path and what is missing, or the family the files
   *   describe when it is not a bi-encoder.
   * @throws {InvalidOptionError} for an unknown option, another family's option or a bad value.
   * With `worker: true` (or `{ workers, threads }`) the model loads in worker threads and the
   * result is a worker proxy that also embeds (a `WorkerScorer` typed with {@link BiEncoderScorer.capabilities}) with the same scoring interface, whose inference never
   * blocks this thread: the choice for servers, chains and long-lived processes.
   */
  static readonly fromPretrained: FromPretrained<BiEncoderScorer, BiEncoderOptions, (typeof BiEncoderScorer.capabilities)[number]> = pretrainedLoader({
    entry: "BiEncoderScorer",
    capabilities: BiEncoderScorer.capabilities,
    check: (options) => validateLoadOptions(options, "bi-encoder", "BiEncoderScorer.fromPretrained", { worker: WORKER_OPTION_RULE }),
    fromFiles: (files, options) => BiEncoderScorer.fromFiles(files, options),
  });

  /** Builds a bi-encoder from files already read. @internal */
  static async fromFiles(files: ModelFiles, options: BiEncoderOptions & { scoreType?: string } = {}): Promise<BiEncoderScorer> {
    validateLoadOptions(options, "bi-encoder", "BiEncoderScorer");
    assertFamily(files, "bi-encoder", options.scoreType ? `scoreType "${options.scoreType}"` : "BiEncoderScorer");
    files = await withUpstreamSt(files, options);
    const pipeline = await readStPipeline(files);
    const parts = await openLocalParts(files, options, { familyMaxLength: maxSeqLength(files) });
    let tasks: Record<EmbedKind, ResolvedTask> | undefined;
    try {
      tasks = resolveTasks(files, options.task, parts.session.hasInput("task_id"));
    } catch (error) {
      await parts.session.release();
      throw error;
    }
    const prompts = (files.stConfig?.["prompts"] ?? {}) as Record<string, string>;
    // encode_query / encode_document fall back to default_prompt_name when the model has no such prompt.
    const fallback = prompts[String(files.stConfig?.["default_prompt_name"] ?? "")];
    const prefixes = {
      query: options.queryPrefix ?? tasks?.query.prompt ?? prompts["query"] ?? fallback ?? "",
      document: options.documentPrefix ?? tasks?.document.prompt ?? prompts["document"] ?? prompts["passage"] ?? prompts["corpus"] ?? fallback ?? "",
    };
    return new BiEncoderScorer(parts, { pipeline, prefixes, dimensions: options.dimensions, tasks });
  }

  /** Cosine similarity per pair. Queries get the query prompt, documents the document prompt. */
  protected scorePairs(pairs: Pairs<string>, options: ScoreOptions): Promise<ScoreResponse> {
    const base = {
      signal: options.signal,
      truncate: options.truncate,
      normalize: false,
      truncatePromptTokens: options.truncatePromptTokens,
      truncationSide: options.truncationSide,
    };
    return scoreSeparately(pairs, {
      encode: (texts, kind) => this.embedDetailed(texts, { ...base, kind }, options),
      compare: (query, docs) => docs.map((d) => cosine(query, d)),
    });
  }

  /** Document tokens embedded before truncation: documents are encoded alone, so the query does not count. */
  override documentTokenBudget(_query: string): number {
    return Math.max(0, this.maxLength - this.tokenizer.singleSpecials - this.tokenizer.encode(this.prefixes.document).length);
  }

  /** One embedding per text, in input order. */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  /**
   * Embeddings with token usage. `kind` picks the prompt (default `document`), `dimensions` keeps
   * the first values (Matryoshka) and re-normalizes when the model normalizes.
   * @throws {InvalidInputError} for non-string texts or an out-of-range `dimensions`.
   */
  async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.checkTexts(texts);
    validateEmbedOptions(options, ["signal", "onProgress", "kind", "prompt", "dimensions", "normalize", "truncate"], "bi-encoder: embed");
    const { values, tokens } = await this.embedDetailed(texts, options, {});
    return { embeddings: values, usage: usageOf(tokens) };
  }

  /**
   * Embeds token-id sequences exactly as given (special tokens included, no prompt, no
   * truncation), so a server can render, truncate and count tokens itself as vLLM does.
   * @throws {InvalidInputError} for an empty or too-long sequence or a non-integer id.
   */
  async embedSequences(sequences: number[][], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.assertOpen();
    const encoded = asGivenSequences(sequences, this.maxLength, maxTokenId(this.files));
    const vectors = await this.runEncoded(encoded, options, {});
    return { embeddings: vectors, usage: usageOf(encoded.map((s) => s.ids.length)) };
  }

  /**
   * Per-token vectors of token-id sequences run exactly as given (vLLM's `token_embed` task on an
   * embedding model): one row per token, special tokens included, each row through the model's
   * Dense modules (as vLLM's sentence-transformers projector) and L2-normalized unless
   * `normalize` is false. Pooling is not applied, so the mean of the unnormalized rows of a
   * mean-pooling model is its embedding before normalization.
   * @throws {InvalidInputError} for an empty sequence or a non-integer id, or a graph that outputs
   *   only pooled vectors.
   * @throws {ContextLengthError} for a sequence over `maxLength`.
   */
  async embedTokenSequences(sequences: number[][], options: Pick<EmbedOptions, "signal" | "onProgress" | "normalize"> = {}): Promise<TokenEmbeddings[]> {
    this.assertOpen();
    validateEmbedOptions(options, ["signal", "onProgress", "normalize"], "bi-encoder: embedTokenSequences");
    const encoded = asGivenSequences(sequences, this.maxLength, maxTokenId(this.files));
    throwIfAborted(options.signal);
    const normalize = options.normalize !== false;
    return this.runBatches(encoded, options, ({ output, row, seq, mask }, j) => {
      if (output.dims.length !== 3) {
        throw new InvalidInputError(`${this.model}: the ONNX graph outputs pooled vectors only, so it has no per-token embeddings`, { field: "task" });
      }
      const hidden = output.dims[2] as number;
      const n = (encoded[j] as EncodedSequence).ids.length;
      // With left padding a row's tokens end at seq - 1; find where they start from the mask.
      let start = 0;
      while (start < seq && mask[row * seq + start] === 0n) start++;
      const rows: Float32Array[] = [];
      for (let t = start; t < start + n; t++) {
        let v: Float32Array = output.data.slice((row * seq + t) * hidden, (row * seq + t + 1) * hidden);
        for (const layer of this.pipeline.dense) v = applyDense(layer, v);
        rows.push(v);
      }
      const dim = rows[0]?.length ?? hidden;
      const data = new Float32Array(n * dim);
      rows.forEach((v, r) => data.set(v, r * dim));
      return { data: normalize ? l2NormalizeRows(data, dim) : data, tokens: n, dim };
    }, { taskId: this.taskIds?.document });
  }

  private async embedDetailed(
    texts: string[],
    options: EmbedOptions & Pick<ScoreOptions, "truncatePromptTokens" | "truncationSide">,
    progress: Pick<ScoreOptions, "onProgress">,
  ): Promise<Encoded<Float32Array>> {
    throwIfAborted(options.signal);
    const prefix = options.prompt === false ? "" : this.prefixes[options.kind ?? "document"];
    const sequences = texts.map((t) => {
      const text = prefix + (this.lowercase ? lowercasePerCharacter(t) : t);
      const truncation = { truncate: options.truncate, truncatePromptTokens: options.truncatePromptTokens, truncationSide: options.truncationSide };
      return encodeSingle(this.tokenizer, encodeText(this.tokenizer, text, this.maxLength, truncation), this.maxLength, {
        truncate: options.truncate,
        truncatePromptTokens: options.truncatePromptTokens,
        truncationSide: options.truncationSide,
      });
    });
    const promptLength = this.pipeline.includePrompt || prefix === "" ? 0 : this.promptLength(prefix);
    const vectors = await this.runEncoded(sequences, options, progress, promptLength, options.kind);
    return { values: vectors, tokens: sequences.map((s) => s.ids.length) };
  }

  /** Runs encoded sequences; `promptLength` leading tokens are left out of pooling (`include_prompt: false`). */
  private async runEncoded(
    sequences: EncodedSequence[],
    options: EmbedOptions,
    progress: Pick<ScoreOptions, "onProgress">,
    promptLength = 0,
    kind: EmbedKind = "document",
  ): Promise<Float32Array[]> {
    const poolingMasks = new WeakMap<BigInt64Array, Uint8Array>();
    const poolingMask = (mask: BigInt64Array, seq: number): ArrayLike<number | bigint> => {
      if (promptLength === 0) return mask;
      let m = poolingMasks.get(mask);
      if (!m) poolingMasks.set(mask, (m = excludePromptFromMask(mask, seq, promptLength)));
      return m;
    };
    const onProgress = options.onProgress ?? progress.onProgress;
    const dims = this.resolveDimensions(options.dimensions);
    const normalize = options.normalize ?? this.pipeline.normalize;
    return this.runBatches(sequences, { signal: options.signal, onProgress }, ({ output, row, seq, mask }) => {
      const hidden = output.dims[output.dims.length - 1] as number;
      let v = output.dims.length === 2 ? output.data.slice(row * hidden, (row + 1) * hidden) : poolRowModes(output.data, poolingMask(mask, seq), row, seq, hidden, this.pipeline.poolingModes);
      for (const layer of this.pipeline.dense) v = applyDense(layer, v);
      if (dims !== undefined && dims > v.length) {
        throw new InvalidInputError(`dimensions must be at most ${v.length} for this model, got ${dims}`, { field: "dimensions" });
      }
      if (dims !== undefined) v = v.slice(0, dims);
      return normalize ? l2Normalize(v) : v;
    }, { taskId: this.taskIds?.[kind] });
  }

  /**
   * Prompt tokens left out of pooling with `include_prompt: false`, measured as
   * sentence-transformers does: the prompt encoded alone with special tokens, minus a trailing
   * special token ([SEP], </s>).
   */
  private promptLength(prompt: string): number {
    const ids = this.tokenizer.single(this.tokenizer.encode(prompt)).ids;
    const last = ids[ids.length - 1];
    const special = specialTokenIds(this.files.tokenizerJson, this.tokenizer.template);
    return last !== undefined && special.has(last) ? ids.length - 1 : ids.length;
  }

  private resolveDimensions(requested: number | undefined): number | undefined {
    const dims = requested ?? this.dimensions;
    if (dims === undefined) return undefined;
    if (!Number.isInteger(dims) || dims < 1) {
      throw new InvalidInputError(`dimensions must be a positive integer, got ${String(dims)}`, { field: "dimensions" });
    }
    return dims;
  }
}
