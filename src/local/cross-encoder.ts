import { throwIfAborted } from "../errors/abort-error.js";
import type { Pairs } from "../scoring/pairing.js";
import { InvalidInputError } from "../errors/invalid-input-error.js";
import { validateScoreOptions } from "../options/call-options.js";
import { argmax, classActivation, classProbabilities, labelNames, type ClassActivation } from "../scoring/classification.js";
import { applyActivation, resolveActivation, type ResolvedActivation } from "../scoring/activation.js";
import type { ScoreOptionName } from "../options/call-options.js";
import type { Classifier, ClassifyOptions, ClassifyResponse, ScoreInput, ScoreOptions, ScoreResponse } from "../types.js";
import { assertFamily } from "./assert-family.js";
import { countLabels } from "./count-labels.js";
import type { ModelFiles } from "./files/model-files.js";
import { COMMON_CALL_OPTIONS, LocalScorerBase } from "./local-scorer-base.js";
import { openLocalParts, type LocalParts } from "./family/open-parts.js";
import { assertPairLogits } from "./family/output-shape.js";
import { scoreTemplateOption, validateLoadOptions } from "./option-rules.js";
import type { CrossEncoderOptions } from "./options.js";
import { pretrainedLoader, type FromPretrained } from "./worker-pool/in-worker.js";
import type { Capability } from "../contracts/capabilities.js";
import { WORKER_OPTION_RULE } from "./worker-pool/worker-option.js";
import { asGivenSequences, maxTokenId } from "./check-sequences.js";
import { encodePair, encodeSingle, encodeText } from "./tokenization/pair-encoder.js";
import type { EncodedSequence } from "./runtime/run-batches.js";
import { memoize, pairUsage, usageOf } from "../scoring/pair-usage.js";
import { TemplateEncoder } from "./tokenization/template-encoder.js";
import { modelScoreTemplate } from "./llm-reranker/template-source.js";
import type { ScoreTemplate } from "../templates/score-template.js";

/**
 * A cross-encoder reranker run in process: each (query, document) pair goes through the model,
 * whose logit becomes the score after the model's activation (sigmoid unless its config says
 * otherwise; `cross-encoder/ms-marco-*` models declare Identity and return raw logits).
 *
 * Pairs are built by rerank-kit, not by the tokenizer: longest-first truncation, the final
 * separator kept, segment ids 1 on the document for BERT-family models.
 *
 * @example
 * ```ts
 * const scorer = await CrossEncoderScorer.fromPretrained("Xenova/ms-marco-MiniLM-L-6-v2");
 * const ranked = await scorer.rerank("How many people live in Berlin?", docs, { topN: 3 });
 * ```
 *
 * It is also a {@link Classifier}: `classify()` runs single texts (no pair) through the same
 * model and returns class probabilities, as vLLM's `classify` task does.
 */
export class CrossEncoderScorer extends LocalScorerBase implements Classifier {
  /** Always `cross-encoder`. */
  readonly scoreType = "cross-encoder" as const;
  /** The activation applied to logits, and where it was read from. */
  readonly activation: ResolvedActivation;
  private readonly numLabels: number;
  /** How `classify` turns logits into probabilities (from `problem_type` and the label count, not `activation_fn`). */
  readonly classActivation: ClassActivation;
  /** Label names by class index (`config.json` `id2label`). */
  readonly labels: readonly (string | undefined)[];

  /**
   * The score template pairs are rendered through (`chatTemplate`, or the folder's score
   * template), or undefined: pairs are then encoded as `[CLS] query [SEP] document [SEP]`.
   */
  readonly template: ScoreTemplate | undefined;

  private constructor(parts: LocalParts, own: CrossEncoderSettings) {
    super(parts, { outputs: ["logits"] });
    const numLabels = own.numLabels;
    this.activation = own.activation;
    this.numLabels = numLabels;
    this.template = own.template;
    this.classActivation = classActivation(parts.files.config, numLabels);
    this.labels = labelNames(parts.files.config, numLabels);
  }

  protected override get scoreOptionNames(): readonly ScoreOptionName[] {
    // instruction and template variables only mean something with a score template.
    return this.template ? [...CROSS_ENCODER_CALL_OPTIONS, "instruction", "chatTemplateKwargs"] : CROSS_ENCODER_CALL_OPTIONS;
  }

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "classify", "tokenize", "detokenize", "windows", "metadata"] as const satisfies readonly Capability[];

  /**
   * Loads a cross-encoder from a Hugging Face model id or a local folder.
   * @throws {ModelLoadError} naming the path and what is missing, or the family the files
   *   describe when it is not a cross-encoder.
   * @throws {InvalidOptionError} for an unknown option, another family's option or a bad value.
   * With `worker: true` (or `{ workers, threads }`) the model loads in worker threads and the
   * result is a worker proxy that also classifies (a `WorkerScorer` typed with {@link CrossEncoderScorer.capabilities}) with the same scoring interface, whose inference never
   * blocks this thread: the choice for servers, chains and long-lived processes.
   */
  static readonly fromPretrained: FromPretrained<CrossEncoderScorer, CrossEncoderOptions, (typeof CrossEncoderScorer.capabilities)[number]> = pretrainedLoader({
    entry: "CrossEncoderScorer",
    capabilities: CrossEncoderScorer.capabilities,
    check: (options) => validateLoadOptions(options, "cross-encoder", "CrossEncoderScorer.fromPretrained", { worker: WORKER_OPTION_RULE }),
    fromFiles: (files, options) => CrossEncoderScorer.fromFiles(files, options),
  });

  /** Builds a cross-encoder from files already read. @internal */
  static async fromFiles(files: ModelFiles, options: CrossEncoderOptions & { scoreType?: string } = {}): Promise<CrossEncoderScorer> {
    validateLoadOptions(options, "cross-encoder", "CrossEncoderScorer");
    assertFamily(files, "cross-encoder", options.scoreType ? `scoreType "${options.scoreType}"` : "CrossEncoderScorer");
    const numLabels = countLabels(files.config);
    const activation = resolveActivation({ config: files.config, stConfig: files.stConfig, numLabels }, options.activation);
    const template = modelScoreTemplate(files, scoreTemplateOption(options), undefined);
    const parts = await openLocalParts(files, options, { pair: true });
    await assertPairLogits(parts, parts.session.outputNames.includes("logits") ? "logits" : (parts.session.outputNames[0] as string));
    return new CrossEncoderScorer(parts, { activation, numLabels, template });
  }

  /** Document tokens that fit in one prompt with `query`, the score template's own tokens counted. */
  override documentTokenBudget(query: string): number {
    if (!this.template) return super.documentTokenBudget(query);
    return new TemplateEncoder(this.tokenizer, this.template, {}).documentBudget(query, this.maxLength);
  }

  /** Each pair encoded as one sequence (or rendered through the score template), one logit row read. */
  protected async scorePairs(pairs: Pairs<string>, options: ScoreOptions): Promise<ScoreResponse> {
    const sequences = this.encodePairs(pairs, options);
    const labels = this.numLabels;
    const logits = await this.runBatches(sequences, options, ({ output, row }) => output.data.slice(row * labels, (row + 1) * labels));
    const activation = options.activation === false ? "identity" : this.activation.activation;
    const scores = logits.map((l) => applyActivation(l, activation));
    return { scores, ...pairUsage(sequences.map((s) => s.ids.length)) };
  }

  /**
   * The micro-batches `scoreWithUsage(queries, documents, options)` runs, as item (pair) indices
   * per model run in run order, and each pair's tokens: the same checks, encoding and planner.
   * A worker pool cuts a lone large call of a model whose answers depend on the batch (q8) along
   * these runs, so each runs whole on some worker and every score is the unsplit one.
   * @throws as `scoreWithUsage` does for bad pairs, options or over-long texts.
   * @internal
   */
  planScore(queries: ScoreInput | ScoreInput[], documents: ScoreInput | ScoreInput[], options: ScoreOptions = {}): { batches: number[][]; lengths: number[] } {
    const pairs = this.textPairs(queries, documents, options);
    return this.planBatches(this.encodePairs(pairs, options));
  }

  /** Each pair as the one sequence the model reads (through the score template when there is one). */
  private encodePairs(pairs: Pairs<string>, options: ScoreOptions): EncodedSequence[] {
    if (this.numLabels !== 1) {
      // As vLLM ("Score API is only enabled for num_labels == 1"): a score would be one label's raw logit.
      const names = this.labels.map((l, i) => l ?? String(i)).join(", ");
      throw new InvalidInputError(
        `Score API is only enabled for num_labels == 1: ${this.model} is a classifier with ${this.numLabels} labels (${names}); ` +
          `use classify() for its class probabilities`,
        { field: "scoreType" },
      );
    }
    const encode = memoize((text: string) => encodeText(this.tokenizer, text, this.maxLength, options));
    // A score template makes the pair one text (vLLM renders it, then tokenizes it as a single prompt).
    const templated = this.template && new TemplateEncoder(this.tokenizer, this.template, {
      instruction: options.instruction,
      kwargs: options.chatTemplateKwargs,
    });
    return pairs.queries.map((q, i) =>
      templated
        ? templated.encodePair(q, pairs.documents[i] as string, this.maxLength, options)
        : encodePair(this.tokenizer, encode(q), encode(pairs.documents[i] as string), this.maxLength, options),
    );
  }

  /**
   * Classifies single texts: each is encoded alone with the model's special tokens
   * (`[CLS] text [SEP]`, segment ids 0), run through the model, and its logits turned into class
   * probabilities (softmax over the labels, sigmoid for one label; see {@link ClassifyOptions}).
   * The score activation (`activation_fn`) does not apply here, as in vLLM.
   * @throws {InvalidInputError} when `texts` is not a list of strings, or truncation leaves nothing.
   * @throws {ContextLengthError} when a text is too long and `truncate` is false.
   * @throws {InvalidOptionError} for an option `classify` cannot honour.
   * @throws {AbortError} when `signal` fires.
   */
  async classify(texts: string[], options: ClassifyOptions = {}): Promise<ClassifyResponse> {
    this.checkTexts(texts);
    validateScoreOptions(options, CLASSIFY_OPTIONS, "cross-encoder: classify");
    const sequences = texts.map((t, i) => {
      const encoded = encodeSingle(this.tokenizer, encodeText(this.tokenizer, t, this.maxLength, options), this.maxLength, options);
      if (encoded.ids.length === 0) throw new InvalidInputError(`texts[${i}] has no tokens left after truncation`, { field: `texts[${i}]` });
      return encoded;
    });
    return this.runClassify(sequences, options);
  }

  /**
   * Classifies token-id sequences exactly as given: special tokens are the caller's, nothing is
   * cut. The server uses it after rendering and truncating prompts itself, as vLLM does.
   * @throws {InvalidInputError} for an empty sequence or a non-integer id, naming the index.
   * @throws {ContextLengthError} for a sequence over `maxLength`.
   */
  async classifySequences(sequences: number[][], options: ClassifyOptions = {}): Promise<ClassifyResponse> {
    this.assertOpen();
    validateScoreOptions(options, CLASSIFY_SEQUENCE_OPTIONS, "cross-encoder: classifySequences");
    return this.runClassify(asGivenSequences(sequences, this.maxLength, maxTokenId(this.files)), options);
  }

  private async runClassify(sequences: EncodedSequence[], options: ClassifyOptions): Promise<ClassifyResponse> {
    throwIfAborted(options.signal);
    const labels = this.numLabels;
    const logits = await this.runBatches(sequences, options, ({ output, row }) => Array.from(output.data.subarray(row * labels, (row + 1) * labels)));
    const activation = options.activation === false ? "identity" : this.classActivation;
    const classifications = logits.map((l, i) => {
      const probs = classProbabilities(l, activation);
      const index = argmax(probs);
      return { logits: l, probs, index, label: this.labels[index], tokens: (sequences[i] as EncodedSequence).ids.length };
    });
    return { classifications, usage: usageOf(classifications.map((c) => c.tokens)) };
  }
}

/** A cross-encoder's own settings, read from its files at load. */
interface CrossEncoderSettings {
  activation: ResolvedActivation;
  numLabels: number;
  template: ScoreTemplate | undefined;
}

/** The options `classify` honours; `classifySequences` takes token ids as given, so no truncation. */
const CLASSIFY_OPTIONS = [...COMMON_CALL_OPTIONS, "truncatePromptTokens", "truncationSide"] as const;
const CLASSIFY_SEQUENCE_OPTIONS = ["signal", "onProgress", "activation"] as const;

/** The per-call options a cross-encoder applies (`instruction` needs an LLM reranker). */
const CROSS_ENCODER_CALL_OPTIONS: readonly ScoreOptionName[] = [
  ...COMMON_CALL_OPTIONS,
  "maxTokensPerDoc",
  "maxTokensPerQuery",
  "truncatePromptTokens",
  "truncationStrategy",
  "truncationSide",
];

