import { scoreTemplateOption } from "../option-rules.js";
import type { Pairs } from "../../scoring/pairing.js";
import type { ScoreOptionName } from "../../options/call-options.js";
import { applyActivation, resolveActivation, type ResolvedActivation } from "../../scoring/activation.js";
import type { ScoreTemplate } from "../../templates/score-template.js";
import type { ScoreOptions, ScoreResponse } from "../../types.js";
import { pairUsage } from "../../scoring/pair-usage.js";
import type { ModelFiles } from "../files/model-files.js";
import { openLocalParts, type LocalParts } from "../family/open-parts.js";
import { COMMON_CALL_OPTIONS, LocalScorerBase } from "../local-scorer-base.js";
import type { CrossEncoderOptions } from "../options.js";
import { pretrainedLoader, type FromPretrained } from "../worker-pool/in-worker.js";
import type { Capability } from "../../contracts/capabilities.js";
import type { BatchRow } from "../runtime/run-batches.js";
import type { TextTokenizer } from "../tokenization/text-tokenizer.js";
import { TemplateEncoder } from "../tokenization/template-encoder.js";
import { llmRerankerPreset } from "./presets.js";
import { scoreFromLogits, type ScoreHeadSpec } from "./score-head.js";
import { openScoreSession, resolveHead } from "./score-session.js";
import { modelScoreTemplate } from "./template-source.js";
import { emitLoadWarning } from "../load-warning.js";
import { asGivenSequences, maxTokenId } from "../check-sequences.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import type { NextTokenOptions, NextTokenResponse } from "../../contracts/next-token-scorer.js";

/** Options for {@link LlmRerankerScorer}. */
export type LlmRerankerOptions = CrossEncoderOptions;

/** An LLM reranker's own settings, resolved at load. */
interface LlmRerankerSettings {
  head: ScoreHeadSpec;
  template: ScoreTemplate | undefined;
  activation: ResolvedActivation;
  headRewritten: boolean;
  reusePrefix: boolean;
}

/**
 * A causal LM used as a reranker (Qwen3-Reranker, mxbai-rerank-v2, bge-reranker-v2-gemma): each
 * pair is rendered through the score template, run once, and scored from the next-token logits
 * at the last position (`logit[yes] - logit[no]`, or one token's logit), then the activation
 * (sigmoid unless the config says otherwise, as vLLM). A cross-encoder in vLLM's terms.
 *
 * The token head comes from `hfOverrides` (vLLM's keys), else sentence-transformers' LogitScore
 * module, else `classifier_from_token` in config.json, else the preset of a known Hub id.
 *
 * @example
 * ```ts
 * const scorer = await LlmRerankerScorer.fromPretrained("onnx-community/Qwen3-Reranker-0.6B-ONNX", { dtype: "q8" });
 * const ranked = await scorer.rerank("What is the capital of China?", docs, { instruction: "Find the answer" });
 * ```
 */
export class LlmRerankerScorer extends LocalScorerBase {
  /** Always `cross-encoder` (vLLM's score type for LLM rerankers). */
  readonly scoreType = "cross-encoder" as const;
  /** The activation applied to the head's logit, and where it was read from. */
  readonly activation: ResolvedActivation;
  /** The token rows the score is computed from. */
  readonly head: ScoreHeadSpec;
  /** The score template, or undefined when texts are scored as given. */
  readonly template: ScoreTemplate | undefined;

  /**
   * True when the graph was rewritten at load to compute only the score (last position, the head's
   * rows); false when the head was of a kind the rewrite does not know and full logits are read.
   */
  readonly headRewritten: boolean;
  private readonly reusePrefix: boolean;
  /** Size of the LM head's vocabulary (config.json `vocab_size`, else the tokenizer's largest id + 1). */
  readonly vocabularySize: number;

  private constructor(parts: LocalParts, own: LlmRerankerSettings) {
    // The score is read at the last position, so every row's last token goes there, except in
    // graphs with fused GroupQueryAttention, which need right padding (rows are read at their mask's end).
    super(parts, { padding: parts.session.attention === "group-query" ? "right" : "left" });
    const declared = parts.files.config["vocab_size"];
    this.vocabularySize = typeof declared === "number" && declared > 0 ? declared : maxTokenId(parts.files) + 1;
    this.head = own.head;
    this.template = own.template;
    this.activation = own.activation;
    this.headRewritten = own.headRewritten;
    this.reusePrefix = own.reusePrefix;
  }

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "tokenize", "detokenize", "windows", "metadata", "nextToken"] as const satisfies readonly Capability[];

  /**
   * Loads an LLM reranker from a Hub id or a folder.
   * @throws {ModelLoadError} when no token head can be found, or a token is not in the vocabulary.
   * With `worker: true` (or `{ workers, threads }`) the model loads in worker threads and the
   * result is a worker proxy (a `WorkerScorer` typed with {@link LlmRerankerScorer.capabilities}) with the same scoring interface, whose inference never
   * blocks this thread: the choice for servers, chains and long-lived processes.
   */
  static readonly fromPretrained: FromPretrained<LlmRerankerScorer, LlmRerankerOptions, (typeof LlmRerankerScorer.capabilities)[number]> = pretrainedLoader({
    entry: "LlmRerankerScorer",
    capabilities: LlmRerankerScorer.capabilities,
    // Its other options are checked where they are read (fromFiles); the pool's is checked by the loader.
    check: () => undefined,
    fromFiles: (files, options) => LlmRerankerScorer.fromFiles(files, options),
  });

  /** Builds the scorer from files already read. @internal */
  static async fromFiles(files: ModelFiles, options: LlmRerankerOptions = {}): Promise<LlmRerankerScorer> {
    const preset = llmRerankerPreset(files.id);
    let head: ScoreHeadSpec | undefined;
    let rewritten = false;
    const openSession = async (tokenizer: TextTokenizer) => {
      head = await resolveHead(files, options, tokenizer, preset?.overrides);
      const opened = await openScoreSession(files, options, head);
      rewritten = opened.rewritten;
      return opened.session;
    };
    const parts = await openLocalParts(files, options, { openSession });
    const templateOption = scoreTemplateOption(options);
    const template = modelScoreTemplate(files, templateOption, preset?.template);
    if (!template && templateOption !== false) warnNoTemplate(files.id);
    const activation = resolveActivation({ config: files.config, stConfig: files.stConfig, numLabels: 1 }, options.activation);
    return new LlmRerankerScorer(parts, { head: head as ScoreHeadSpec, template, activation, headRewritten: rewritten, reusePrefix: options.reusePrefix !== false });
  }

  /**
   * The log-probability of each label token as the next token after each token-id sequence
   * (vLLM's generative scoring), read from the full LM head at the last position.
   * @throws {InvalidInputError} when the head was rewritten to the score only (load with
   *   `rewriteHead: false`), for a label id outside the vocabulary, or for a bad sequence.
   * @throws {ContextLengthError} for a sequence longer than the model's limit.
   */
  async nextTokenLogProbs(sequences: number[][], labelTokenIds: number[], options: NextTokenOptions = {}): Promise<NextTokenResponse> {
    this.assertOpen();
    if (this.headRewritten) {
      throw new InvalidInputError(
        "Next-token probabilities need the model's full LM head, and this model's head was rewritten at load to compute the reranker's score only: load it with rewriteHead: false (serve --no-rewrite-head)",
        { field: "labelTokenIds" },
      );
    }
    for (const id of labelTokenIds) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabularySize) {
        throw new InvalidInputError(`label token id ${id} is outside the vocabulary [0, ${this.vocabularySize})`, { field: "labelTokenIds" });
      }
    }
    const encoded = asGivenSequences(sequences, this.maxLength, maxTokenId(this.files));
    const left = this.padding === "left";
    const read = ({ output, row, seq, mask }: BatchRow): number[] => {
      // Left padding: every row ends at the last position; right padding (GQA graphs): at its mask's end.
      const [, positions, vocab] = output.dims as [number, number, number];
      let last = positions - 1;
      if (!left) while (last > 0 && mask[row * seq + last] === 0n) last--;
      const offset = (row * positions + last) * vocab;
      let max = -Infinity;
      for (let k = 0; k < vocab; k++) max = Math.max(max, output.data[offset + k] as number);
      let sum = 0;
      for (let k = 0; k < vocab; k++) sum += Math.exp((output.data[offset + k] as number) - max);
      const logZ = max + Math.log(sum);
      return labelTokenIds.map((id) => (output.data[offset + id] as number) - logZ);
    };
    // Items behind one query share its tokens: cached once, as vLLM's prefix caching does.
    const logProbs = await this.runBatches(encoded, options, read, { output: "logits", logitsToKeep: left ? 1 : 0, reusePrefix: this.reusePrefix });
    const tokens = encoded.reduce((n, s) => n + s.ids.length, 0);
    return { logProbs, usage: { promptTokens: tokens, totalTokens: tokens } };
  }

  protected override get scoreOptionNames(): readonly ScoreOptionName[] {
    // Without a template there is nowhere to put an instruction or a template variable: refuse them.
    return this.template ? LLM_RERANKER_CALL_OPTIONS : LLM_RERANKER_CALL_OPTIONS.filter((o) => o !== "instruction" && o !== "chatTemplateKwargs");
  }

  /** Document tokens that fit in one prompt with `query`, the score template's own tokens counted. */
  override documentTokenBudget(query: string): number {
    return new TemplateEncoder(this.tokenizer, this.template, {}).documentBudget(query, this.maxLength);
  }

  /**
   * Each pair rendered through the score template and scored at its last position.
   * @throws {InvalidInputError} for an instruction the template has no place for, or an empty pair.
   */
  protected async scorePairs(pairs: Pairs<string>, options: ScoreOptions): Promise<ScoreResponse> {
    const encoder = new TemplateEncoder(this.tokenizer, this.template, {
      instruction: options.instruction,
      kwargs: options.chatTemplateKwargs,
    });
    const sequences = withTokens(pairs.queries.map((q, i) => encoder.encodePair(q, pairs.documents[i] as string, this.maxLength, options)));
    const head = this.head;
    const rewritten = this.headRewritten;
    const left = this.padding === "left";
    const read = ({ output, row, seq, mask }: BatchRow): number => {
      // The rewritten graph outputs the score itself, [batch, 1].
      if (rewritten) return output.data[row] as number;
      // [batch, positions, vocab]: left padding puts every row's last token at the last position;
      // with right padding (all positions kept) a row ends where its mask does.
      const [, positions, vocab] = output.dims as [number, number, number];
      let last = positions - 1;
      if (!left) while (last > 0 && mask[row * seq + last] === 0n) last--;
      return scoreFromLogits(head, output.data, (row * positions + last) * vocab);
    };
    // The template's system prompt (and, for 1:N, the instruction and query) is the same for
    // every pair: its key/value cache is computed once, as vLLM's prefix caching does.
    const logits = await this.runBatches(sequences, options, read, { output: "logits", logitsToKeep: left ? 1 : 0, reusePrefix: this.reusePrefix });
    const activation = options.activation === false ? "identity" : this.activation.activation;
    const scores = logits.map((z) => applyActivation([z], activation));
    return { scores, ...pairUsage(sequences.map((s) => s.ids.length)) };
  }
}

/**
 * The per-call options the LLM reranker applies: what its template encoder cuts by
 * (`truncationStrategy` is not among them: a rendered prompt is cut by its budget, not longest-first)
 * and the template's variables.
 */
const LLM_RERANKER_CALL_OPTIONS: readonly ScoreOptionName[] = [
  ...COMMON_CALL_OPTIONS,
  "maxTokensPerDoc",
  "maxTokensPerQuery",
  "truncatePromptTokens",
  "truncationSide",
  "instruction",
  "chatTemplateKwargs",
];

/** True when the files describe an LLM reranker: a LogitScore module, or a causal LM with a token head. */
export function isLlmReranker(files: ModelFiles): boolean {
  if (files.modules?.some((m) => m.type.endsWith("LogitScore"))) return true;
  const architectures = (files.config["architectures"] as string[] | undefined) ?? [];
  if (!architectures.some((a) => a.endsWith("ForCausalLM"))) return false;
  return files.config["classifier_from_token"] !== undefined || files.config["is_original_qwen3_reranker"] === true || llmRerankerPreset(files.id) !== undefined;
}

/** The texts of a template-less LLM reranker reach the model raw, which scores very differently from the prompt it was trained on. */
function warnNoTemplate(model: string): void {
  emitLoadWarning(
    "RERANK_KIT_NO_SCORE_TEMPLATE",
    `${model}: an LLM reranker without a score template (no chat_template.jinja, no chat_template in tokenizer_config.json, no preset ` +
      `for this id): pairs are scored as the raw texts, and instruction / chatTemplateKwargs are refused. Pass scoreTemplate ` +
      `(a preset name such as "qwen3-reranker", or a Jinja source), or scoreTemplate: false to score raw texts on purpose.`,
  );
}

/**
 * The rendered pairs, refused when one has no token: without a score template an empty query and
 * an empty document render to nothing, and a decoder then has no last position to read a score
 * from (vLLM refuses an empty decoder prompt as well). Pair i is documents[i] in 1:N and N:N alike.
 * @throws {InvalidInputError} naming the first empty pair's document.
 */
function withTokens<T extends { ids: ArrayLike<number> }>(sequences: T[]): T[] {
  const i = sequences.findIndex((s) => s.ids.length === 0);
  if (i >= 0) {
    throw new InvalidInputError(
      `documents[${i}] with the query renders to no tokens (both are empty and there is no score template): the model has no position to score`,
      { field: `documents[${i}]` },
    );
  }
  return sequences;
}
