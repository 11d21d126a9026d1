/**
 * TEI's `/embed_sparse` and the tokenizer routes (`/tokenize`, `/detokenize`, `/tokenizer_info`) on
 * test doubles: the request checks with the field they name, what reaches the tokenizer, and each
 * route's OpenAPI entry.
 */
import { describe, expect, it } from "vitest";
import type { SparseEmbedOptions, SparseEmbedResponse, SparseVector } from "../../src/contracts/sparse-embedder.js";
import { RecordingClassifier } from "./fake-classifier.js";
import { FakeScorer, fakeTokenize } from "./fakes.js";
import { post, start } from "./helpers.js";

/** A sparse model over a 50-id vocabulary: each word's fake id mod 50, weight 1. Logs each call's options. */
class SparseModel extends FakeScorer {
  readonly vocabularySize = 50;
  readonly sparseCalls: Array<{ texts: string[]; truncate: boolean | undefined }> = [];
  async embedSparse(texts: string[], options: SparseEmbedOptions = {}): Promise<SparseVector[]> {
    return (await this.embedSparseWithUsage(texts, options)).vectors;
  }
  async embedSparseWithUsage(texts: string[], options: SparseEmbedOptions = {}): Promise<SparseEmbedResponse> {
    this.sparseCalls.push({ texts, truncate: options.truncate });
    const vectors = texts.map((t) => {
      const indices = [...new Set(fakeTokenize(t, false).ids.map((id) => id % 50))].sort((a, b) => a - b);
      return { indices: Uint32Array.from(indices), values: new Float32Array(indices.length).fill(1) };
    });
    return { vectors, usage: { promptTokens: texts.length, totalTokens: texts.length } };
  }
  decode(vector: SparseVector): Array<[string, number]> {
    return Array.from(vector.indices, (i, k) => [String(i), vector.values[k] as number]);
  }
}

/** A tokenizer that decodes: id 1 is the special "[CLS]", any other id n is "w<n>"; specials are skipped unless told not to. */
class DecodingScorer extends FakeScorer {
  readonly decodeOptions: Array<{ skipSpecialTokens?: boolean } | undefined> = [];
  detokenize(ids: number[], options?: { skipSpecialTokens?: boolean }): string {
    this.decodeOptions.push(options);
    const skip = options?.skipSpecialTokens !== false;
    return ids.filter((id) => !(skip && id === 1)).map((id) => (id === 1 ? "[CLS]" : `w${id}`)).join(" ");
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, read field by field
const openapi = async (url: string): Promise<any> => (await fetch(`${url}/openapi.json`)).json();

describe("TEI's /embed_sparse", () => {
  it("answers a sparse vector per input, truncating only when asked", async () => {
    const scorer = new SparseModel();
    const { url } = await start({ scorer });
    const r = await post(`${url}/embed_sparse`, { inputs: ["alpha", "beta gamma"], truncation_direction: "Right" });
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(2);
    expect(r.body[0]).toEqual([{ index: (fakeTokenize("alpha", false).ids[0] as number) % 50, value: 1 }]);
    expect((await post(`${url}/embed_sparse`, { inputs: "alpha", truncate: true, prompt_name: null })).status).toBe(200);
    expect(scorer.sparseCalls.map((c) => c.truncate)).toEqual([false, true]);
  });

  it("refuses prompt_name, left truncation, empty and too many inputs, naming the field", async () => {
    const { url } = await start({ scorer: new SparseModel(), maxDocuments: 2 });
    const named = await post(`${url}/embed_sparse`, { inputs: "a", prompt_name: "query" });
    expect(named.status).toBe(400);
    expect(named.body.error).toMatchObject({ type: "BadRequestError", param: "prompt_name", message: "`prompt_name` is not supported: texts are embedded as given." });
    const left = await post(`${url}/embed_sparse`, { inputs: "a", truncation_direction: "Left" });
    expect(left.status).toBe(400);
    expect(left.body.error).toMatchObject({
      param: "truncation_direction",
      message: "`truncation_direction` left is not supported; this server truncates on the right.",
    });
    const empty = await post(`${url}/embed_sparse`, { inputs: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ param: "inputs", message: "`inputs` cannot be empty." });
    const many = await post(`${url}/embed_sparse`, { inputs: ["a", "b", "c"] });
    expect(many.status).toBe(400);
    expect(many.body.error.param).toBe("inputs");
  });

  it("is described in /openapi.json under the pooling routes' tag, with its summary and 200 answer", async () => {
    const { url } = await start({ scorer: new SparseModel() });
    const doc = await openapi(url);
    const op = doc.paths["/embed_sparse"].post;
    expect(op.tags).toHaveLength(1);
    expect(op.tags).toEqual(doc.paths["/pooling"].post.tags);
    expect(op.tags[0]).toMatch(/\w/);
    expect(op.summary).toMatch(/sparse/i);
    expect(op.responses["200"].description).toMatch(/\w/);
    expect(op.responses["200"].content["application/json"].schema).toBeDefined();
  });
});

describe("the tokenizer routes", () => {
  it("/tokenize renders chat with the generation prompt by default, as vLLM's TokenizeChatRequest", async () => {
    const template = "{{ messages[0].content }}{% if add_generation_prompt %} assistant{% endif %}";
    const { url } = await start({ scorer: new FakeScorer(), chatTemplate: template });
    const r = await post(`${url}/tokenize`, { messages: [{ role: "user", content: "hi" }] });
    expect(r.status).toBe(200);
    // "hi assistant", without special tokens.
    expect(r.body.count).toBe(2);
  });

  it("/detokenize keeps special tokens, as vLLM's (Hugging Face decode's default)", async () => {
    const scorer = new DecodingScorer();
    const { url } = await start({ scorer });
    const r = await post(`${url}/detokenize`, { tokens: [1, 7, 8] });
    expect(r.status).toBe(200);
    expect(r.body.prompt).toBe("[CLS] w7 w8");
  });

  it("/tokenizer_info answers the tokenizer config without added_tokens_decoder, its class and the limit", async () => {
    const config = { tokenizer_class: "BertTokenizer", do_lower_case: true, added_tokens_decoder: { "0": { content: "[PAD]" } } };
    const { url } = await start({ scorer: new RecordingClassifier(config), tokenizerInfo: true });
    const res = await fetch(`${url}/tokenizer_info`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tokenizer_class: "BertTokenizer", do_lower_case: true, model_max_length: 64 });
    const { url: classless } = await start({ scorer: new RecordingClassifier({}), tokenizerInfo: true });
    expect(await (await fetch(`${classless}/tokenizer_info`)).json()).toEqual({ tokenizer_class: null, model_max_length: 64 });
  });

  it("are described in /openapi.json under one tokenizer tag, with summaries and 200 answers", async () => {
    const { url } = await start({ scorer: new RecordingClassifier(), tokenizerInfo: true });
    const doc = await openapi(url);
    const tokenize = doc.paths["/tokenize"].post;
    const info = doc.paths["/tokenizer_info"].get;
    expect(tokenize.tags).toHaveLength(1);
    expect(tokenize.tags[0]).toMatch(/\w/);
    expect(info.tags).toEqual(tokenize.tags);
    expect(tokenize.summary).toMatch(/tokeni[sz]e/i);
    expect(info.summary).toMatch(/tokenizer/i);
    expect(info.responses["200"].description).toMatch(/\w/);
    expect(info.responses["200"].content["application/json"].schema).toBeDefined();
  });
});
