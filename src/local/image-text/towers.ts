import { readSafetensor } from "../files/safetensors.js";
import { ContextLengthError } from "../../errors/context-length-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { pixelValues, type PixelBatch } from "../../imaging/preprocess.js";
import type { RgbImage } from "../../imaging/pixels.js";
import { l2Normalize } from "../../scoring/similarity.js";
import { TextTokenizer } from "../tokenization/text-tokenizer.js";
import { textWindow, visionPositions, type ImageTextLayout } from "./layout.js";
import { TowerSession, type TowerFeed } from "./tower-session.js";

/** Names the Hub's exports give the projected embeddings (Xenova CLIP, SigLIP, one-graph exports). */
const TEXT_OUTPUTS = ["text_embeds", "pooler_output"] as const;
const IMAGE_OUTPUTS = ["image_embeds", "pooler_output"] as const;

/** The learned similarity scale (`exp(logit_scale)`) and bias (SigLIP; 0 for CLIP). */
export interface LogitParams {
  scale: number;
  bias: number;
}

/** Token ids of one text, special tokens included, unpadded. */
export interface EncodedText {
  ids: number[];
}

/**
 * The two towers of a CLIP / SigLIP model and the family's input conventions: CLIP pads a batch
 * to its longest text with an attention mask; SigLIP pads every text to the full window with no
 * mask, because its text tower reads the last position.
 */
export class ImageTextTowers {
  private constructor(
    private readonly layout: ImageTextLayout,
    private readonly tokenizer: TextTokenizer,
    private readonly text: TowerSession,
    private readonly vision: TowerSession,
    private readonly textOutput: string,
    private readonly imageOutput: string,
    /** Largest number of tokens per text, special tokens included. */
    readonly window: number,
  ) {}

  /**
   * Opens the tower graphs of a layout (one session shared when the model is one graph).
   * @throws {ModelLoadError} when a graph cannot be opened or lacks the embedding outputs.
   */
  static async open(layout: ImageTextLayout, options: { threads?: number | undefined; device?: string | undefined }): Promise<ImageTextTowers> {
    const tokenizer = new TextTokenizer(layout.tokenizerJson, layout.tokenizerConfig, layout.dir);
    const window = textWindow(layout);
    if (layout.graphs.kind === "split") {
      const [text, vision] = await Promise.all([TowerSession.create(layout.graphs.text, options), TowerSession.create(layout.graphs.vision, options)]);
      return new ImageTextTowers(layout, tokenizer, text, vision, text.pickOutput(TEXT_OUTPUTS, layout.graphs.text), vision.pickOutput(IMAGE_OUTPUTS, layout.graphs.vision), window);
    }
    const joint = await TowerSession.create(layout.graphs.model, options);
    const path = layout.graphs.model;
    return new ImageTextTowers(layout, tokenizer, joint, joint, joint.pickOutput(["text_embeds"], path), joint.pickOutput(["image_embeds"], path), window);
  }

  /**
   * Ids of one text, truncated to `limit` tokens (special tokens kept) as the Python tokenizer
   * with `truncation=True`; with `limit` false a text over the window is refused.
   * @throws {ContextLengthError} when `limit` is false and the text does not fit the window.
   */
  encodeText(text: string, limit: number | false = this.window): EncodedText {
    const raw = this.tokenizer.encode(text);
    if (limit === false) {
      const ids = this.tokenizer.single(raw).ids;
      if (ids.length > this.window) throw new ContextLengthError(this.window, ids.length);
      return { ids };
    }
    const room = Math.min(limit, this.window) - this.tokenizer.singleSpecials;
    return { ids: this.tokenizer.single(raw.slice(0, Math.max(room, 0))).ids };
  }

  /** Ids and token strings of one text, untruncated. */
  tokenize(text: string, specials: boolean): { ids: number[]; tokens: string[] } {
    const raw = this.tokenizer.encode(text);
    const ids = specials ? this.tokenizer.single(raw).ids : raw;
    return { ids, tokens: this.tokenizer.idsToTokens(ids) };
  }

  /** Positions the vision tower encodes per image (see `visionPositions`). */
  get tokensPerImage(): number {
    return visionPositions(this.layout);
  }

  /** Text of token ids. */
  detokenize(ids: readonly number[], skipSpecials: boolean): string {
    return this.tokenizer.decode(ids, skipSpecials);
  }

  /** The ids and mask of a batch, padded per the family's rule. */
  private textFeeds(texts: readonly EncodedText[]): Record<string, TowerFeed> {
    const width = this.layout.family === "siglip" ? this.window : Math.max(...texts.map((t) => t.ids.length));
    const ids = new BigInt64Array(texts.length * width).fill(BigInt(this.tokenizer.padId));
    const mask = new BigInt64Array(texts.length * width);
    texts.forEach((t, row) => {
      t.ids.forEach((id, i) => {
        ids[row * width + i] = BigInt(id);
        mask[row * width + i] = 1n;
      });
    });
    return { input_ids: { data: ids, dims: [texts.length, width] }, attention_mask: { data: mask, dims: [texts.length, width] } };
  }

  /** One placeholder image for the one-graph layout, whose text runs also need `pixel_values`. */
  private placeholderPixels(): TowerFeed {
    const probe = pixelValues([{ data: new Uint8Array(3), width: 1, height: 1 }], this.layout.processor);
    return { data: new Float32Array(probe.data.length), dims: probe.dims };
  }

  /** L2-normalised text embeddings, one per text. */
  async embedTexts(texts: readonly EncodedText[]): Promise<Float32Array[]> {
    const feeds = this.textFeeds(texts);
    if (this.text === this.vision) feeds["pixel_values"] = this.placeholderPixels();
    const out = (await this.text.run(feeds, [this.textOutput]))[this.textOutput]!;
    return rows(out.data, texts.length);
  }

  /** The processor's `pixel_values` for RGB images. */
  pixels(images: readonly RgbImage[]): PixelBatch {
    return pixelValues(images, this.layout.processor);
  }

  /** L2-normalised image embeddings, one per image of the batch. */
  async embedPixels(batch: PixelBatch): Promise<Float32Array[]> {
    const feeds: Record<string, TowerFeed> = { pixel_values: { data: batch.data, dims: batch.dims } };
    if (this.text === this.vision) Object.assign(feeds, this.textFeeds([this.encodeText("")]));
    const out = (await this.vision.run(feeds, [this.imageOutput]))[this.imageOutput]!;
    return rows(out.data, batch.dims[0]);
  }

  /**
   * The learned logit scale and bias, from `model.safetensors` (`logit_scale` is stored as its log).
   * @throws {ModelLoadError} when the folder has no `model.safetensors` holding them.
   */
  async logitParams(): Promise<LogitParams> {
    const file = this.layout.safetensors;
    if (file === undefined) {
      throw new ModelLoadError(
        `${this.layout.dir}: raw logits need the learned logit_scale${this.layout.family === "siglip" ? " and logit_bias" : ""}, which ONNX exports leave out; ` +
          "put the model's model.safetensors in the folder, or use the cosine scores",
        { path: this.layout.dir },
      );
    }
    const scale = Math.exp((await readSafetensor(file, ["logit_scale"])).data[0]!);
    const bias = this.layout.family === "siglip" ? (await readSafetensor(file, ["logit_bias"])).data[0]! : 0;
    return { scale, bias };
  }

  /** Frees the sessions. */
  async close(): Promise<void> {
    await this.text.release();
    if (this.vision !== this.text) await this.vision.release();
  }
}

function rows(data: Float32Array, n: number): Float32Array[] {
  const dim = data.length / n;
  return Array.from({ length: n }, (_, i) => l2Normalize(data.slice(i * dim, (i + 1) * dim)));
}
