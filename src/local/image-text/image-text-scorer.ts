import { BaseScorer } from "../../base-scorer.js";
import { throwIfAborted } from "../../errors/abort-error.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { validateOptions, type OptionSpec } from "../../options/check-options.js";
import { toPairs } from "../../scoring/pairing.js";
import { dot } from "../../scoring/similarity.js";
import type { EmbedImagesOptions, ImageEmbedder, ImageInput } from "../../contracts/image-embedder.js";
import { validateEmbedOptions } from "../../options/call-options.js";
import type { Embedder, EmbedOptions, EmbedResponse, RankedResult, RerankOptions, RerankResponse, ScoreInput, ScoreResponse, Tokenization } from "../../types.js";
import { readImage } from "../images/image-input.js";
import { classify, type ImageTextInput, type Item } from "./inputs.js";
import { readImageTextLayout, type ImageTextFamily } from "./layout.js";
import type { Dtype } from "../options.js";
import { ImageTextTowers } from "./towers.js";

/** Load options of an image-text model. */
export interface ImageTextOptions {
  /** Which ONNX files to load (`onnx/text_model_<dtype>.onnx`, ...). @default "fp32" */
  dtype?: Dtype;
  /** Intra-op threads. @default all cores */
  threads?: number;
  /** ONNX Runtime execution provider. @default "cpu" */
  device?: "cpu" | "cuda" | "dml" | "coreml";
  /** Texts or images per graph run. @default 16 */
  batchSize?: number;
}

/** Options of `score` / `rerank` on an image-text model. */
export interface ImageTextScoreOptions {
  /** Cancels the call; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
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

const LOAD_RULES = {
  dtype: { kind: "enum", values: ["fp32", "fp16", "q8", "int8", "uint8", "q4", "q4f16", "bnb4"] },
  threads: { kind: "integer", min: 1 },
  device: { kind: "enum", values: ["cpu", "cuda", "dml", "coreml"] },
  batchSize: { kind: "integer", min: 1 },
} as const satisfies Record<keyof ImageTextOptions, OptionSpec[string]>;
const SCORE_RULES = {
  signal: { kind: "signal" },
  logits: { kind: "boolean" },
  truncate: { kind: "boolean" },
  truncatePromptTokens: { kind: "integer", min: -1, note: "-1 = the window" },
  activation: { kind: "boolean" },
} as const satisfies Record<keyof ImageTextScoreOptions, OptionSpec[string]>;
const IMAGE_RULES = { signal: { kind: "signal" } } as const;
// CLIP and SigLIP have no query / document prompts: `kind` and `prompt` are accepted (the server
// and the adapters pass them) and change nothing.
const EMBED_HONOURED = ["signal", "kind", "prompt"] as const;

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

  private constructor(
    /** The folder the model was loaded from. */
    readonly model: string,
    /** `clip` or `siglip` (SigLIP 2 included). */
    readonly family: ImageTextFamily,
    private readonly towers: ImageTextTowers,
    private readonly batchSize: number,
  ) {
    super();
  }

  /**
   * Loads a CLIP or SigLIP folder (split `text_model.onnx` + `vision_model.onnx`, or one
   * `model.onnx`).
   * @throws {ModelLoadError} when the folder is not an image-text model or a file is missing.
   * @throws {InvalidOptionError} for an unknown or out-of-range option.
   */
  static async fromPretrained(folder: string, options: ImageTextOptions = {}): Promise<ImageTextScorer> {
    validateOptions(options, LOAD_RULES, { where: "ImageTextScorer.fromPretrained" });
    const layout = await readImageTextLayout(folder, options.dtype);
    const towers = await ImageTextTowers.open(layout, options);
    return new ImageTextScorer(folder, layout.family, towers, options.batchSize ?? 16);
  }

  /** L2-normalised text embeddings, one per text, in input order (`kind` and `prompt` change nothing: these models have no prompts). */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  /** Like {@link ImageTextScorer.embed}, with the token count. */
  async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    validateEmbedOptions(options, EMBED_HONOURED, "ImageTextScorer.embed");
    if (!Array.isArray(texts)) throw new InvalidInputError("embed takes an array of texts", { field: "texts" });
    texts.forEach((t, i) => {
      if (typeof t !== "string") throw new InvalidInputError(`texts[${i}] must be a string, got ${typeof t}`, { field: `texts[${i}]` });
    });
    return this.textVectors(texts, options.signal);
  }

  /**
   * L2-normalised image embeddings, one per image, in input order. A string here is a file path
   * or a `data:` / `file:` URL.
   * @throws {InvalidInputError} for an unreadable or undecodable image.
   */
  async embedImages(images: ImageInput[], options: EmbedImagesOptions = {}): Promise<Float32Array[]> {
    validateOptions(options, IMAGE_RULES, { where: "ImageTextScorer.embedImages" });
    if (!Array.isArray(images)) throw new InvalidInputError("embedImages takes an array of images", { field: "images" });
    return this.imageVectors(images, images.map((_, i) => `images[${i}]`), options.signal);
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
    validateOptions(options, SCORE_RULES, { where: "ImageTextScorer.score" });
    const pairs = toPairs(queries, documents);
    const oneQuery = !Array.isArray(queries) || queries.length === 1;
    const q = pairs.queries.map((x, i) => ({ ...classify(x, `queries[${oneQuery ? 0 : i}]`), field: `queries[${oneQuery ? 0 : i}]` }));
    const d = pairs.documents.map((x, i) => ({ ...classify(x, `documents[${i}]`), field: `documents[${i}]` }));
    const limit = options.truncate === false ? false : options.truncatePromptTokens === undefined || options.truncatePromptTokens === -1 ? undefined : options.truncatePromptTokens;
    const { vectors, tokens } = await this.vectorsOf([...q, ...d], options.signal, limit);
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

  /** Frees the ONNX sessions. */
  async close(): Promise<void> {
    await this.towers.close();
  }

  /** Embeds mixed items, each distinct text or image object once. */
  private async vectorsOf(items: (Item & { field: string })[], signal: AbortSignal | undefined, limit: number | false | undefined): Promise<{ vectors: Float32Array[]; tokens: number }> {
    const texts = [...new Set(items.flatMap((it) => (it.kind === "text" ? [it.text] : [])))];
    const fields = new Map<ImageInput, string>();
    for (const it of items) if (it.kind === "image" && !fields.has(it.image)) fields.set(it.image, it.field);
    const images = [...fields.keys()];
    const { embeddings, usage } = await this.textVectors(texts, signal, limit);
    const imageVectors = await this.imageVectors(images, [...fields.values()], signal);
    const byText = new Map(texts.map((t, i) => [t, embeddings[i]!]));
    const byImage = new Map(images.map((im, i) => [im, imageVectors[i]!]));
    return { vectors: items.map((it) => (it.kind === "text" ? byText.get(it.text)! : byImage.get(it.image)!)), tokens: usage.promptTokens };
  }

  private async textVectors(texts: readonly string[], signal: AbortSignal | undefined, limit?: number | false): Promise<EmbedResponse> {
    const encoded = texts.map((t) => this.towers.encodeText(t, limit));
    const embeddings: Float32Array[] = [];
    for (let start = 0; start < encoded.length; start += this.batchSize) {
      throwIfAborted(signal);
      embeddings.push(...(await this.towers.embedTexts(encoded.slice(start, start + this.batchSize))));
    }
    const tokens = encoded.reduce((n, e) => n + e.ids.length, 0);
    return { embeddings, usage: { promptTokens: tokens, totalTokens: tokens } };
  }

  private async imageVectors(images: readonly ImageInput[], fields: readonly string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < images.length; start += this.batchSize) {
      throwIfAborted(signal);
      const chunk = images.slice(start, start + this.batchSize);
      const rgb = await Promise.all(chunk.map((im, i) => readImage(im, fields[start + i]!)));
      throwIfAborted(signal);
      out.push(...(await this.towers.embedPixels(this.towers.pixels(rgb))));
    }
    return out;
  }
}
