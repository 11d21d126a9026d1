import { Tokenizer } from "@huggingface/tokenizers";
import { BaseScorer } from "../../base-scorer.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { throwIfAborted } from "../../errors/abort-error.js";
import { assertTexts, toPairs } from "../../scoring/pairing.js";
import { cosine } from "../../scoring/similarity.js";
import type { EmbedOptions, EmbedResponse, Embedder, ScoreInput, ScoreOptions, ScoreResponse, Tokenization } from "../../types.js";
import type { Capability } from "../../contracts/capabilities.js";
import { validateOptions } from "../../options/check-options.js";
import { resolveModelFolder } from "../files/model-files.js";
import { knownLoadOptions } from "../option-rules.js";
import type { LocalModelOptions } from "../options.js";
import { pretrainedLoader, type FromPretrained } from "../worker-pool/in-worker.js";
import { WORKER_OPTION_RULE } from "../worker-pool/worker-option.js";
import { readStaticSpec, type StaticSpec } from "./static-layout.js";
import { splitsOnSpaces, WordIdCache } from "./word-ids.js";

/**
 * Load options of a static model: where its files come from. `threads` is accepted (a worker
 * pool's shape sets it) and has no effect: pooling runs on the calling thread, without ONNX Runtime.
 */
export type StaticEmbedderOptions = Pick<LocalModelOptions, "revision" | "cacheDir" | "localFilesOnly" | "accessToken" | "hubUrl" | "threads">;

const STATIC_RULES = {
  revision: { kind: "string" },
  cacheDir: { kind: "string" },
  localFilesOnly: { kind: "boolean" },
  accessToken: { kind: "string" },
  hubUrl: { kind: "string" },
  threads: { kind: "integer", min: 1 },
  worker: WORKER_OPTION_RULE,
} as const;

/**
 * A static embedding model (sentence-transformers `StaticEmbedding`, model2vec `StaticModel`) in
 * pure JavaScript: the mean of the text's token vectors, optionally L2-normalized. No ONNX Runtime:
 * a text costs one tokenization and a few row additions. `loadScorer(folder, { worker: true })`
 * still runs it in a worker thread like the other families, since a large batch over a big table
 * holds the thread it runs on. Scores are cosine similarities, as `SentenceTransformer.similarity`
 * gives for these models.
 */
export class StaticEmbedder extends BaseScorer implements Embedder {
  readonly scoreType = "bi-encoder" as const;
  readonly model: string;
  /** Width of the vectors. */
  readonly dimensions: number;
  /**
   * What sums the table rows of a text: `wasm-simd` (a float32 table held in WebAssembly memory,
   * summed with SIMD) or `js` (other dtypes, or no WebAssembly SIMD here). Both sum in float64 in
   * the same order, so the vectors are the same bits either way; only the speed differs.
   */
  readonly kernel: "wasm-simd" | "js";
  /** Most tokens pooled per text: 512 for model2vec; sentence-transformers' StaticEmbedding has no limit. */
  readonly maxLength: number;
  private readonly spec: StaticSpec;
  private readonly tokenizer: Tokenizer;
  /** Word -> ids cache when the tokenizer splits on spaces (BERT-style); undefined otherwise. */
  private readonly words: WordIdCache | undefined;
  private closed = false;

  private constructor(model: string, spec: StaticSpec) {
    super();
    this.model = model;
    this.spec = spec;
    this.dimensions = spec.table.dim;
    this.kernel = spec.table.kernel;
    this.maxLength = spec.maxTokens ?? Number.MAX_SAFE_INTEGER;
    this.tokenizer = new Tokenizer(spec.tokenizerJson, {});
    this.words = splitsOnSpaces(spec.tokenizerJson) ? new WordIdCache(this.tokenizer) : undefined;
  }

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "embed", "tokenize", "detokenize"] as const satisfies readonly Capability[];

  /**
   * Loads a static model (a `StaticEmbedding` save or a model2vec folder) from a Hugging Face
   * model id (downloading the table and tokenizer, no ONNX file needed) or a local folder.
   * @throws {ModelLoadError} naming the path when the files are not a static model or are unreadable.
   * @throws {InvalidOptionError} for an unknown option or one a static model cannot honour (`dtype`,
   *   `maxLength`, ...: there is no ONNX Runtime session to apply them to).
   * With `worker: true` (or `{ workers, threads }`) the model loads in worker threads and the result
   * is a worker proxy with {@link StaticEmbedder.capabilities}, so a large batch never blocks this thread.
   * @example
   * ```ts
   * const model = await StaticEmbedder.fromPretrained("sentence-transformers/static-retrieval-mrl-en-v1");
   * const [vector] = await model.embed(["what is the capital of france?"]);
   * ```
   */
  static readonly fromPretrained: FromPretrained<StaticEmbedder, StaticEmbedderOptions, (typeof StaticEmbedder.capabilities)[number]> = pretrainedLoader({
    entry: "StaticEmbedder",
    capabilities: StaticEmbedder.capabilities,
    check: (options) =>
      validateOptions(options, STATIC_RULES, {
        where: "StaticEmbedder.fromPretrained",
        known: knownLoadOptions(),
        unsupportedReason: "A static model cannot honour it (no ONNX Runtime session: the vectors are rows of a table).",
      }),
    read: (idOrPath, options) => resolveModelFolder(idOrPath, options),
    fromFiles: (folder: string, _options, idOrPath) => StaticEmbedder.load(folder, idOrPath),
  });

  /**
   * Opens a static model folder. `kernel` chooses how rows are summed: `auto` (the default) uses
   * the WebAssembly SIMD kernel for a float32 table and JavaScript otherwise; `js` forces
   * JavaScript (float64 sums, e.g. to compare); `wasm-simd` insists on the kernel.
   * @throws {ModelLoadError} when the folder is not a static model or its files are unreadable, or
   *   when `kernel` is `wasm-simd` and the kernel cannot run here or hold this table.
   */
  static async load(dir: string, model = dir, options: { kernel?: "auto" | "wasm-simd" | "js" } = {}): Promise<StaticEmbedder> {
    return new StaticEmbedder(model, await readStaticSpec(dir, options.kernel));
  }

  /** One vector per text, in input order. `kind` is accepted for symmetry: static models embed queries and documents alike. */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  /**
   * Vectors with token usage (tokens pooled, after model2vec's unknown-token removal and truncation).
   * @throws {InvalidInputError} for a non-array, a non-string, an empty text, or a text with no
   *   token the model knows (its mean would be the zero vector, whose cosine is meaningless).
   */
  async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.assertOpen();
    if (!Array.isArray(texts)) throw new InvalidInputError("embed takes an array of texts", { field: "texts" });
    assertTexts(texts, "texts");
    throwIfAborted(options.signal);
    let total = 0;
    const embeddings = texts.map((text, i) => {
      const ids = this.tokenIds(text, `texts[${i}]`);
      total += ids.length;
      return this.pool(ids, options.normalize ?? true);
    });
    return { embeddings, usage: { promptTokens: total, totalTokens: total } };
  }

  /**
   * Cosine similarity per pair (1:1, 1:N or N:N zipped).
   * @throws {InvalidInputError} for bad shapes, non-string or empty texts.
   */
  async scoreWithUsage(queries: ScoreInput | ScoreInput[], documents: ScoreInput | ScoreInput[], options: ScoreOptions = {}): Promise<ScoreResponse> {
    this.assertOpen();
    const pairs = toPairs(queries, documents);
    assertTexts(pairs.queries, "queries");
    assertTexts(pairs.documents, "documents");
    throwIfAborted(options.signal);
    const cache = new Map<string, { vector: Float32Array; tokens: number }>();
    const vec = (text: string, field: string) => {
      let hit = cache.get(text);
      if (!hit) {
        const ids = this.tokenIds(text, field);
        hit = { vector: this.pool(ids, false), tokens: ids.length };
        cache.set(text, hit);
      }
      return hit;
    };
    const pairTokens: number[] = [];
    const scores = pairs.queries.map((q, i) => {
      const a = vec(q, "queries");
      const b = vec(pairs.documents[i] as string, "documents");
      pairTokens.push(a.tokens + b.tokens);
      return cosine(a.vector, b.vector);
    });
    const tokens = pairTokens.reduce((n, t) => n + t, 0);
    return { scores, usage: { promptTokens: tokens, totalTokens: tokens }, pairTokens };
  }

  /** Tokenizes one text as the model pools it: static models add no special tokens. */
  tokenize(text: string, _options: { addSpecialTokens?: boolean } = {}): Tokenization {
    const ids: number[] = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    return { ids, tokens: ids.map((id) => this.tokenizer.id_to_token(id) ?? "") };
  }

  /** Decodes token ids back to text. */
  detokenize(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? true });
  }

  /** Nothing native to release; later calls throw. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** The token ids that are pooled for `text`, as the reference library selects them. */
  tokenIds(text: string, field = "text"): number[] {
    if (text.length === 0) throw new InvalidInputError(`${field} is empty`, { field });
    const { maxChars, maxTokens, dropIds } = this.spec;
    const cut = maxChars !== undefined && text.length > maxChars ? [...text].slice(0, maxChars).join("") : text;
    let ids: number[] = this.words ? this.words.encode(cut) : this.tokenizer.encode(cut, { add_special_tokens: false }).ids;
    if (dropIds.size > 0) ids = ids.filter((id) => !dropIds.has(id));
    if (maxTokens !== undefined && ids.length > maxTokens) ids = ids.slice(0, maxTokens);
    if (ids.length === 0) throw new InvalidInputError(`${field} has no token the model knows (nothing left to embed)`, { field });
    return ids;
  }

  private pool(ids: number[], normalize: boolean): Float32Array {
    const { table, mapping, weights } = this.spec;
    const sum = table.sum(ids, mapping, weights);
    const out = new Float32Array(table.dim);
    for (let k = 0; k < table.dim; k++) out[k] = (sum[k] as number) / ids.length;
    if (normalize && this.spec.normalize) normalizeInPlace(out, this.spec.layout === "model2vec");
    return out;
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidInputError(`${this.model} is closed`, { field: "model" });
  }
}

/** L2 normalization: sentence-transformers divides by max(norm, 1e-12); model2vec by norm + 1e-32. */
function normalizeInPlace(v: Float32Array, additiveEps: boolean): void {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) * (v[i] as number);
  const norm = Math.sqrt(sum);
  const denom = additiveEps ? norm + 1e-32 : Math.max(norm, 1e-12);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / denom;
}
