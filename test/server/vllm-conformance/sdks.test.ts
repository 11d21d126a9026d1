/**
 * The official clients against the real server on the tiny models: openai (embeddings in float,
 * base64 and every embed_dtype x endianness), cohere-ai v1 / v2 (rerank, v2 embed) and the AI
 * SDK's Cohere provider (`rerank()` from `ai` over `createCohere({ baseURL: "<server>/v2" })`),
 * which needs Cohere's `meta` on /v2/rerank.
 */
import { createCohere } from "@ai-sdk/cohere";
import { embedMany, rerank } from "ai";
import { CohereClient, CohereClientV2 } from "cohere-ai";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { post } from "../helpers.js";
import { decodeTensor, expectEmbeddingsClose, startShared, tiny } from "./support.js";

const QUERY = "what is the capital of france";
const DOCS = ["the capital of brazil is brasilia", "paris is the capital of france", "bananas are yellow"];
const TEXTS = ["hello world", "an apple a day keeps the doctor away"];

let rerankUrl: string;
let embedUrl: string;
let expectedOrder: number[];

beforeAll(async () => {
  const reranker = await tiny("cross-encoder");
  ({ url: rerankUrl } = await startShared({ scorer: reranker, servedModelName: "rk", apiKey: "key" }));
  ({ url: embedUrl } = await startShared({ scorer: await tiny("bi-encoder-mean"), servedModelName: "emb", apiKey: "key" }));
  const scores = await reranker.score(QUERY, DOCS);
  expectedOrder = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
});

const floats = async (): Promise<number[][]> =>
  (await post(`${embedUrl}/v1/embeddings`, { input: TEXTS }, { authorization: "Bearer key" })).body.data.map(
    (d: { embedding: number[] }) => d.embedding,
  );

describe("openai SDK embeddings", () => {
  it("float, default (base64 decoded by the SDK) and explicit base64", async () => {
    const client = new OpenAI({ baseURL: `${embedUrl}/v1`, apiKey: "key" });
    const expected = await floats();
    const float = await client.embeddings.create({ model: "emb", input: TEXTS, encoding_format: "float" });
    expect(float.data.map((d) => d.embedding)).toEqual(expected);
    expect(float.usage.prompt_tokens).toBeGreaterThan(0);
    const dflt = await client.embeddings.create({ model: "emb", input: TEXTS });
    expectEmbeddingsClose(dflt.data.map((d) => d.embedding), expected, 1e-6);
    const b64 = await client.embeddings.create({ model: "emb", input: TEXTS, encoding_format: "base64" });
    const decoded = b64.data.map((d) => decodeTensor(Buffer.from(d.embedding as unknown as string, "base64"), "float32", "little"));
    expectEmbeddingsClose(decoded, expected, 1e-6);
  });

  it("every embed_dtype x endianness through the SDK's extra body", async () => {
    const client = new OpenAI({ baseURL: `${embedUrl}/v1`, apiKey: "key" });
    const expected = await floats();
    for (const embed_dtype of ["float32", "float16", "bfloat16", "fp8_e4m3", "fp8_e5m2"]) {
      for (const endianness of ["native", "big", "little"]) {
        const r = await client.embeddings.create({
          model: "emb",
          input: TEXTS,
          encoding_format: "base64",
          // vLLM's extras ride along as extra body fields, as with the Python SDK's extra_body.
          ...({ embed_dtype, endianness } as object),
        });
        const decoded = r.data.map((d) => decodeTensor(Buffer.from(d.embedding as unknown as string, "base64"), embed_dtype, endianness));
        expectEmbeddingsClose(decoded, expected, embed_dtype.startsWith("fp8") ? 5e-2 : 1e-2);
      }
    }
  });

  it("a bad embed_dtype surfaces as BadRequestError", async () => {
    const client = new OpenAI({ baseURL: `${embedUrl}/v1`, apiKey: "key", maxRetries: 0 });
    await expect(
      client.embeddings.create({ model: "emb", input: "x", encoding_format: "base64", ...({ embed_dtype: "int4" } as object) }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("cohere-ai SDK", () => {
  it("v1 rerank (Cohere v1 shape with meta)", async () => {
    const cohere = new CohereClient({ environment: rerankUrl, token: "key" });
    const r = await cohere.rerank({ model: "rk", query: QUERY, documents: DOCS, topN: 2 });
    expect(r.results.map((x) => x.index)).toEqual(expectedOrder.slice(0, 2));
    expect(r.meta?.apiVersion?.version).toBe("1");
    expect(r.meta?.billedUnits?.searchUnits).toBe(1);
  });

  it("v2 rerank", async () => {
    const cohere = new CohereClientV2({ environment: rerankUrl, token: "key" });
    const r = await cohere.rerank({ model: "rk", query: QUERY, documents: DOCS });
    expect(r.results.map((x) => x.index)).toEqual(expectedOrder);
    expect(r.meta?.apiVersion?.version).toBe("2");
  });

  it("v2 embed: float, int8, uint8, binary, ubinary and base64", async () => {
    const cohere = new CohereClientV2({ environment: embedUrl, token: "key" });
    const r = await cohere.embed({
      model: "emb",
      texts: TEXTS,
      inputType: "search_document",
      embeddingTypes: ["float", "int8", "uint8", "binary", "ubinary", "base64"],
    });
    // search_document maps onto the model's "document" prompt ("passage: ").
    const [withPrompt] = (
      await post(`${embedUrl}/v1/embeddings`, { input: [`passage: ${TEXTS[0]}`] }, { authorization: "Bearer key" })
    ).body.data.map((d: { embedding: number[] }) => d.embedding);
    expectEmbeddingsClose([r.embeddings.float![0]!], [withPrompt], 1e-6);
    const dim = r.embeddings.float![0]!.length;
    expect(r.embeddings.int8![0]).toHaveLength(dim);
    expect(r.embeddings.uint8![0]).toHaveLength(dim);
    expect(r.embeddings.binary![0]).toHaveLength(dim / 8);
    expect(r.embeddings.ubinary![0]).toHaveLength(dim / 8);
    expect(r.embeddings.base64).toHaveLength(2);
    expect(r.meta?.billedUnits?.inputTokens).toBeGreaterThan(0);
  });
});

describe("AI SDK (ai + @ai-sdk/cohere)", () => {
  it("rerank() over createCohere({ baseURL: <server>/v2 })", async () => {
    const cohere = createCohere({ baseURL: `${rerankUrl}/v2`, apiKey: "key" });
    const { ranking } = await rerank({ model: cohere.reranking("rk"), query: QUERY, documents: DOCS, topN: 2 });
    expect(ranking.map((r) => r.originalIndex)).toEqual(expectedOrder.slice(0, 2));
  });

  it("embedMany() over the same provider reads meta.billed_units.input_tokens from /v2/embed", async () => {
    const cohere = createCohere({ baseURL: `${embedUrl}/v2`, apiKey: "key" });
    const { embeddings, usage } = await embedMany({ model: cohere.embedding("emb"), values: TEXTS });
    expect(embeddings).toHaveLength(2);
    expect(usage.tokens).toBeGreaterThan(0);
  });
});
