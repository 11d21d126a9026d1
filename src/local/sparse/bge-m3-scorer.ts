import { existsSync } from "node:fs";
import { SPARSE_OPTION_RULES } from "./splade-scorer.js";
import { join } from "node:path";
import type { Capability } from "../../contracts/capabilities.js";
import type { EmbedOptions, EmbedResponse, Embedder } from "../../contracts/embedder.js";
import type { SparseEmbedOptions, SparseEmbedResponse, SparseEmbedder, SparseVector, TokenWeightEmbedder, TokenWeights } from "../../contracts/sparse-embedder.js";
import type { TokenEmbedder, TokenEmbeddings } from "../../contracts/token-embedder.js";
import { throwIfAborted } from "../../errors/abort-error.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { InvalidOptionError } from "../../errors/invalid-option-error.js";
import { validateOptions } from "../../options/check-options.js";
import { validateEmbedOptions, type ScoreOptionName } from "../../options/call-options.js";
import type { Pairs } from "../../scoring/pairing.js";
import { scoreSeparately, usageOf, type Encoded } from "../../scoring/pair-usage.js";
import { cosine, l2Normalize } from "../../scoring/similarity.js";
import { checkPruning, maxWeightPerToken, pruneSparse } from "../../scoring/sparse.js";
import type { ScoreOptions, ScoreResponse } from "../../types.js";
import type { ModelFiles } from "../files/model-files.js";
import { readTorchLinear, type LinearWeights } from "../files/torch-linear.js";
import { openLocalParts, type LocalParts } from "../family/open-parts.js";
import { COMMON_CALL_OPTIONS, LocalScorerBase } from "../local-scorer-base.js";
import { validateLoadOptions } from "../option-rules.js";
import type { LocalModelOptions } from "../options.js";
import { encodeSingle } from "../tokenization/pair-encoder.js";

/** bge-m3's three outputs for one text, from one pass. */
interface M3Output {
  dense: Float32Array;
  sparse: SparseVector;
  colbert: TokenEmbeddings;
  weights: TokenWeights;
}


/** True when a folder holds bge-m3's extra heads (`sparse_linear.pt` and `colbert_linear.pt`). */
export function isBgeM3Folder(dir: string): boolean {
  return existsSync(join(dir, "sparse_linear.pt")) && existsSync(join(dir, "colbert_linear.pt"));
}

/**
 * BAAI/bge-m3: one XLM-R pass gives a dense vector (normalized CLS: `embed`, and cosine `score`),
 * lexical weights (relu(sparse_linear(h)) per token, the largest per token id, CLS / EOS / PAD / UNK
 * dropped: `embedSparse`) and ColBERT vectors (normalize(colbert_linear(h)) for every token but CLS:
 * `embedTokens`), as FlagEmbedding's `BGEM3FlagModel.encode` and vLLM's `BgeM3EmbeddingModel`.
 * Queries and documents are encoded alike.
 */
export class BgeM3Scorer extends LocalScorerBase implements Embedder, SparseEmbedder, TokenEmbedder, TokenWeightEmbedder {
  readonly scoreType = "bi-encoder" as const;
  /** Size of the vocabulary the sparse vectors' indices point into. */
  readonly vocabularySize: number;
  private readonly sparseHead: LinearWeights;
  private readonly colbertHead: LinearWeights;
  private readonly skipIds: ReadonlySet<number>;

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "embed", "sparseEmbed", "tokenWeights", "tokenEmbed", "tokenize", "detokenize", "windows", "metadata"] as const satisfies readonly Capability[];

  private constructor(parts: LocalParts, heads: { sparse: LinearWeights; colbert: LinearWeights }) {
    super(parts, { outputs: ["last_hidden_state"], padding: "right" });
    this.sparseHead = heads.sparse;
    this.colbertHead = heads.colbert;
    this.vocabularySize = Number(parts.files.config["vocab_size"]);
    const cfg = parts.files.tokenizerConfig;
    const id = (key: string, fallback: string) => {
      const v = cfg[key];
      const name = typeof v === "string" ? v : ((v as { content?: string } | undefined)?.content ?? fallback);
      return this.tokenizer.tokenToId(name);
    };
    const ids = [id("cls_token", "<s>"), id("eos_token", "</s>"), this.tokenizer.padId, id("unk_token", "<unk>")];
    this.skipIds = new Set(ids.filter((x): x is number => x !== undefined));
  }

  protected override get scoreOptionNames(): readonly ScoreOptionName[] {
    return [...COMMON_CALL_OPTIONS];
  }

  /**
   * Builds the scorer from files already read (the XLM-R ONNX graph and the two `.pt` heads).
   * Use `loadScorer(folder)`, which reads the layout. @internal
   * @throws {ModelLoadError} when a head is missing or does not fit the hidden size.
   */
  static async fromFiles(files: ModelFiles, options: LocalModelOptions & { scoreType?: string } = {}): Promise<BgeM3Scorer> {
    validateLoadOptions(options, "bi-encoder", "BgeM3Scorer");
    const hidden = Number(files.config["hidden_size"]);
    const [sparse, colbert] = await Promise.all([
      readTorchLinear(join(files.dir, "sparse_linear.pt"), hidden),
      readTorchLinear(join(files.dir, "colbert_linear.pt"), hidden),
    ]);
    const seqLen = Number(files.sbertConfig?.["max_seq_length"]);
    const parts = await openLocalParts(files, options, { familyMaxLength: Number.isFinite(seqLen) && seqLen > 0 ? seqLen : undefined });
    return new BgeM3Scorer(parts, { sparse, colbert });
  }

  /** Dense vectors (normalized CLS), in input order. */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  /**
   * Dense vectors with token usage. bge-m3 has no prompts, so `prompt` (which a server sets to
   * false, as vLLM embeds texts as given) changes nothing.
   * @throws {InvalidInputError} for non-string or tokenless texts.
   */
  async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    validateEmbedOptions(options, ["signal", "onProgress", "kind", "truncate", "prompt"], "BgeM3Scorer.embed");
    const { values, tokens } = await this.run(texts, options);
    return { embeddings: values.map((o) => o.dense), usage: usageOf(tokens) };
  }

  /** Lexical weights as sparse vectors, in input order. */
  async embedSparse(texts: string[], options: SparseEmbedOptions = {}): Promise<SparseVector[]> {
    return (await this.embedSparseWithUsage(texts, options)).vectors;
  }

  /**
   * Lexical weights with token usage; `topK` / `threshold` prune each vector.
   * @throws {InvalidOptionError} for a `topK` that is not an integer >= 1 or a negative `threshold`.
   */
  async embedSparseWithUsage(texts: string[], options: SparseEmbedOptions = {}): Promise<SparseEmbedResponse> {
    validateOptions(options, SPARSE_OPTION_RULES, { where: "BgeM3Scorer.embedSparse" });
    checkPruning(options);
    const { values, tokens } = await this.run(texts, options);
    const vectors = values.map((o) => (options.topK === undefined && options.threshold === undefined ? o.sparse : pruneSparse(o.sparse, options)));
    return { vectors, usage: usageOf(tokens) };
  }

  /**
   * The sparse head's weight at each position, the first (CLS) and last (EOS) left out, as vLLM's
   * `BgeM3EmbeddingModel` answers `/pooling` task `token_classify`; the largest weight per id is
   * what {@link BgeM3Scorer.embedSparse} keeps.
   */
  async embedTokenWeights(texts: string[], options: Pick<SparseEmbedOptions, "signal" | "onProgress" | "truncate"> = {}): Promise<TokenWeights[]> {
    validateEmbedOptions(options, ["signal", "onProgress", "truncate"], "BgeM3Scorer.embedTokenWeights");
    return (await this.run(texts, options)).values.map((o) => o.weights);
  }

  /** ColBERT vectors of every token but CLS (EOS included, as FlagEmbedding keeps it), normalized. */
  async embedTokens(texts: string[], options: EmbedOptions = {}): Promise<TokenEmbeddings[]> {
    validateEmbedOptions(options, ["signal", "onProgress", "kind", "truncate"], "BgeM3Scorer.embedTokens");
    return (await this.run(texts, options)).values.map((o) => o.colbert);
  }

  /**
   * The sparse vector's entries as `[token, weight]`, heaviest first (ties by id).
   * @throws {InvalidOptionError} for a `topK` that is not an integer >= 1.
   */
  decode(vector: SparseVector, topK?: number): Array<[string, number]> {
    if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
      throw new InvalidOptionError(`topK must be an integer >= 1, got ${String(topK)}`, { option: "topK", allowed: "an integer >= 1" });
    }
    const order = [...vector.indices.keys()].sort((a, b) => (vector.values[b] as number) - (vector.values[a] as number) || a - b).slice(0, topK);
    const tokens = this.tokenizer.idsToTokens(order.map((k) => vector.indices[k] as number));
    return order.map((k, i) => [tokens[i] as string, vector.values[k] as number]);
  }

  /** Cosine of the dense vectors per pair (bge-m3's dense score). */
  protected scorePairs(pairs: Pairs<string>, options: ScoreOptions): Promise<ScoreResponse> {
    return scoreSeparately(pairs, {
      encode: async (texts) => {
        const { values, tokens } = await this.run(texts, { signal: options.signal, onProgress: options.onProgress, truncate: options.truncate });
        return { values: values.map((o) => o.dense), tokens };
      },
      compare: (query, docs) => docs.map((d) => cosine(query, d)),
    });
  }

  private async run(texts: string[], options: { signal?: AbortSignal | undefined; onProgress?: EmbedOptions["onProgress"]; truncate?: boolean | undefined }): Promise<Encoded<M3Output>> {
    this.checkTexts(texts);
    throwIfAborted(options.signal);
    const sequences = texts.map((t, i) => {
      const ids = this.tokenizer.encode(t);
      if (ids.length === 0) throw new InvalidInputError(`texts[${i}] ${t.length === 0 ? "is empty" : "has no tokens"}`, { field: `texts[${i}]` });
      return encodeSingle(this.tokenizer, ids, this.maxLength, { truncate: options.truncate });
    });
    const values = await this.runBatches(sequences, options, ({ output, row, seq }, j) => {
      const hidden = output.dims[2] as number;
      const ids = sequences[j]?.ids as number[];
      const at = (t: number) => output.data.subarray((row * seq + t) * hidden, (row * seq + t + 1) * hidden);
      const weights = ids.map((_, t) => Math.max(0, linear(this.sparseHead, at(t))[0] as number));
      const rows = ids.length - 1;
      const dim = this.colbertHead.out;
      const colbert = new Float32Array(rows * dim);
      for (let t = 1; t < ids.length; t++) colbert.set(l2Normalize(linear(this.colbertHead, at(t))), (t - 1) * dim);
      return {
        dense: l2Normalize(at(0).slice()),
        sparse: maxWeightPerToken(ids, weights, this.skipIds),
        colbert: { data: colbert, tokens: rows, dim },
        weights: { ids: Uint32Array.from(ids.slice(1, -1)), weights: Float32Array.from(weights.slice(1, -1)) },
      };
    });
    return { values, tokens: sequences.map((s) => s.ids.length) };
  }
}

/** `weight @ x + bias`, accumulated in float64. */
function linear(layer: LinearWeights, x: Float32Array): Float32Array {
  const out = new Float32Array(layer.out);
  for (let o = 0; o < layer.out; o++) {
    let s = layer.bias[o] as number;
    const off = o * layer.in;
    for (let k = 0; k < layer.in; k++) s += (layer.weight[off + k] as number) * (x[k] as number);
    out[o] = s;
  }
  return out;
}
