/**
 * Ported from vLLM's tests/entrypoints/pooling/embed/test_cohere_online.py (@fabbf675) on the tiny
 * generated bi-encoder. test_semantic_similarity compares a real model's notion of relatedness;
 * it becomes: /v2/embed vectors have the same cosines as the server's /v1/embeddings vectors.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { post } from "../helpers.js";
import { cosine, startShared, tiny } from "./support.js";

const MODEL = "tiny-e5";
let url: string;

beforeAll(async () => {
  ({ url } = await startShared({ scorer: await tiny("bi-encoder-mean"), servedModelName: MODEL }));
});

const embed = async (body: Record<string, unknown>) => post(`${url}/v2/embed`, { model: MODEL, ...body });
const openai = async (texts: string[]): Promise<number[][]> =>
  (await post(`${url}/v1/embeddings`, { model: MODEL, input: texts, encoding_format: "float" })).body.data.map((d: { embedding: number[] }) => d.embedding);

describe("tests/entrypoints/pooling/embed/test_cohere_online.py", () => {
  it("test_basic_embed", async () => {
    const r = await embed({ texts: ["hello world"], embedding_types: ["float"] });
    expect(r.body.embeddings.float).toHaveLength(1);
    expect(r.body.embeddings.float[0].length).toBeGreaterThan(0);
  });

  it("test_unsupported_input_type_rejected", async () => {
    const r = await embed({ input_type: "nonexistent_type", texts: ["hello world"], embedding_types: ["float"] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("Unsupported input_type 'nonexistent_type'. Supported values: document, query");
  });

  it("test_omitted_input_type_accepted", async () => {
    const r = await embed({ texts: ["hello world"], embedding_types: ["float"] });
    expect(r.status).toBe(200);
    expect(r.body.embeddings.float).toHaveLength(1);
  });

  it("input_type selects the model's sentence-transformers prompt", async () => {
    const r = await embed({ input_type: "query", texts: ["hello world"] });
    const [expected] = await openai(["query: hello world"]);
    expect(cosine(r.body.embeddings.float[0], expected!)).toBeGreaterThan(0.999999);
  });

  it("test_v1_v2_parity", async () => {
    const v2 = await embed({ texts: ["hello world"], embedding_types: ["float"] });
    const [v1] = await openai(["hello world"]);
    expect(cosine(v2.body.embeddings.float[0], v1!)).toBeGreaterThan(0.9999);
  });

  it("test_embedding_types: binary and ubinary pack 8 dimensions per byte", async () => {
    const r = await embed({ texts: ["test"], embedding_types: ["float", "binary", "ubinary", "int8", "uint8"] });
    const float: number[] = r.body.embeddings.float[0];
    const dim = float.length;
    expect(r.body.embeddings.binary[0]).toHaveLength(dim / 8);
    expect(r.body.embeddings.ubinary[0]).toHaveLength(dim / 8);
    // Sign bits MSB first; binary is ubinary - 128 (vLLM's _pack_binary_embeddings).
    const bits: number[] = float.map((v) => (v >= 0 ? 1 : 0));
    const ubinary = Array.from({ length: dim / 8 }, (_, k) => bits.slice(k * 8, k * 8 + 8).reduce((b, bit, j) => b + (bit << (7 - j)), 0));
    expect(r.body.embeddings.ubinary[0]).toEqual(ubinary);
    expect(r.body.embeddings.binary[0]).toEqual(ubinary.map((b) => b - 128));
    expect(r.body.embeddings.int8[0]).toEqual(float.map((v) => Math.round(v * 127)));
    r.body.embeddings.uint8[0].forEach((u: number) => expect(u >= 0 && u <= 255).toBe(true));
  });

  it("test_response_structure", async () => {
    const r = await embed({ texts: ["test"], embedding_types: ["float"] });
    expect(r.body.id).toMatch(/^embd-/);
    expect(r.body.texts).toEqual(["test"]);
    expect(r.body.meta.api_version.version).toBe("2");
    expect(r.body.meta.billed_units.input_tokens).toBeGreaterThan(0);
    expect(r.body.meta.billed_units.image_tokens).toBe(0);
    expect(Object.keys(r.body.embeddings)).toEqual(["float"]);
  });

  it("test_batch", async () => {
    const r = await embed({ texts: ["apple", "banana", "cherry"], embedding_types: ["float"] });
    expect(r.body.embeddings.float).toHaveLength(3);
    const dim = r.body.embeddings.float[0].length;
    for (const e of r.body.embeddings.float) expect(e).toHaveLength(dim);
  });

  it("test_l2_normalized", async () => {
    const r = await embed({ texts: ["hello world"], embedding_types: ["float"] });
    expect(Math.abs(Math.hypot(...r.body.embeddings.float[0]) - 1)).toBeLessThan(0.01);
  });

  it("test_semantic_similarity -> same cosines as /v1/embeddings", async () => {
    const texts = ["machine learning", "deep learning", "chocolate cake recipe"];
    const v2: number[][] = (await embed({ texts, embedding_types: ["float"] })).body.embeddings.float;
    const v1 = await openai(texts);
    expect(cosine(v2[0]!, v2[1]!)).toBeCloseTo(cosine(v1[0]!, v1[1]!), 6);
    expect(cosine(v2[0]!, v2[2]!)).toBeCloseTo(cosine(v1[0]!, v1[2]!), 6);
  });

  it("test_missing_input_returns_error", async () => {
    const r = await embed({});
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("One of texts, images, or inputs must be provided");
  });

  it("test_base64_embedding_type: little-endian float32", async () => {
    const r = await embed({ texts: ["test encoding"], embedding_types: ["float", "base64"] });
    const buf = Buffer.from(r.body.embeddings.base64[0], "base64");
    const decoded = Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
    r.body.embeddings.float[0].forEach((v: number, i: number) => expect(decoded[i]).toBeCloseTo(v, 6));
  });

  const LONG = Array(2000).fill("word").join(" ");

  it("test_truncate_end_succeeds", async () => {
    const r = await embed({ texts: [LONG], embedding_types: ["float"], truncate: "END" });
    expect(r.status).toBe(200);
    expect(r.body.embeddings.float).toHaveLength(1);
  });

  it("test_truncate_start_succeeds", async () => {
    const r = await embed({ texts: [LONG], embedding_types: ["float"], truncate: "START" });
    expect(r.status).toBe(200);
  });

  it("test_truncate_none_rejects_long_input", async () => {
    expect((await embed({ texts: [LONG], embedding_types: ["float"], truncate: "NONE" })).status).toBe(400);
  });

  it("test_truncate_start_vs_end_differ", async () => {
    const text = [...Array.from({ length: 300 }, (_, i) => `alpha${i}`), ...Array.from({ length: 300 }, (_, i) => `omega${i}`)].join(" ");
    const end = (await embed({ texts: [text], truncate: "END" })).body.embeddings.float[0];
    const start = (await embed({ texts: [text], truncate: "START" })).body.embeddings.float[0];
    expect(cosine(end, start)).toBeLessThan(0.99);
  });

  it("inputs with text parts equal texts; images on a text model are a 400", async () => {
    const a = await embed({ inputs: [{ content: [{ type: "text", text: "hello world" }] }] });
    const b = await embed({ texts: ["hello world"] });
    expect(a.body.embeddings.float).toEqual(b.body.embeddings.float);
    const img = await embed({ images: ["data:image/png;base64,AAAA"] });
    expect(img.status).toBe(400);
    expect(img.body.error.message).toBe("MultiModalParam is not supported for BertModel");
  });
});
