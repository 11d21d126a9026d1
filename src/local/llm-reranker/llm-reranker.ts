import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { throwIfAborted } from "../../errors/abort-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import type { ScoreOptionName } from "../../options/call-options.js";
import { applyActivation, resolveActivation, type ResolvedActivation } from "../../scoring/activation.js";
import type { ScoreTemplate } from "../../templates/score-template.js";
import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../types.js";
import { readJson, type ModelFiles } from "../files/model-files.js";
import { LocalScorerBase, openLocalParts, type LocalParts } from "../local-scorer-base.js";
import type { CrossEncoderOptions } from "../options.js";
import { pretrainedLoader, type FromPretrained } from "../worker-pool/in-worker.js";
import type { Capability } from "../../contracts/capabilities.js";
import { openRewrittenSession, rewriteLmHeadToScore } from "../runtime/lm-head-rewrite.js";
import { OnnxSession } from "../runtime/onnx-session.js";
import { runMicroBatches } from "../runtime/run-batches.js";
import type { TextTokenizer } from "../tokenization/text-tokenizer.js";
import { TemplateEncoder } from "../tokenization/template-encoder.js";
import { parseHfOverrides, tokenChoice, type HfOverrides } from "./hf-overrides.js";
import { llmRerankerPreset } from "./presets.js";
import { headFromLogitScore, headFromTokens, scoreFromLogits, type ScoreHeadSpec } from "./score-head.js";
import { modelScoreTemplate } from "./template-source.js";

/** Options for {@link LlmRerankerScorer}. */
export type LlmRerankerOptions = CrossEncoderOptions;

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

  private constructor(
    parts: LocalParts,
    head: ScoreHeadSpec,
    template: ScoreTemplate | undefined,
    activation: ResolvedActivation,
    headRewritten: boolean,
    reusePrefix: boolean,
  ) {
    super(parts);
    this.head = head;
    this.template = template;
    this.activation = activation;
    this.headRewritten = headRewritten;
    this.reusePrefix = reusePrefix;
  }

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "tokenize", "detokenize", "windows", "metadata"] as const satisfies readonly Capability[];

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
    const parts = await openLocalParts(files, options, undefined, async (tokenizer) => {
      head = await resolveHead(files, options, tokenizer, preset?.overrides);
      const sessionOptions = { threads: options.threads, device: options.device, config: files.config };
      if (options.rewriteHead === false) return OnnxSession.create(files.onnxPath, sessionOptions);
      let bytes: Uint8Array;
      try {
        bytes = rewriteLmHeadToScore(await readFile(files.onnxPath), head, { externalDataDir: dirname(files.onnxPath), source: files.onnxPath });
      } catch (cause) {
        // A head the rewrite does not recognize still scores exactly, only slower (full logits).
        if (!(cause instanceof ModelLoadError) || !/cannot rewrite the LM head/.test(cause.message)) throw cause;
        return OnnxSession.create(files.onnxPath, sessionOptions);
      }
      rewritten = true;
      return openRewrittenSession(bytes, { ...sessionOptions, externalDataDir: dirname(files.onnxPath), source: files.onnxPath });
    });
    const template = modelScoreTemplate(files, options.chatTemplate, preset?.template);
    const activation = resolveActivation({ config: files.config, stConfig: files.stConfig, numLabels: 1 }, options.activation);
    return new LlmRerankerScorer({ ...parts, padding: "left" }, head as ScoreHeadSpec, template, activation, rewritten, options.reusePrefix !== false);
  }

  protected override get scoreOptionNames(): readonly ScoreOptionName[] {
    return LLM_RERANKER_CALL_OPTIONS;
  }

  /** Document tokens that fit in one prompt with `query`, the score template's own tokens counted. */
  override documentTokenBudget(query: string): number {
    return new TemplateEncoder(this.tokenizer, this.template, {}).documentBudget(query, this.maxLength);
  }

  /**
   * Scores pairs in pair order (1:1, 1:N or N:N zipped).
   * @throws {InvalidInputError} for bad shapes, or an instruction the template has no place for.
   * @throws {ContextLengthError} when a prompt is too long and `truncate` is false.
   * @throws {InvalidOptionError} for an option the LLM reranker cannot honour (e.g. `truncationStrategy`),
   *   a misspelt one, or a bad value, as every local scorer does.
   * @throws {AbortError} when `signal` fires.
   */
  async scoreWithUsage(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options: ScoreOptions = {},
  ): Promise<ScoreResponse> {
    const pairs = this.textPairs(queries, documents, options);
    throwIfAborted(options.signal);
    const encoder = new TemplateEncoder(this.tokenizer, this.template, {
      instruction: options.instruction,
      kwargs: options.chatTemplateKwargs,
    });
    const sequences = pairs.queries.map((q, i) => encoder.encodePair(q, pairs.documents[i] as string, this.maxLength, options));
    const head = this.head;
    const rewritten = this.headRewritten;
    const logits = await runMicroBatches(
      this.session,
      sequences,
      {
        ...this.limits,
        output: "logits",
        padId: this.tokenizer.padId,
        padding: "left",
        logitsToKeep: 1,
        // The template's system prompt (and, for 1:N, the instruction and query) is the same for
        // every pair: its key/value cache is computed once, as vLLM's prefix caching does.
        reusePrefix: this.reusePrefix,
        signal: options.signal,
        onProgress: options.onProgress && ((done, total) => options.onProgress?.({ done, total })),
      },
      ({ output, row }) => {
        // The rewritten graph outputs the score itself, [batch, 1].
        if (rewritten) return output.data[row] as number;
        // [batch, positions, vocab]: left padding puts every row's last token at the last position.
        const [, positions, vocab] = output.dims as [number, number, number];
        return scoreFromLogits(head, output.data, (row * positions + positions - 1) * vocab);
      },
    );
    const activation = options.activation === false ? "identity" : this.activation.activation;
    const scores = logits.map((z) => applyActivation([z], activation));
    const pairTokens = sequences.map((s) => s.ids.length);
    const tokens = pairTokens.reduce((n, t) => n + t, 0);
    return { scores, usage: { promptTokens: tokens, totalTokens: tokens }, pairTokens };
  }
}

/**
 * The per-call options the LLM reranker applies: what its template encoder cuts by
 * (`truncationStrategy` is not among them: a rendered prompt is cut by its budget, not longest-first)
 * and the template's variables.
 */
const LLM_RERANKER_CALL_OPTIONS: readonly ScoreOptionName[] = [
  "signal",
  "onProgress",
  "activation",
  "truncate",
  "maxTokensPerDoc",
  "maxTokensPerQuery",
  "truncatePromptTokens",
  "truncationSide",
  "instruction",
  "chatTemplateKwargs",
];

async function resolveHead(
  files: ModelFiles,
  options: LlmRerankerOptions,
  tokenizer: TextTokenizer,
  presetOverrides: HfOverrides | undefined,
): Promise<ScoreHeadSpec> {
  const tokenToId = (t: string) => tokenizer.tokenToId(t);
  if (options.hfOverrides !== undefined) {
    const choice = tokenChoice(parseHfOverrides(options.hfOverrides));
    if (choice) return withSource(headFromTokens(choice, tokenToId, files.dir), "hf_overrides");
  }
  const logitScore = files.modules?.find((m) => m.type.endsWith("LogitScore"));
  if (logitScore) {
    const dir = join(files.dir, logitScore.path);
    return headFromLogitScore(await readJson(dir, "config.json", true), join(dir, "config.json"));
  }
  const fromConfig = tokenChoice(parseHfOverrides(files.config as Record<string, unknown>));
  if (fromConfig) return withSource(headFromTokens(fromConfig, tokenToId, files.dir), "config.json");
  const fromPreset = presetOverrides && tokenChoice(presetOverrides);
  if (fromPreset) return withSource(headFromTokens(fromPreset, tokenToId, files.dir), `preset for ${files.id}`);
  throw new ModelLoadError(
    `${files.dir}: a causal LM needs a token head to rerank. Pass hfOverrides, e.g. ` +
      `'{"classifier_from_token":["no","yes"],"method":"from_2_way_softmax"}', or save it with a LogitScore module`,
    { path: files.dir },
  );
}

function withSource(head: ScoreHeadSpec, source: string): ScoreHeadSpec {
  return { ...head, description: `${source}: ${head.description}` };
}

/** True when the files describe an LLM reranker: a LogitScore module, or a causal LM with a token head. */
export function isLlmReranker(files: ModelFiles): boolean {
  if (files.modules?.some((m) => m.type.endsWith("LogitScore"))) return true;
  const architectures = (files.config["architectures"] as string[] | undefined) ?? [];
  if (!architectures.some((a) => a.endsWith("ForCausalLM"))) return false;
  return files.config["classifier_from_token"] !== undefined || files.config["is_original_qwen3_reranker"] === true || llmRerankerPreset(files.id) !== undefined;
}
