import { throwIfAborted } from "../../errors/abort-error.js";
import type { Pairs } from "../../scoring/pairing.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { l2NormalizeRows } from "../../scoring/similarity.js";
import type { EmbedOptions, ScoreOptions, ScoreResponse, TokenEmbedder, TokenEmbeddings } from "../../types.js";
import { validateEmbedOptions, type ScoreOptionName } from "../../options/call-options.js";
import { assertFamily } from "../assert-family.js";
import type { ModelFiles } from "../files/model-files.js";
import { validateLoadOptions } from "../option-rules.js";
import { COMMON_CALL_OPTIONS, LocalScorerBase } from "../local-scorer-base.js";
import { modelMaxLength } from "../family/limits.js";
import { openLocalParts, type LocalParts } from "../family/open-parts.js";
import { scoreSeparately, type Encoded } from "../../scoring/pair-usage.js";
import type { LateInteractionOptions } from "../options.js";
import { pretrainedLoader, type FromPretrained } from "../worker-pool/in-worker.js";
import type { Capability } from "../../contracts/capabilities.js";
import { WORKER_OPTION_RULE } from "../worker-pool/worker-option.js";
import type { EncodedSequence } from "../runtime/run-batches.js";
import { asGivenSequences } from "../check-sequences.js";
import { readColbertSettings, type ColbertSettings } from "./colbert-config.js";
import { DocumentCache, type CacheStats } from "./document-cache.js";
import { encodeColbert, type ColbertKind, type ColbertSequence, type ColbertTruncation } from "./colbert-encoding.js";
import { MaxSimGraph } from "./maxsim-graph.js";
import { isNativeMultiVector } from "./mve-config.js";

/**
 * A late-interaction (ColBERT) scorer run in process: queries and documents are encoded into
 * per-token vectors (projected, L2-normalized); the score is MaxSim. Document token embeddings are
 * cached (LRU by content hash), so reranking the same chunks again encodes only the query.
 *
 * `convention: "colbert"` (default) matches colbert-ai / PyLate: markers after `[CLS]`, queries
 * padded with `[MASK]` to the query length, punctuation excluded from documents.
 * `convention: "vllm"` matches vLLM's serving path, which does none of these. A score call's
 * `activation: false` skips the per-token L2 normalization (vLLM `use_activation`).
 *
 * @example
 * ```ts
 * const colbert = await LateInteractionScorer.fromPretrained("./answerai-colbert-small-v1");
 * const ranked = await colbert.rerank("fruits are healthy.", chunks, { topN: 5 });
 * ```
 */
export class LateInteractionScorer extends LocalScorerBase implements TokenEmbedder {
  /** Always `late-interaction`. */
  readonly scoreType = "late-interaction" as const;
  /** The resolved ColBERT conventions. */
  readonly settings: ColbertSettings;
  private readonly cache: DocumentCache<{ embedding: TokenEmbeddings; length: number }>;
  private readonly threads: number | undefined;
  private maxSimGraph: Promise<MaxSimGraph> | undefined;

  private constructor(parts: LocalParts, own: { settings: ColbertSettings; cacheSize: number; threads: number | undefined }) {
    // Token rows are read from position 0 of each row, so batches pad on the right.
    super(parts, { outputs: ["last_hidden_state", "token_embeddings", "output"], padding: "right" });
    this.settings = own.settings;
    this.cache = new DocumentCache(own.cacheSize);
    this.threads = own.threads;
  }

  /** The per-call options ColBERT applies (per-text caps and prompt truncation included). */
  protected override get scoreOptionNames(): readonly ScoreOptionName[] {
    return [...COMMON_CALL_OPTIONS, "maxTokensPerDoc", "maxTokensPerQuery", "truncatePromptTokens"];
  }

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "tokenEmbed", "sequenceTokenEmbed", "tokenize", "detokenize", "windows", "metadata"] as const satisfies readonly Capability[];

  /**
   * Loads a ColBERT model from a Hugging Face model id or a local folder.
   * @throws {ModelLoadError} naming the path and what is missing.
   * @throws {InvalidOptionError} for an unknown option, another family's option or a bad value.
   * With `worker: true` (or `{ workers, threads }`) the model loads in worker threads and the
   * result is a worker proxy that also gives per-token vectors (a `WorkerScorer` typed with {@link LateInteractionScorer.capabilities}) with the same scoring interface, whose inference never
   * blocks this thread: the choice for servers, chains and long-lived processes.
   */
  static readonly fromPretrained: FromPretrained<LateInteractionScorer, LateInteractionOptions, (typeof LateInteractionScorer.capabilities)[number]> = pretrainedLoader({
    entry: "LateInteractionScorer",
    capabilities: LateInteractionScorer.capabilities,
    check: (options) => validateLoadOptions(options, "late-interaction", "LateInteractionScorer.fromPretrained", { worker: WORKER_OPTION_RULE }),
    fromFiles: (files, options) => LateInteractionScorer.fromFiles(files, options),
  });

  /** Builds a ColBERT scorer from files already read. @internal */
  static async fromFiles(files: ModelFiles, options: LateInteractionOptions & { scoreType?: string } = {}): Promise<LateInteractionScorer> {
    validateLoadOptions(options, "late-interaction", "LateInteractionScorer");
    assertFamily(files, "late-interaction", options.scoreType ? `scoreType "${options.scoreType}"` : "LateInteractionScorer");
    const parts = await openLocalParts(files, options, { familyMaxLength: nativeMaxLength(files), minContentTokens: 2 });
    const settings = await readColbertSettings(files, parts.tokenizer, options);
    return new LateInteractionScorer(parts, { settings, cacheSize: options.documentCacheSize ?? 10_000, threads: options.threads });
  }

  /**
   * Document tokens encoded before truncation: the document length minus `[CLS]`, the marker and
   * `[SEP]` (or the model limit with `convention: "vllm"`). Documents are encoded alone, so the
   * query does not count.
   */
  override documentTokenBudget(_query: string): number {
    const specials = this.tokenizer.singleSpecials;
    if (this.settings.convention === "vllm") return Math.max(0, this.maxLength - specials);
    const markerSlots = this.settings.documentMarkerId === undefined ? 0 : 1;
    return Math.max(0, Math.min(this.settings.documentLength, this.maxLength) - markerSlots - specials);
  }

  /** Releases the ONNX sessions (encoder and MaxSim graph). */
  override async close(): Promise<void> {
    const graph = this.maxSimGraph;
    this.maxSimGraph = undefined;
    await Promise.all([super.close(), graph?.then((g) => g.release())]);
  }

  /** Hits, misses and size of the document embedding cache. */
  cacheStats(): CacheStats {
    return this.cache.stats();
  }

  /** Empties the document embedding cache. */
  clearCache(): void {
    this.cache.clear();
  }

  /**
   * MaxSim per pair. `activation: false` skips the per-token L2 normalization (vLLM
   * `use_activation`), which changes MaxSim.
   */
  protected scorePairs(pairs: Pairs<string>, options: ScoreOptions): Promise<ScoreResponse> {
    const normalize = options.activation !== false;
    const base = {
      signal: options.signal,
      truncate: options.truncate,
      maxTokensPerQuery: options.maxTokensPerQuery,
      maxTokensPerDoc: options.maxTokensPerDoc,
      truncatePromptTokens: options.truncatePromptTokens,
      normalize,
    };
    return scoreSeparately(pairs, {
      // Only the documents report progress: they are the bulk of a call.
      encode: (texts, kind) => this.encode(texts, kind, kind === "query" ? base : { ...base, onProgress: options.onProgress }),
      // One batched MaxSim graph run per distinct query, over all of its documents.
      compare: async (query, docs) => (await (this.maxSimGraph ??= MaxSimGraph.create(this.threads))).scores(query, docs),
    });
  }

  /**
   * Per-token embeddings of each text: for queries every position (expansion included), for
   * documents only the tokens that take part in MaxSim.
   */
  async embedTokens(texts: string[], options: EmbedOptions = {}): Promise<TokenEmbeddings[]> {
    this.checkTexts(texts);
    validateEmbedOptions(options, ["signal", "onProgress", "kind", "normalize", "truncate"], "late-interaction: embedTokens");
    const normalize = options.normalize !== false;
    const { values: embeddings } = await this.encode(texts, options.kind ?? "document", { ...options, normalize });
    // Copies: the cached matrices must not change if a caller writes into what it gets back.
    return embeddings.map((e) => ({ ...e, data: e.data.slice() }));
  }

  /**
   * Per-token vectors of token-id sequences run exactly as given (vLLM's `token_embed` with
   * token-id input): no markers, expansion or skiplist, every token kept, projected and
   * L2-normalized unless `normalize` is false.
   * @throws {InvalidInputError} for an empty sequence or a non-integer id.
   * @throws {ContextLengthError} for a sequence over `maxLength`.
   */
  async embedTokenSequences(sequences: number[][], options: Pick<EmbedOptions, "signal" | "onProgress" | "normalize"> = {}): Promise<TokenEmbeddings[]> {
    this.assertOpen();
    validateEmbedOptions(options, ["signal", "onProgress", "normalize"], "late-interaction: embedTokenSequences");
    const encoded = asGivenSequences(sequences, this.maxLength).map((e) => ({ ...e, keep: e.ids.map(() => true) }));
    throwIfAborted(options.signal);
    const normalize = options.normalize !== false;
    return this.runBatches(encoded, options, ({ output, row, seq }, j) => this.tokenMatrix(output.data, output.dims, row, seq, encoded[j] as ColbertSequence, normalize));
  }

  private async encode(
    texts: string[],
    kind: ColbertKind,
    options: EmbedOptions & ColbertTruncation & { normalize: boolean },
  ): Promise<Encoded<TokenEmbeddings>> {
    throwIfAborted(options.signal);
    const useCache = kind === "document";
    // With truncate: false a long document must still throw, so the two modes cache apart; the
    // per-call token caps change the embedding, so they are part of the key too.
    const variant =
      `${options.normalize ? "n" : "r"}${options.truncate === false ? "s" : "t"}` +
      `:${options.maxTokensPerDoc || 0}:${options.truncatePromptTokens ?? ""}`;
    const keys = useCache ? texts.map((t) => DocumentCache.key(t, variant)) : [];
    const embeddings = new Array<TokenEmbeddings>(texts.length);
    const lengths = new Array<number>(texts.length);
    const todo: number[] = [];
    texts.forEach((_, i) => {
      const hit = useCache ? this.cache.get(keys[i] as string) : undefined;
      if (hit) {
        embeddings[i] = hit.embedding;
        lengths[i] = hit.length;
      } else todo.push(i);
    });
    // Only documents the cache lacks are tokenized and encoded.
    const encoded = todo.map((i) => encodeColbert(this.tokenizer, texts[i] as string, kind, this.settings, this.maxLength, options));
    const fresh = await this.runBatches(encoded, options, ({ output, row, seq }, j) =>
      this.tokenMatrix(output.data, output.dims, row, seq, encoded[j] as ColbertSequence, options.normalize),
    );
    todo.forEach((i, j) => {
      const embedding = fresh[j] as TokenEmbeddings;
      const length = (encoded[j] as EncodedSequence).ids.length;
      embeddings[i] = embedding;
      lengths[i] = length;
      if (useCache) this.cache.set(keys[i] as string, { embedding, length });
    });
    return { values: embeddings, tokens: lengths };
  }

  /** Kept rows of one sequence, projected when the graph outputs hidden states, then normalized. */
  private tokenMatrix(
    data: Float32Array,
    dims: readonly number[],
    row: number,
    seq: number,
    encoded: ColbertSequence,
    normalize: boolean,
  ): TokenEmbeddings {
    const width = dims[2] as number;
    const proj = this.settings.projection && this.settings.projection.hidden === width ? this.settings.projection : undefined;
    const dim = proj ? proj.dim : width;
    const expected = this.settings.expectedDim;
    if (expected !== undefined && dim !== expected) {
      // Scoring unprojected hidden states would give plausible-looking but wrong MaxSim values.
      throw new ModelLoadError(
        `${this.model}: the ONNX graph outputs ${width}-wide token vectors, the model's metadata declares dim ${expected}, ` +
          `and no projection weights (1_Dense/model.safetensors or linear.weight in model.safetensors) map one to the other`,
        { path: this.files.dir },
      );
    }
    const kept: number[] = [];
    encoded.keep.forEach((k, t) => k && kept.push(t));
    const out = new Float32Array(kept.length * dim);
    kept.forEach((t, r) => {
      const off = (row * seq + t) * width;
      if (!proj) {
        out.set(data.subarray(off, off + width), r * dim);
        return;
      }
      for (let o = 0; o < dim; o++) {
        let s = 0;
        const w = o * width;
        for (let h = 0; h < width; h++) s += (proj.weight[w + h] as number) * (data[off + h] as number);
        out[r * dim + o] = s;
      }
    });
    return { data: normalize ? l2NormalizeRows(out, dim) : out, tokens: kept.length, dim };
  }
}

/**
 * A MultiVectorEncoder save's per-task lengths are tokenizer max lengths of their own and may
 * exceed the tokenizer's `model_max_length` (6.x rewrites it to PyLate's `max_seq_length`, one
 * less than the document length), so the scorer's limit is the largest of them.
 */
function nativeMaxLength(files: ModelFiles): number | undefined {
  if (!isNativeMultiVector(files)) return undefined;
  const sb = files.sbertConfig ?? {};
  const expansion = sb["query_expansion"] as Record<string, unknown> | null | undefined;
  const lengths = [sb["document_length"], sb["query_length"], expansion?.["length"]].filter(
    (n): n is number => typeof n === "number" && Number.isFinite(n) && n > 0,
  );
  return Math.max(modelMaxLength(files), ...lengths);
}
