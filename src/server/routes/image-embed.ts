import type { Context } from "hono";
import { has } from "../../contracts/capabilities.js";
import type { Embedder } from "../../contracts/embedder.js";
import type { ImageEmbedder, ImageInput } from "../../contracts/image-embedder.js";
import { checkCount, primaryModel, withAdmission, withSlot, type ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import type { PooledOutput } from "./embed-output.js";
import { checkDimensions } from "./prompts.js";
import { renderChat, type ChatFields } from "./chat.js";

/** One input of a multimodal embedding request: a text, or an image URL (`field` names it in errors). */
export type EmbedItem = { kind: "text"; text: string } | { kind: "image"; url: string; field: string };

/** Vectors of a multimodal embedding request, with the tokens of its texts (images count none). */
export interface MixedOutcome {
  outputs: PooledOutput[];
  promptTokens: number;
  /** How many images were embedded (Cohere bills images by count). */
  images: number;
  /**
   * Positions the vision tower encoded for those images (Cohere's `image_tokens`), or undefined
   * when the embedder cannot tell (then the field is left out rather than reported as 0).
   */
  imageTokens: number | undefined;
}

/** The served embedder when it embeds images too (CLIP, SigLIP), else `undefined`. */
export function imageTextEmbedder(ctx: ServerContext): (Embedder & ImageEmbedder) | undefined {
  const embedder = ctx.options.embedder;
  return embedder && has(embedder, "imageEmbed") && ctx.media ? (embedder as Embedder & ImageEmbedder) : undefined;
}

type Part = { type?: unknown; text?: unknown; image_url?: { url?: unknown } };

/**
 * One chat conversation of `/v1/embeddings` as vLLM's CLIP / SigLIP embedding takes it: either one
 * `image_url` part (an image vector) or text (a text vector; rendered with the chat template when
 * there is one, else the text parts joined by newlines). Both in one conversation is a 400: these
 * bi-encoders embed a text or an image, never the two together.
 * @throws {HttpError} 400 naming the problem.
 */
export function chatItem(ctx: ServerContext, body: ChatFields): EmbedItem {
  const parts: Part[] = [];
  const texts: string[] = [];
  for (const m of body.messages ?? []) {
    const content = (m as { content?: unknown }).content;
    if (typeof content === "string") texts.push(content);
    else if (Array.isArray(content)) parts.push(...(content as Part[]));
  }
  for (const p of parts) if (p.type === "text" && typeof p.text === "string") texts.push(p.text);
  const images = parts.filter((p) => p.type === "image_url");
  const others = parts.filter((p) => p.type !== "image_url" && p.type !== "text");
  if (others.length > 0) throw badRequest(`Content part type ${JSON.stringify(others[0]?.type)} is not supported for ${ctx.options.architecture}; use text or image_url parts.`, "messages");
  if (images.length > 1) throw badRequest("Only one multi-modal item is supported", "messages");
  const image = images[0];
  if (image) {
    if (texts.some((t) => t.trim() !== "")) {
      throw badRequest(`${ctx.options.architecture} embeds a text or an image, not both: send the image and the text as separate requests (or inputs).`, "messages");
    }
    const url = image.image_url?.url;
    if (typeof url !== "string") throw badRequest("An image_url part needs image_url.url", "messages");
    return { kind: "image", url, field: "messages" };
  }
  const template = body.chat_template ?? ctx.options.chatTemplate ?? ctx.options.tokenizerConfig["chat_template"];
  return { kind: "text", text: typeof template === "string" ? renderChat(ctx, body, false) : texts.join("\n") };
}

/**
 * Embeds texts and images of one request with an image-text model, in input order: image URLs
 * pass the server's media policy first (a `data:` URL is decoded as is, anything else loaded
 * under the policy), so the model only ever reads inline bytes.
 * @throws {HttpError} 400 for `dimensions` (not Matryoshka) or `use_activation: false` (the
 *   vectors are always normalised), 400 / 422 from the media policy.
 */
export async function embedMixed(
  ctx: ServerContext,
  c: Context,
  items: EmbedItem[],
  fields: { dimensions?: number | null | undefined; use_activation?: boolean | null | undefined },
): Promise<MixedOutcome> {
  const embedder = imageTextEmbedder(ctx);
  const media = ctx.media;
  if (!embedder || !media) throw badRequest(`MultiModalParam is not supported for ${ctx.options.architecture}`);
  checkCount(ctx, items.length, "input");
  checkDimensions(ctx, fields.dimensions, primaryModel(ctx));
  if (fields.use_activation === false) throw badRequest("use_activation: false is not supported for this model: its text and image vectors are always L2-normalised.", "use_activation");
  const texts = items.flatMap((it) => (it.kind === "text" ? [it.text] : []));
  const imageItems = items.flatMap((it) => (it.kind === "image" ? [it] : []));
  const result = await withAdmission(ctx, c, async (signal) => {
    const images: ImageInput[] = [];
    for (const it of imageItems) images.push((await media.load(it.url, it.field, signal)) ?? { image: it.url });
    return withSlot(ctx, async () => {
      const text = texts.length > 0 ? await embedder.embedWithUsage(texts, { prompt: false, signal }) : undefined;
      const vectors = images.length > 0 ? await embedder.embedImages(images, { signal }) : [];
      return { text, vectors };
    });
  });
  let t = 0;
  let i = 0;
  const outputs = items.map((it) => {
    const data = it.kind === "text" ? (result.text?.embeddings[t++] as Float32Array) : (result.vectors[i++] as Float32Array);
    return { data, shape: [data.length] };
  });
  const perImage = has(embedder, "imageTokens") ? embedder.tokensPerImage : undefined;
  return {
    outputs,
    promptTokens: result.text?.usage.promptTokens ?? 0,
    images: imageItems.length,
    imageTokens: imageItems.length === 0 ? 0 : perImage === undefined ? undefined : perImage * imageItems.length,
  };
}
