import { readJsonFileSync } from "../files/bounded-read.js";
import { join } from "node:path";
import type { Capability } from "../../contracts/capabilities.js";
import type { SparseEmbedOptions, SparseEmbedResponse, SparseEmbedder, SparseVector } from "../../contracts/sparse-embedder.js";
import { throwIfAborted } from "../../errors/abort-error.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { InvalidOptionError } from "../../errors/invalid-option-error.js";
import { validateOptions } from "../../options/check-options.js";
import type { ScoreOptionName } from "../../options/call-options.js";
import type { Pairs } from "../../scoring/pairing.js";
import { scoreSeparately, usageOf, type Encoded } from "../../scoring/pair-usage.js";
import { checkPruning, pruneSparse, sparseDot, spladePoolRow, staticSparse, toSparse } from "../../scoring/sparse.js";
import type { ScoreOptions, ScoreResponse } from "../../types.js";
import type { ModelFiles } from "../files/model-files.js";
import { openLocalParts, type LocalParts } from "../family/open-parts.js";
import { COMMON_CALL_OPTIONS, LocalScorerBase } from "../local-scorer-base.js";
import { validateLoadOptions } from "../option-rules.js";
import type { LocalModelOptions } from "../options.js";
import { encodeSingle } from "../tokenization/pair-encoder.js";
import type { SpladeLayout } from "./sparse-layout.js";

/** The per-call options of `embedSparse` (SPLADE and bge-m3 alike). */
export const SPARSE_OPTION_RULES = {
  kind: { kind: "enum", values: ["query", "document"] },
  topK: { kind: "any", note: "an integer >= 1" },
  threshold: { kind: "any", note: "a number >= 0" },
  truncate: { kind: "boolean" },
  signal: { kind: "signal" },
  onProgress: { kind: "function" },
} as const;

/**
 * A SPLADE model (sentence-transformers `SparseEncoder`): the MaskedLM's logits per token become
 * log1p(relu(x)) (twice log1p for `log1p_relu`), max- or sum-pooled over the text into one weight
 * per vocabulary id. Inference-free SPLADE (a `Router`) embeds queries without the model: each
 * distinct query token gets its static (IDF) weight. Scores are sparse dot products, as
 * `SparseEncoder.similarity`; they are unbounded, not in [0, 1].
 */
export class SpladeScorer extends LocalScorerBase implements SparseEmbedder {
  readonly scoreType = "sparse" as const;
  /** Size of the vocabulary the vectors' indices point into. */
  readonly vocabularySize: number;
  private readonly layout: SpladeLayout;
  private readonly queryMaxTokens: number;

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "sparseEmbed", "tokenize", "detokenize", "windows", "metadata"] as const satisfies readonly Capability[];

  private constructor(parts: LocalParts, layout: SpladeLayout) {
    super(parts, { outputs: ["logits"], padding: "right" });
    this.layout = layout;
    this.vocabularySize = Number(parts.files.config["vocab_size"]) || (layout.queryWeights?.length ?? 0);
    this.queryMaxTokens = layout.queryDir ? queryLimit(layout.queryDir, parts.maxLength) : parts.maxLength;
  }

  protected override get scoreOptionNames(): readonly ScoreOptionName[] {
    return [...COMMON_CALL_OPTIONS];
  }

  /**
   * Builds a SPLADE scorer from the transformer's files (the document route's folder for a Router).
   * Use `loadScorer(folder)`, which reads the layout. @internal
   * @throws {ModelLoadError} when ONNX Runtime cannot open the graph.
   * @throws {InvalidOptionError} for an option the family cannot honour.
   */
  static async fromFiles(files: ModelFiles, layout: SpladeLayout, options: LocalModelOptions & { scoreType?: string } = {}): Promise<SpladeScorer> {
    validateLoadOptions(options, "sparse", "SpladeScorer");
    const seqLen = Number(files.sbertConfig?.["max_seq_length"]);
    const parts = await openLocalParts(files, options, { familyMaxLength: Number.isFinite(seqLen) && seqLen > 0 ? seqLen : undefined });
    return new SpladeScorer(parts, layout);
  }

  /** Sparse vectors, in input order. */
  async embedSparse(texts: string[], options: SparseEmbedOptions = {}): Promise<SparseVector[]> {
    return (await this.embedSparseWithUsage(texts, options)).vectors;
  }

  /**
   * Sparse vectors with token usage. `kind: "query"` uses the query route of an inference-free
   * model; `topK` / `threshold` prune each vector.
   * @throws {InvalidInputError} for non-string or empty texts, or a text with no token.
   * @throws {InvalidOptionError} for an unknown option, a `topK` that is not an integer >= 1, a negative `threshold`.
   */
  async embedSparseWithUsage(texts: string[], options: SparseEmbedOptions = {}): Promise<SparseEmbedResponse> {
    this.checkTexts(texts);
    validateOptions(options, SPARSE_OPTION_RULES, { where: "SpladeScorer.embedSparse" });
    checkPruning(options);
    const { values, tokens } = await this.encodeSparse(texts, options.kind ?? "document", options, options.truncate);
    const pruned = options.topK === undefined && options.threshold === undefined ? values : values.map((v) => pruneSparse(v, options));
    return { vectors: pruned, usage: usageOf(tokens) };
  }

  /**
   * The vector's entries as `[token, weight]`, heaviest first (ties by id), as
   * `SparseEncoder.decode`.
   * @throws {InvalidOptionError} for a `topK` that is not an integer >= 1.
   */
  decode(vector: SparseVector, topK?: number): Array<[string, number]> {
    if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
      throw new InvalidOptionError(`topK must be an integer >= 1, got ${String(topK)}`, { option: "topK", allowed: "an integer >= 1" });
    }
    const order = [...vector.indices.keys()].sort((a, b) => (vector.values[b] as number) - (vector.values[a] as number) || a - b);
    const kept = order.slice(0, topK ?? order.length);
    const tokens = this.tokenizer.idsToTokens(kept.map((k) => vector.indices[k] as number));
    return kept.map((k, i) => [tokens[i] as string, vector.values[k] as number]);
  }

  /** Sparse dot product per pair; queries take the query route. */
  protected scorePairs(pairs: Pairs<string>, options: ScoreOptions): Promise<ScoreResponse> {
    return scoreSeparately(pairs, {
      encode: (texts, kind) => this.encodeSparse(texts, kind, { signal: options.signal, onProgress: options.onProgress }, options.truncate),
      compare: (query, docs) => docs.map((d) => sparseDot(query, d)),
    });
  }

  private async encodeSparse(
    texts: string[],
    kind: "query" | "document",
    call: Pick<SparseEmbedOptions, "signal" | "onProgress">,
    truncate?: boolean,
  ): Promise<Encoded<SparseVector>> {
    throwIfAborted(call.signal);
    const field = kind === "query" ? "queries" : "texts";
    const raw = texts.map((t, i) => {
      const ids = this.tokenizer.encode(t);
      if (ids.length === 0) throw new InvalidInputError(`${field}[${i}] ${t.length === 0 ? "is empty" : "has no tokens"}`, { field: `${field}[${i}]` });
      return ids;
    });
    const weights = this.layout.queryWeights;
    if (kind === "query" && weights) {
      // SparseStaticEmbedding tokenizes without special tokens, truncated to the tokenizer's limit.
      const ids = raw.map((r) => r.slice(0, this.queryMaxTokens));
      return { values: ids.map((r) => staticSparse(r, weights)), tokens: ids.map((r) => r.length) };
    }
    const sequences = raw.map((ids) => encodeSingle(this.tokenizer, ids, this.maxLength, { truncate }));
    const { activation, pooling } = this.layout;
    const values = await this.runBatches(sequences, call, ({ output, row, seq, mask }) => {
      const vocab = output.dims[2] as number;
      return toSparse(spladePoolRow(output.data, mask, row, seq, vocab, activation, pooling));
    });
    return { values, tokens: sequences.map((s) => s.ids.length) };
  }
}

/** The query route tokenizer's `model_max_length` (SparseStaticEmbedding's `max_seq_length`). */
function queryLimit(queryDir: string, fallback: number): number {
  try {
    const cfg = readJsonFileSync(join(queryDir, "tokenizer_config.json"), "tokenizer_config.json") as Record<string, unknown>;
    const n = Number(cfg["model_max_length"]);
    return Number.isFinite(n) && n > 0 && n < 1e6 ? n : fallback;
  } catch {
    // No tokenizer_config.json in the route: the document side's limit applies.
    return fallback;
  }
}
