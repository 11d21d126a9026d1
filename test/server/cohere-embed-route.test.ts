/**
 * `POST /v2/embed` (Cohere embed v2) beyond vLLM's ported online tests: the embedding types on
 * vectors the test chooses (signs, zeros, values outside [-1, 1]), `truncate` with `max_tokens`,
 * the `input_type` prompt lookup (config.json `task_instructions`, then the sentence-transformers
 * prompts, then Cohere's own input types), `inputs` on a text model and on CLIP.
 * References: vLLM's vllm/entrypoints/pooling/embed/cohere/{serving,protocol}.py.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageTextScorer } from "../../src/local/image-text/image-text-scorer.js";
import type { EmbedOptions, EmbedResponse } from "../../src/types.js";
import { IMAGES_ROOT } from "../imaging/golden-inputs.js";
import { FakeBiEncoder, fakeEmbedding, fakeTokenize } from "./fakes.js";
import { post, start } from "./helpers.js";
import { startShared, tiny } from "./vllm-conformance/support.js";

const MODEL = "m";

/**
 * A text embedder with the model metadata the route reads, which records the texts it embedded.
 * A text `vec:<numbers>` embeds as exactly those numbers (not normalised), so the test owns the
 * vector; any other text embeds as the fake's formula.
 */
class PromptedFake extends FakeBiEncoder {
  readonly seen: string[] = [];
  readonly tokenizerConfig = {};

  constructor(
    readonly sentenceTransformersPrompts: Record<string, string> = {},
    readonly modelConfig: Record<string, unknown> = {},
  ) {
    super();
  }

  override async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.seen.push(...texts);
    const r = await super.embedWithUsage(texts, options);
    const embeddings = texts.map((t, i) => {
      const m = /vec:(\S+)/.exec(t);
      return m ? Float32Array.from((m[1] as string).split(",").map(Number)) : (r.embeddings[i] as Float32Array);
    });
    return { ...r, embeddings };
  }
}

async function serve(model = new PromptedFake()): Promise<{ embed: (body: Record<string, unknown>) => ReturnType<typeof post>; model: PromptedFake }> {
  const { url } = await start({ scorer: model, servedModelName: MODEL, idleTimeoutMs: 120_000 });
  return { embed: (body) => post(`${url}/v2/embed`, { model: MODEL, ...body }), model };
}

describe("/v2/embed embedding types on chosen vectors", () => {
  // Two bytes' worth: signs, an exact 0 (vLLM packs `value >= 0` as 1) and values beyond [-1, 1].
  const V = [2, -3, 0, -0.5, 0.25, -1, 1, 0.75, 0.5, 0.5, -2, 0, -0.25, -0.25, 3, -1];

  it("float is the vector as embedded; base64 is its little-endian float32 bytes", async () => {
    const { embed } = await serve();
    const r = await embed({ texts: [`vec:${V.join(",")}`], embedding_types: ["float", "base64"] });
    expect(r.status).toBe(200);
    expect(r.body.embeddings.float).toEqual([V]);
    const buf = Buffer.from(r.body.embeddings.base64[0], "base64");
    expect(buf.length).toBe(V.length * 4);
    expect(Array.from({ length: V.length }, (_, i) => buf.readFloatLE(i * 4))).toEqual(V);
  });

  it("binary / ubinary: sign bits MSB first, 8 per byte, binary = ubinary - 128 (vLLM's _pack_binary_embeddings)", async () => {
    const { embed } = await serve();
    const r = await embed({ texts: [`vec:${V.join(",")}`], embedding_types: ["binary", "ubinary"] });
    expect(r.status).toBe(200);
    // Bits (x >= 0): 1 0 1 0 1 0 1 1 | 1 1 0 1 0 0 1 0
    expect(r.body.embeddings.ubinary).toEqual([[0b10101011, 0b11010010]]);
    expect(r.body.embeddings.binary).toEqual([[0b10101011 - 128, 0b11010010 - 128]]);
    expect(Object.keys(r.body.embeddings).sort()).toEqual(["binary", "ubinary"]);
  });

  it("binary types refuse a dimension that is not a multiple of 8, with vLLM's message", async () => {
    const { embed } = await serve();
    for (const type of ["binary", "ubinary"]) {
      const r = await embed({ texts: ["vec:1,-1,0.5"], embedding_types: [type] });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe("Embedding dimension must be a multiple of 8 for binary embedding types, but got 3.");
    }
  });

  it("int8 scales [-1, 1] by 127 and uint8 maps it onto [0, 255], both clamping outside values", async () => {
    const { embed } = await serve();
    const r = await embed({ texts: ["vec:2,-3,0,-0.5,0.25,-1,1,0.75"], embedding_types: ["int8", "uint8"] });
    expect(r.status).toBe(200);
    // clamp(x) * 127, rounded half up: 2 -> 127, -3 -> -127, -0.5 -> -63.5 -> -63, 0.25 -> 31.75 -> 32.
    expect(r.body.embeddings.int8).toEqual([[127, -127, 0, -63, 32, -127, 127, 95]]);
    // (clamp(x) + 1) * 127.5: 0 -> 127.5 -> 128, -0.5 -> 63.75 -> 64, 0.25 -> 159.375 -> 159, 0.75 -> 223.125 -> 223.
    expect(r.body.embeddings.uint8).toEqual([[255, 0, 128, 64, 159, 0, 255, 223]]);
  });

  it("embedding_types [] means float, as vLLM's `embedding_types or [\"float\"]`", async () => {
    const { embed } = await serve();
    const r = await embed({ texts: ["vec:1,0.5"], embedding_types: [] });
    expect(r.status).toBe(200);
    expect(r.body.embeddings).toEqual({ float: [[1, 0.5]] });
  });

  it("is described in /openapi.json under the tag of the other pooling routes", async () => {
    const { url } = await start({ scorer: new PromptedFake(), idleTimeoutMs: 120_000 });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, checked field by field
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as any;
    expect(doc.paths["/v2/embed"].post.tags).toEqual(doc.paths["/v1/embeddings"].post.tags);
    expect(doc.paths["/v2/embed"].post.tags[0]).toMatch(/\w/);
  });
});

describe("/v2/embed truncate with max_tokens (vLLM's _resolve_truncation and _check_max_tokens)", () => {
  // The fake counts whitespace words plus [CLS] and [SEP]: "a b c" is 5 tokens.
  it("NONE refuses an input over max_tokens with vLLM's message, and takes one at or under it", async () => {
    const { embed, model } = await serve();
    expect(fakeTokenize("a b c").ids).toHaveLength(5);
    const over = await embed({ texts: ["x", "a b c"], truncate: "NONE", max_tokens: 4 });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toBe("Input of 5 tokens exceeds max_tokens=4 with truncate=NONE. Set truncate to END or START to allow truncation.");
    expect(model.seen).toEqual([]);
    for (const max of [5, 6]) {
      const ok = await embed({ texts: ["a b c"], truncate: "NONE", max_tokens: max });
      expect(ok.status).toBe(200);
      expect(ok.body.embeddings.float).toHaveLength(1);
    }
  });

  it("END with max_tokens truncates instead of refusing a longer input", async () => {
    const { embed } = await serve();
    // 40 words: 42 tokens, more than max_tokens (the fake's window, 32).
    const long = Array(40).fill("w").join(" ");
    const r = await embed({ texts: [long], truncate: "END", max_tokens: 32 });
    expect(r.status).toBe(200);
    expect(r.body.meta.billed_units.input_tokens).toBe(32);
  });
});

describe("/v2/embed truncate on a token-id embedder", () => {
  it("START keeps the last max_tokens tokens and END the first, as truncation_side left / right on /v1/embeddings", async () => {
    const { url } = await startShared({ scorer: await tiny("bi-encoder-mean"), servedModelName: MODEL, idleTimeoutMs: 120_000 });
    const text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
    const v2 = async (truncate: string) => (await post(`${url}/v2/embed`, { model: MODEL, texts: [text], truncate, max_tokens: 6 })).body.embeddings.float[0];
    const v1 = async (side: string) =>
      (await post(`${url}/v1/embeddings`, { model: MODEL, input: [text], truncate_prompt_tokens: 6, truncation_side: side })).body.data[0].embedding;
    const [start, end, left, right] = await Promise.all([v2("START"), v2("END"), v1("left"), v1("right")]);
    expect(left).not.toEqual(right);
    expect(start).toEqual(left);
    expect(end).toEqual(right);
  });
});

describe("/v2/embed input_type", () => {
  const hello = (prefix: string) => Array.from(fakeEmbedding(`${prefix}hello`));

  it("Cohere's input types map onto the model's sentence-transformers prompt names", async () => {
    const { embed, model } = await serve(new PromptedFake({ query: "query: ", passage: "passage: " }));
    const q = await embed({ texts: ["hello"], input_type: "search_query" });
    const d = await embed({ texts: ["hello"], input_type: "search_document" });
    const c = await embed({ texts: ["hello"], input_type: "classification" });
    expect([q.status, d.status, c.status]).toEqual([200, 200, 200]);
    // search_document stands for document, passage or corpus: this model names it passage.
    expect(model.seen).toEqual(["query: hello", "passage: hello", "hello"]);
    expect(d.body.embeddings.float[0]).toEqual(hello("passage: "));
  });

  it("a name that is only an Object property is not a prompt name (vLLM's dict membership)", async () => {
    const { embed, model } = await serve(new PromptedFake({ query: "query: ", passage: "passage: " }));
    for (const name of ["toString", "constructor", "__proto__"]) {
      const r = await embed({ texts: ["hello"], input_type: name });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(`Unsupported input_type '${name}'. Supported values: passage, query`);
      expect(r.body.error.param).toBe("input_type");
    }
    expect(model.seen).toEqual([]);
  });

  it("a model without prompts refuses an unknown input_type with vLLM's message", async () => {
    const { embed } = await serve();
    for (const name of ["nonexistent", "constructor"]) {
      const r = await embed({ texts: ["hello"], input_type: name });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(`Unsupported input_type '${name}'. This model does not define any input_type prompt prefixes.`);
      expect(r.body.error.param).toBe("input_type");
    }
  });

  it("config.json task_instructions (string values) come before the sentence-transformers prompts", async () => {
    const model = new PromptedFake({ query: "st: ", passage: "p: " }, { task_instructions: { query: "Instruct: q ", bad: 5 } });
    const { embed } = await serve(model);
    const q = await embed({ texts: ["hello"], input_type: "query" });
    expect(q.status).toBe(200);
    expect(model.seen).toEqual(["Instruct: q hello"]);
    for (const name of ["passage", "bad"]) {
      const r = await embed({ texts: ["hello"], input_type: name });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe(`Unsupported input_type '${name}'. Supported values: query`);
    }
  });

  it("task_instructions that are empty or not a dict leave the sentence-transformers prompts in use", async () => {
    for (const ti of [{}, "Instruct: ", 7]) {
      const model = new PromptedFake({ query: "st: " }, { task_instructions: ti });
      const { embed } = await serve(model);
      const r = await embed({ texts: ["hello"], input_type: "query" });
      expect(r.status, JSON.stringify(ti)).toBe(200);
      expect(model.seen).toEqual(["st: hello"]);
    }
  });
});

describe("/v2/embed inputs and texts on a text model", () => {
  it("text parts without text add nothing; texts are echoed only when non-empty", async () => {
    const { embed, model } = await serve();
    const r = await embed({ inputs: [{ content: [{ type: "text", text: "hello world" }, { type: "text" }, { type: "text", text: null }] }] });
    expect(r.status).toBe(200);
    expect(model.seen).toEqual(["hello world"]);
    expect(r.body.texts).toBeUndefined();
    expect(r.body.embeddings.float[0]).toEqual(Array.from(fakeEmbedding("hello world")));
  });

  it("an inputs item with an image part is refused: the model has no vision tower", async () => {
    const { embed, model } = await serve();
    const image = { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } };
    for (const content of [[image], [{ type: "text", text: "a car" }, image]]) {
      const r = await embed({ inputs: [{ content: [{ type: "text", text: "ok" }] }, { content }] });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/^MultiModalParam is not supported for /);
    }
    expect(model.seen).toEqual([]);
  });
});

describe("/v2/embed inputs on CLIP", () => {
  let clip: ImageTextScorer;
  let url: string;
  const png = `data:image/png;base64,${readFileSync(join(IMAGES_ROOT, "inputs", "rgb-61x47.png")).toString("base64")}`;
  const image = { type: "image_url", image_url: { url: png } };
  const embed = (body: Record<string, unknown>) => post(`${url}/v2/embed`, { model: clip.model, ...body });
  let imageVector: number[];

  beforeAll(async () => {
    clip = await ImageTextScorer.fromPretrained(join(IMAGES_ROOT, "clip", "split"), { threads: 1 });
    imageVector = Array.from((await clip.embedImages([png]))[0] as Float32Array);
  });
  beforeAll(async () => {
    ({ url } = await startShared({ scorer: clip, idleTimeoutMs: 120_000 }));
  });
  afterAll(() => clip?.close());

  it("an image part with empty or blank text parts, or a stray text field, embeds as the image", async () => {
    const contents = [
      [{ type: "text" }, image],
      [image, { type: "text", text: "" }],
      [{ type: "text", text: " \n" }, image],
      [{ ...image, text: "not a text part" }],
    ];
    const r = await embed({ inputs: contents.map((content) => ({ content })) });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.meta.billed_units.images).toBe(4);
    for (const v of r.body.embeddings.float) expect(v).toEqual(imageVector);
  });

  it("an empty texts next to inputs is not echoed (vLLM echoes texts only when there are some)", async () => {
    const r = await embed({ texts: [], inputs: [{ content: [image] }] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.embeddings.float).toEqual([imageVector]);
    expect("texts" in r.body).toBe(false);
  });

  it("refuses two images, text with an image, and an image_url without url, naming the input", async () => {
    const ok = { content: [{ type: "text", text: "a car" }] };
    const two = await embed({ inputs: [ok, { content: [image, image] }] });
    expect(two.status).toBe(400);
    expect(two.body.error).toMatchObject({ message: "Only one multi-modal item is supported", param: "inputs[1]" });
    const both = await embed({ inputs: [ok, ok, { content: [{ type: "text", text: "a car" }, image] }] });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/^\S+ embeds a text or an image, not both: put them in separate inputs\.$/);
    expect(both.body.error.param).toBe("inputs[2]");
    const nourl = await embed({ inputs: [{ content: [{ type: "image_url", image_url: { uri: png } }] }] });
    expect(nourl.status).toBe(400);
    expect(nourl.body.error).toMatchObject({ message: "An image_url part needs image_url.url", param: "inputs[0]" });
  });

  it("a refused image URL names its inputs item", async () => {
    const r = await embed({ inputs: [{ content: [{ type: "text", text: "a car" }] }, { content: [{ type: "image_url", image_url: { url: "ftp://example/x.png" } }] }] });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.error)).toContain("inputs[1]");
  });

  it("output_dimension reaches the image path: CLIP is not Matryoshka, so it is refused", async () => {
    const r = await embed({ images: [png], output_dimension: 8 });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/matryoshka/i);
  });

  it("truncate NONE with max_tokens equal to a text input's tokens embeds it", async () => {
    const first = await embed({ inputs: [{ content: [{ type: "text", text: "car" }] }] });
    const n = first.body.meta.billed_units.input_tokens as number;
    expect(n).toBeGreaterThan(0);
    const r = await embed({ inputs: [{ content: [{ type: "text", text: "car" }] }], truncate: "NONE", max_tokens: n });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.embeddings.float).toEqual(first.body.embeddings.float);
  });
});
