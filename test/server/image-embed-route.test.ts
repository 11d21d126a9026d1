/**
 * `/v1/embeddings` chat `messages` on an image-text embedder (vLLM's CLIP / SigLIP multimodal
 * embeddings), seen through a recording fake: which conversations become one image or one text,
 * what reaches `embedImages` / `embedWithUsage` (and with which options), and the refusals with
 * their message and `param`. The real CLIP / SigLIP vectors are checked in image-embed-serve.
 */
import { describe, expect, it } from "vitest";
import type { EmbedImagesOptions, ImageInput } from "../../src/contracts/image-embedder.js";
import type { EmbedOptions, EmbedResponse } from "../../src/types.js";
import { FakeBiEncoder } from "./fakes.js";
import { post, start } from "./helpers.js";

/** The vector every image gets: unlike any text vector of the fake (its first entry, text length, is > 0). */
const IMAGE_VECTOR = [0, 0, 1];
const DATA_URL = "data:image/png;base64,iVBORw0KGgo=";

/** A CLIP-like fake: the fake bi-encoder's text vectors, IMAGE_VECTOR per image, and a log of both calls. */
class RecordingImageText extends FakeBiEncoder {
  readonly textCalls: Array<{ texts: string[]; options: EmbedOptions }> = [];
  readonly imageCalls: Array<{ images: ImageInput[]; options: EmbedImagesOptions | undefined }> = [];
  readonly modelConfig = { architectures: ["CLIPModel"] };
  readonly sentenceTransformersPrompts = {};

  constructor(readonly tokenizerConfig: Record<string, unknown> = {}) {
    super();
  }

  override async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.textCalls.push({ texts: [...texts], options: { ...options } });
    return super.embedWithUsage(texts, options);
  }

  async embedImages(images: ImageInput[], options?: EmbedImagesOptions): Promise<Float32Array[]> {
    this.imageCalls.push({ images: [...images], options: options && { ...options } });
    return images.map(() => Float32Array.from(IMAGE_VECTOR));
  }
}

/** Tiny test-owned template: each message's content in brackets, then `<gen>` when asked for a generation prompt. */
const TEMPLATE = "{% for m in messages %}[{{ m.content }}]{% endfor %}{% if add_generation_prompt %}<gen>{% endif %}";

async function serve(tokenizerConfig: Record<string, unknown> = {}) {
  const model = new RecordingImageText(tokenizerConfig);
  const { url } = await start({ scorer: model, idleTimeoutMs: 120_000 });
  return { model, embed: (body: Record<string, unknown>) => post(`${url}/v1/embeddings`, body), url };
}

const user = (content: unknown) => ({ role: "user", content });
const imagePart = (url: unknown = DATA_URL) => ({ type: "image_url", image_url: { url } });

describe("/v1/embeddings messages on an image-text embedder", () => {
  it("an image conversation reaches embedImages alone, with the request's signal", async () => {
    const { model, embed } = await serve();
    const r = await embed({ messages: [user([imagePart()])] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.data[0].embedding).toEqual(IMAGE_VECTOR);
    expect(r.body.usage.prompt_tokens).toBe(0);
    // A data: URL is decoded by the model as is (the media policy passes it through).
    expect(model.imageCalls).toHaveLength(1);
    expect(model.imageCalls[0]?.images).toEqual([{ image: DATA_URL }]);
    expect(model.imageCalls[0]?.options?.signal).toBeInstanceOf(AbortSignal);
    // No text in the request: the text tower is not called at all.
    expect(model.textCalls).toEqual([]);
  });

  it("a text conversation reaches embedWithUsage alone, without the model's prompts, with the signal", async () => {
    const { model, embed } = await serve();
    const r = await embed({ messages: [user("red car")] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(model.imageCalls).toEqual([]);
    expect(model.textCalls).toHaveLength(1);
    expect(model.textCalls[0]?.texts).toEqual(["red car"]);
    // The conversation is the whole text: no sentence-transformers prompt is put in front of it.
    expect(model.textCalls[0]?.options.prompt).toBe(false);
    expect(model.textCalls[0]?.options.signal).toBeInstanceOf(AbortSignal);
    expect(r.body.data[0].embedding).not.toEqual(IMAGE_VECTOR);
  });

  it("without a chat template the text parts and string contents are joined by newlines; null content adds nothing", async () => {
    const { model, embed } = await serve();
    const r = await embed({
      messages: [
        { role: "system", content: "be brief" },
        // An assistant turn may carry no content (OpenAI's schema allows null).
        { role: "assistant", content: null },
        user([{ type: "text", text: "red car" }, { type: "text", text: "blue sky" }]),
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(model.textCalls[0]?.texts).toEqual(["be brief\nred car\nblue sky"]);
  });

  it("the tokenizer_config.json chat template renders the conversation, without a generation prompt (vLLM's default)", async () => {
    // vLLM's pooling ChatRequestMixin: add_generation_prompt defaults to False.
    const { model, embed } = await serve({ chat_template: TEMPLATE });
    const r = await embed({ messages: [user("red car"), user([{ type: "text", text: "blue sky" }])] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(model.textCalls[0]?.texts).toEqual(["[red car][blue sky]"]);
  });

  it("an image with empty or blank text parts, or a stray text field on the image part, is still one image", async () => {
    const { model, embed } = await serve();
    const withBlank = await embed({ messages: [user(""), user([{ type: "text", text: " \n" }, imagePart()])] });
    expect(withBlank.status, JSON.stringify(withBlank.body)).toBe(200);
    expect(withBlank.body.data[0].embedding).toEqual(IMAGE_VECTOR);
    const stray = await embed({ messages: [user([{ ...imagePart(), text: "stray caption" }])] });
    expect(stray.status, JSON.stringify(stray.body)).toBe(200);
    expect(stray.body.data[0].embedding).toEqual(IMAGE_VECTOR);
    expect(model.imageCalls).toHaveLength(2);
    expect(model.textCalls).toEqual([]);
  });

  it("a part that is neither text nor image_url is a 400 naming its type and the architecture", async () => {
    const { model, embed } = await serve();
    const r = await embed({ messages: [user([{ type: "text", text: "red car" }, { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }])] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('"input_audio"');
    expect(r.body.error.message).toContain("CLIPModel");
    expect(r.body.error.param).toBe("messages");
    expect(model.textCalls).toEqual([]);
  });

  it("an image_url part without a url string is a 400 on messages", async () => {
    const { model, embed } = await serve();
    for (const part of [{ type: "image_url" }, imagePart(42)]) {
      const r = await embed({ messages: [user([part])] });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain("image_url.url");
      expect(r.body.error.param).toBe("messages");
    }
    expect(model.imageCalls).toEqual([]);
  });

  it("two images, or an image with text, are a 400 on messages", async () => {
    const { embed } = await serve();
    const two = await embed({ messages: [user([imagePart(), imagePart()])] });
    expect(two.status).toBe(400);
    expect(two.body.error.param).toBe("messages");
    const both = await embed({ messages: [user([imagePart(), { type: "text", text: "a car" }])] });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain("CLIPModel");
    expect(both.body.error.param).toBe("messages");
  });

  it("an image URL the media policy refuses is reported against the messages field", async () => {
    const { model, embed } = await serve();
    const r = await embed({ messages: [user([imagePart("ftp://example.com/a.png")])] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^messages: /);
    expect(model.imageCalls).toEqual([]);
  });

  it("use_activation false is a 400 (the vectors are always normalised); true is accepted", async () => {
    const { model, embed } = await serve();
    const off = await embed({ messages: [user("red car")], use_activation: false });
    expect(off.status).toBe(400);
    expect(off.body.error.param).toBe("use_activation");
    expect(off.body.error.message).toMatch(/normalised/);
    expect(model.textCalls).toEqual([]);
    const on = await embed({ messages: [user("red car")], use_activation: true });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
  });
});

describe("which embedder takes chat messages as images", () => {
  const expectTextPath = (r: { status: number; body: { error: { message: string; param: string } } }) => {
    // The text-only path: a text embedder cannot take a rendered conversation (no token ids).
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("needs an embedder that takes token ids");
    expect(r.body.error.param).toBe("messages");
  };

  it("an image-text scorer with a separate text-only embedder: messages go the text embedder's way", async () => {
    const scorer = new RecordingImageText({ chat_template: TEMPLATE });
    const { url } = await start({ scorer, embedder: new FakeBiEncoder(), idleTimeoutMs: 120_000 });
    expectTextPath(await post(`${url}/v1/embeddings`, { messages: [user("red car")] }));
    expect(scorer.textCalls).toEqual([]);
  });

  it("a text-only embedder (no image tower, no media policy): messages go the text way", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder(), chatTemplate: TEMPLATE, idleTimeoutMs: 120_000 });
    expectTextPath(await post(`${url}/v1/embeddings`, { messages: [user("red car")] }));
  });
});

describe("/v2/embed billing on an image-text embedder that cannot count image positions", () => {
  it("text-only inputs bill 0 image tokens (there are no images to count)", async () => {
    const { model, url } = await serve();
    const r = await post(`${url}/v2/embed`, { model: model.model, inputs: [{ content: [{ type: "text", text: "red car" }] }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.meta.billed_units.image_tokens).toBe(0);
  });

  it("more items than maxDocuments is a 400 naming the count", async () => {
    const model = new RecordingImageText();
    const { url } = await start({ scorer: model, maxDocuments: 1, idleTimeoutMs: 120_000 });
    const r = await post(`${url}/v2/embed`, { model: model.model, images: [DATA_URL, DATA_URL], input_type: "image" });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/^Too many \w+: 2 given/);
    expect(model.imageCalls).toEqual([]);
  });
});
