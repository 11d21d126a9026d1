import { BaseScorer } from "../../base-scorer.js";
import { planMicroBatches } from "../../batching/micro-batches.js";
import type { Capability } from "../../contracts/capabilities.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { RerankKitError } from "../../errors/rerank-kit-error.js";
import { validateOptions, type OptionSpec } from "../../options/check-options.js";
import { toPairs } from "../../scoring/pairing.js";
import { dot } from "../../scoring/similarity.js";
import type { EmbedImagesOptions, ImageEmbedder, ImageInput } from "../../contracts/image-embedder.js";
import { validateEmbedOptions } from "../../options/call-options.js";
import type { Embedder, EmbedOptions, EmbedResponse, Progress, RankedResult, RerankOptions, RerankResponse, ScoreInput, ScoreResponse, Tokenization } from "../../types.js";
import { resolveModelFolder } from "../files/model-files.js";
import { readImage } from "../images/image-input.js";
import { LOCAL_MODEL_RULES } from "../option-rules.js";
import type { LocalModelOptions } from "../options.js";
import { runBatchLoop, type BatchControl } from "../runtime/batch-loop.js";
import { pretrainedLoader, type FromPretrained } from "../worker-pool/in-worker.js";
import { WORKER_OPTION_RULE } from "../worker-pool/worker-option.js";
import { classify, type ImageTextInput, type Item } from "./inputs.js";
import { readImageTextLayout, type ImageTextFamily, type ImageTextLayout } from "./layout.js";
import { ImageTextTowers, type EncodedText } from "./towers.js";

/**
 * Load options of an image-text model: `dtype` picks the tower graphs
 * (`onnx/text_model_<suffix>.onnx` + `onnx/vision_model_<suffix>.onnx`, or `onnx/model_<suffix>.onnx`);
 * `threads`, `device` and the Hub options (`revision`, `cacheDir`, `localFilesOnly`,
 * `accessToken`, `hubUrl`) as for every local model.
 */
export interface ImageTextOptions extends Pick<LocalModelOptions, "dtype" | "threads" | "device" | "revision" | "cacheDir" | "localFilesOnly" | "accessToken" | "hubUrl"> {
  /** Most texts or images per graph run (texts are grouped by length first). @default 16 */
  batchSize?: number;
}

/** Options of `score` / `rerank` on an image-text model. */
export interface ImageTextScoreOptions {
  /** Cancels the call; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
  /** Called after each batch (texts, then images) with the items done so far, and awaited. */
  onProgress?: (progress: Progress) => unknown;
  /**
   * Truncate texts longer than the model's window (special tokens kept). When `false`, a too-long
   * text throws a `ContextLengthError` (what `serve` does unless `truncate_prompt_tokens` is set).
   * @default true
   */
  truncate?: boolean;
  /** Keep at most this many tokens of each text, special tokens included; `-1` = the window. */
  truncatePromptTokens?: number;
  /** Accepted for the server's sake; cosine has no activation, so it changes nothing. */
  activation?: boolean;
  /**
   * Return the model's raw logits, `exp(logit_scale) * cosine + logit_bias` (the bias is SigLIP's;
   * CLIP has none), instead of the cosine. Needs the learned scale and bias from the folder's
   * `model.safetensors`. @default false
   */
  logits?: boolean;
}

const { dtype, threads, device, revision, cacheDir, localFilesOnly, accessToken, hubUrl } = LOCAL_MODEL_RULES;
const LOAD_RULES = {
  dtype,
  threads,
  device,
  revision,
  cacheDir,
  localFilesOnly,
  accessToken,
  hubUrl,
  batchSize: { kind: "integer", min: 1 },
} as const satisfies Record<keyof ImageTextOptions, OptionSpec[string]>;
const SCORE_RULES = {
  signal: { kind: "signal" },
  onProgress: { kind: "function" },
  logits: { kind: "boolean" },
  truncate: { kind: "boolean" },
  truncatePromptTokens: { kind: "integer", min: -1, note: "-1 = the window" },
  activation: { kind: "boolean" },
} as const satisfies Record<keyof ImageTextScoreOptions, OptionSpec[string]>;
const IMAGE_RULES = { signal: { kind: "signal" }, onProgress: { kind: "function" } } as const satisfies Record<keyof EmbedImagesOptions, OptionSpec[string]>;
// CLIP and SigLIP have no query / document prompts: `kind` and `prompt` are accepted (the server
// and the adapters pass them) and change nothing.
const EMBED_HONOURED = ["signal", "onProgress", "kind", "prompt", "truncate"] as const;

/**
 * A CLIP or SigLIP model in process: text and image embeddings in one space, and `score` /
 * `rerank` of a text query against image documents (or an image against texts) by cosine.
 * Embeddings are L2-normalised. A plain string is always text; see {@link ImageTextInput} for
 * images. Loaded by `loadScorer` when a folder's `config.json` says `clip`, `siglip` or
 * `siglip2` and a `preprocessor_config.json` is present; decoding images needs `sharp`
 * (`npm install sharp`) unless you pass decoded pixels.
 * @example
 * ```ts
 * const clip = await ImageTextScorer.fromPretrained("./clip-vit-base-patch32");
 * const ranked = await clip.rerank("a red car", [{ image: "a.jpg" }, readFileSync("b.png")]);
 * ```
 */
export class ImageTextScorer extends BaseScorer implements Embedder, ImageEmbedder {
  /** Query and document are embedded apart and compared by cosine. */
  readonly scoreType = "bi-encoder" as const;
  private closed = false;

  /** What this family can do: the worker proxy of `fromPretrained({ worker: true })` has exactly these. */
  static readonly capabilities = ["score", "embed", "imageEmbed", "imageTokens", "tokenize", "detokenize"] as const satisfies readonly Capability[];

  private constructor(
    /** The model id or folder it was loaded from. */
    readonly model: string,
    /** `clip` or `siglip` (SigLIP 2 included). */
    readonly family: ImageTextFamily,
    private readonly towers: ImageTextTowers,
    private readonly batchSize: number,
    private readonly dtype: string,
  ) {
    super();
  }

  /**
   * Loads a CLIP or SigLIP model from a folder or a Hugging Face id (split `text_model.onnx` +
   * `vision_model.onnx`, one `model.onnx`, or a sentence-transformers `clip-ViT-*` save with its
   * graphs under `onnx/`); by id only the processor, tokenizer and the dtype's graphs are fetched.
   * With `worker: true` (or `{ workers, threads }`) it loads in worker threads and the result is a
   * `WorkerScorer` with {@link ImageTextScorer.capabilities} (`embedImages` included): images then
   * cross to the worker as bytes or pixels, and decoding and inference never block this thread.
   * @throws {ModelLoadError} when the folder is not an image-text model or a file is missing.
   * @throws {InvalidOptionError} for an unknown or out-of-range option.
   */
  static readonly fromPretrained: FromPretrained<ImageTextScorer, ImageTextOptions, (typeof ImageTextScorer.capabilities)[number]> = pretrainedLoader({
    entry: "ImageTextScorer",
    capabilities: ImageTextScorer.capabilities,
    check: (options) => validateOptions(options, { ...LOAD_RULES, worker: WORKER_OPTION_RULE }, { where: "ImageTextScorer.fromPretrained" }),
    read: async (idOrPath, options: ImageTextOptions) => readImageTextLayout(await resolveModelFolder(idOrPath, options), options.dtype),
    fromFiles: (layout: ImageTextLayout, options, idOrPath) => ImageTextScorer.fromLayout(layout, options, idOrPath),
  });

  /** Builds the scorer from a layout already read (`loadScorer` reads it). @internal */
  static async fromLayout(layout: ImageTextLayout, options: ImageTextOptions, model: string): Promise<ImageTextScorer> {
    const towers = await ImageTextTowers.open(layout, options);
    return new ImageTextScorer(model, layout.family, towers, options.batchSize ?? 16, options.dtype ?? "fp32");
  }

  /** L2-normalised text embeddings, one per text, in input order (`kind` and `prompt` change nothing: these models have no prompts). */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  /** Like {@link ImageTextScorer.embed}, with the token count. */
  async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.assertOpen();
    validateEmbedOptions(options, EMBED_HONOURED, "ImageTextScorer.embed");
    if (!Array.isArray(texts)) throw new InvalidInputError("embed takes an array of texts", { field: "texts" });
    texts.forEach((t, i) => {
      if (typeof t !== "string") throw new InvalidInputError(`texts[${i}] must be a string, got ${typeof t}`, { field: `texts[${i}]` });
    });
    // As every embedder: cut to the window unless `truncate: false`, which refuses a longer text.
    const encoded = texts.map((t) => this.towers.encodeText(t, options.truncate === false ? false : undefined));
    const { text } = await this.runTowers(encoded, [], [], options);
    return { embeddings: text, usage: usage(encoded) };
  }

  /**
   * L2-normalised image embeddings, one per image, in input order. A string here is a file path
   * or a `data:` / `file:` URL.
   * @throws {InvalidInputError} for an unreadable or undecodable image.
   * @throws {AbortError} when `signal` fires.
   */
  async embedImages(images: ImageInput[], options: EmbedImagesOptions = {}): Promise<Float32Array[]> {
    this.assertOpen();
    validateOptions(options, IMAGE_RULES, { where: "ImageTextScorer.embedImages" });
    if (!Array.isArray(images)) throw new InvalidInputError("embedImages takes an array of images", { field: "images" });
    return (await this.runTowers([], images, images.map((_, i) => `images[${i}]`), options)).image;
  }

  /**
   * Cosine (or raw logits) of each pair, with vLLM's pairing rules (1:1, 1:N, N:N). Queries and
   * documents may each be texts or images.
   */
  override async scoreWithUsage(
    queries: ImageTextInput | ImageTextInput[],
    documents: ImageTextInput | ImageTextInput[],
    options: ImageTextScoreOptions = {},
  ): Promise<ScoreResponse> {
    this.assertOpen();
    validateOptions(options, SCORE_RULES, { where: "ImageTextScorer.score" });
    const pairs = toPairs(queries, documents);
    const oneQuery = !Array.isArray(queries) || queries.length === 1;
    const q = pairs.queries.map((x, i) => ({ ...classify(x, `queries[${oneQuery ? 0 : i}]`), field: `queries[${oneQuery ? 0 : i}]` }));
    const d = pairs.documents.map((x, i) => ({ ...classify(x, `documents[${i}]`), field: `documents[${i}]` }));
    const limit = options.truncate === false ? false : options.truncatePromptTokens === undefined || options.truncatePromptTokens === -1 ? undefined : options.truncatePromptTokens;
    const { vectors, tokens } = await this.vectorsOf([...q, ...d], options, limit);
    const params = options.logits === true ? await this.towers.logitParams() : undefined;
    const scores = q.map((_, i) => {
      const cos = dot(vectors[i]!, vectors[q.length + i]!);
      return params === undefined ? cos : params.scale * cos + params.bias;
    });
    return { scores, usage: { promptTokens: tokens, totalTokens: tokens } };
  }

  /** The scores of {@link ImageTextScorer.scoreWithUsage}, in pair order. */
  override async score(
    queries: ImageTextInput | ImageTextInput[],
    documents: ImageTextInput | ImageTextInput[],
    options?: ImageTextScoreOptions,
  ): Promise<number[]> {
    return (await this.scoreWithUsage(queries, documents, options)).scores;
  }

  /** Scores one query against documents and sorts them, best first (`topN`, `scoreThreshold` as everywhere). */
  override async rerank(query: ImageTextInput, documents: ImageTextInput[], options?: RerankOptions & ImageTextScoreOptions): Promise<RankedResult[]> {
    return super.rerank(query as ScoreInput, documents as ScoreInput[], options);
  }

  /** Like {@link ImageTextScorer.rerank}, with usage. */
  override async rerankWithUsage(query: ImageTextInput, documents: ImageTextInput[], options?: RerankOptions & ImageTextScoreOptions): Promise<RerankResponse> {
    return super.rerankWithUsage(query as ScoreInput, documents as ScoreInput[], options);
  }

  /** Positions the vision tower encodes per image: its patches, plus CLIP's class position (50 for CLIP ViT-B/32 at 224 px). */
  get tokensPerImage(): number {
    return this.towers.tokensPerImage;
  }

  /** Largest number of tokens per text, special tokens included (77 for CLIP, 64 for SigLIP). */
  get maxLength(): number {
    return this.towers.window;
  }

  /** Tokenizes one text, with the model's special tokens unless `addSpecialTokens` is false (not truncated). */
  tokenize(text: string, options: { addSpecialTokens?: boolean } = {}): Tokenization {
    return this.towers.tokenize(text, options.addSpecialTokens !== false);
  }

  /** Decodes token ids back to text (special tokens skipped unless `skipSpecialTokens` is false). */
  detokenize(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.towers.detokenize(ids, options.skipSpecialTokens ?? true);
  }

  /** Frees the ONNX sessions once runs in flight have finished. Later calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.towers.close();
  }

  /** @throws {RerankKitError} when the scorer was closed. */
  private assertOpen(): void {
    if (this.closed) throw new RerankKitError(`Scorer for ${this.model} is closed`);
  }

  /** Embeds mixed items, each distinct text or image object once. */
  private async vectorsOf(items: (Item & { field: string })[], call: BatchControl, limit: number | false | undefined): Promise<{ vectors: Float32Array[]; tokens: number }> {
    const texts = [...new Set(items.flatMap((it) => (it.kind === "text" ? [it.text] : [])))];
    const fields = new Map<ImageInput, string>();
    for (const it of items) if (it.kind === "image" && !fields.has(it.image)) fields.set(it.image, it.field);
    const images = [...fields.keys()];
    const encoded = texts.map((t) => this.towers.encodeText(t, limit));
    const { text, image } = await this.runTowers(encoded, images, [...fields.values()], call);
    const byText = new Map(texts.map((t, i) => [t, text[i]!]));
    const byImage = new Map(images.map((im, i) => [im, image[i]!]));
    return { vectors: items.map((it) => (it.kind === "text" ? byText.get(it.text)! : byImage.get(it.image)!)), tokens: usage(encoded).promptTokens };
  }

  /**
   * Runs texts through the text tower in length-sorted micro-batches, then images (decoded and
   * preprocessed per batch) through the vision tower, as one run of the skeleton's batch loop: one
   * `onProgress` stream over both, `signal` checked between batches.
   */
  private async runTowers(
    texts: readonly EncodedText[],
    images: readonly ImageInput[],
    fields: readonly string[],
    call: BatchControl,
  ): Promise<{ text: Float32Array[]; image: Float32Array[] }> {
    const text = new Array<Float32Array>(texts.length);
    const image = new Array<Float32Array>(images.length);
    const textBatches = texts.length === 0 ? [] : planMicroBatches(texts.map((t) => t.ids.length), { maxBatchSize: this.batchSize }, this.dtype);
    const imageBatches: number[][] = [];
    for (let start = 0; start < images.length; start += this.batchSize) {
      imageBatches.push(Array.from({ length: Math.min(this.batchSize, images.length - start) }, (_, k) => texts.length + start + k));
    }
    await runBatchLoop([...textBatches, ...imageBatches], texts.length + images.length, call, async (batch) => {
      if ((batch[0] as number) < texts.length) {
        const out = await this.towers.embedTexts(batch.map((i) => texts[i]!));
        batch.forEach((i, k) => (text[i] = out[k]!));
        return;
      }
      const at = batch.map((i) => i - texts.length);
      const rgb = await Promise.all(at.map((i) => readImage(images[i]!, fields[i]!)));
      const out = await this.towers.embedPixels(this.towers.pixels(rgb));
      at.forEach((i, k) => (image[i] = out[k]!));
    });
    return { text, image };
  }
}

function usage(encoded: readonly EncodedText[]): EmbedResponse["usage"] {
  const tokens = encoded.reduce((n, e) => n + e.ids.length, 0);
  return { promptTokens: tokens, totalTokens: tokens };
}
