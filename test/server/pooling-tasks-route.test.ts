/**
 * `/pooling` on test doubles: the task checks with vLLM's messages (`ServingPooling`, and
 * `test_pooling_not_supported` of tests/entrypoints/pooling), the classify and token_classify
 * answers, the answer per encoding_format, and the route's OpenAPI entry.
 */
import { describe, expect, it } from "vitest";
import type { TokenWeights } from "../../src/contracts/sparse-embedder.js";
import { FAKE_LABELS, RecordingClassifier, fakeClassLogits, softmax } from "./fake-classifier.js";
import { FakeBiEncoder, FakeScorer, FakeTokenEmbedder, fakeTokenize } from "./fakes.js";
import { post, start } from "./helpers.js";

/** bge-m3-like lexical weights: one weight per word (the specials left out), and a log of options. */
class TokenWeightModel extends FakeScorer {
  readonly weightCalls: Array<{ texts: string[]; truncate: boolean | undefined }> = [];
  async embedTokenWeights(texts: string[], options: { truncate?: boolean } = {}): Promise<TokenWeights[]> {
    this.weightCalls.push({ texts, truncate: options.truncate });
    return texts.map((t) => {
      const { ids } = fakeTokenize(t, false);
      return { ids: Uint32Array.from(ids), weights: Float32Array.from(ids, (_, k) => (k + 1) / 4) };
    });
  }
}

const pooling = (url: string, body: Record<string, unknown>) => post(`${url}/pooling`, body);

describe("the /pooling task check", () => {
  it("names the supported tasks as a Python tuple, as vLLM's 'Unsupported task' message does", async () => {
    // One task: Python's one-tuple keeps its trailing comma.
    const { url: one } = await start({ scorer: new FakeBiEncoder() });
    const r1 = await pooling(one, { input: "a", task: "classify" });
    expect(r1.status).toBe(400);
    expect(r1.body.error).toMatchObject({ type: "BadRequestError", param: "task", message: "Unsupported task: 'classify' Supported tasks: ('embed',)" });
    // Two tasks: a classifier lists token_classify too (vLLM's sequence-classification models).
    const { url: two } = await start({ scorer: new RecordingClassifier() });
    const r2 = await pooling(two, { input: "a", task: "token_embed" });
    expect(r2.status).toBe(400);
    expect(r2.body.error).toMatchObject({ param: "task", message: "Unsupported task: 'token_embed' Supported tasks: ('classify', 'token_classify')" });
  });

  it("answers vLLM's plugin message for task plugin", async () => {
    const { url } = await start({ scorer: new FakeBiEncoder() });
    const r = await pooling(url, { input: "a", task: "plugin" });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      type: "BadRequestError",
      param: "task",
      message:
        "No IOProcessor plugin installed. Please refer to the documentation and to the " +
        "'prithvi_geospatial_mae_io_processor' offline inference example for more details.",
    });
  });

  it("names the task param for a removed task and for one the model has but does not serve", async () => {
    const { url } = await start({ scorer: new RecordingClassifier() });
    const removed = await pooling(url, { input: "a", task: "score" });
    expect(removed.status).toBe(400);
    expect(removed.body.error).toMatchObject({ param: "task", message: "The task `score` was removed; use `classify` instead." });
    const other = await pooling(url, { input: "a", task: "token_classify" });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ param: "task", message: "Try switching the model's pooling_task via --pooler-config.task token_classify." });
  });
});

describe("/pooling classify", () => {
  it("answers each input's class probabilities", async () => {
    const scorer = new RecordingClassifier();
    const { url } = await start({ scorer });
    const r = await pooling(url, { input: ["one two three four five", "x"] });
    expect(r.status).toBe(200);
    // The fake's logits depend on the sequence length ([CLS] + words + [SEP]); probabilities are their softmax.
    const expected = [softmax(fakeClassLogits(7)), softmax(fakeClassLogits(3))];
    expect(r.body.data).toHaveLength(2);
    r.body.data.forEach((d: { data: number[] }, i: number) => {
      expect(d.data).toHaveLength(FAKE_LABELS.length);
      d.data.forEach((p, k) => expect(p).toBeCloseTo(expected[i]![k]!, 5));
    });
    expect(scorer.runs).toHaveLength(1);
  });
});

describe("/pooling answers per encoding_format", () => {
  it("answers bytes and bytes_only as octet-stream, base64 as strings, float as numbers", async () => {
    const { url } = await start({ scorer: new FakeTokenEmbedder() });
    // FakeTokenEmbedder: 2 rows of 2 floats for "ab cd".
    for (const format of ["bytes", "bytes_only"]) {
      const res = await fetch(`${url}/pooling`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: "ab cd", encoding_format: format }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/octet-stream");
      expect((await res.arrayBuffer()).byteLength).toBe(2 * 2 * 4);
    }
    const b64 = await pooling(url, { input: "ab cd", encoding_format: "base64" });
    expect(b64.status).toBe(200);
    const bytes = Buffer.from(b64.body.data[0].data as string, "base64");
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 4))).toEqual([2, 0, 2, 1]);
    const float = await pooling(url, { input: "ab cd", encoding_format: "float" });
    expect(float.body.data[0].data).toEqual([[2, 0], [2, 1]]);
  });
});

describe("/pooling token_classify (bge-m3's lexical weights)", () => {
  it("answers one weight per word, truncating only with -1, and counts the two specials in usage", async () => {
    const scorer = new TokenWeightModel();
    const { url } = await start({ scorer, poolingTask: "token_classify" });
    const r = await pooling(url, { input: ["one two three"] });
    expect(r.status).toBe(200);
    expect(r.body.data[0].data).toEqual([0.25, 0.5, 0.75]);
    expect(r.body.usage.prompt_tokens).toBe(5);
    expect((await pooling(url, { input: "one", truncate_prompt_tokens: -1 })).status).toBe(200);
    expect(scorer.weightCalls.map((c) => c.truncate)).toEqual([false, true]);
  });

  it("refuses chat, token ids, other truncation sizes and too many inputs, naming the field", async () => {
    const { url } = await start({ scorer: new TokenWeightModel(), poolingTask: "token_classify", maxDocuments: 2, chatTemplate: "{{ messages[0].content }}" });
    const chat = await pooling(url, { messages: [{ role: "user", content: "hi" }] });
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({ param: "messages", message: "Chat-style `messages` input is not supported for token_classify; send `input`." });
    const ids = await pooling(url, { input: [1, 2] });
    expect(ids.status).toBe(400);
    expect(ids.body.error).toMatchObject({ param: "input", message: "Token-id input is not supported for token_classify; send text." });
    const cut = await pooling(url, { input: "a b c", truncate_prompt_tokens: 2 });
    expect(cut.status).toBe(400);
    expect(cut.body.error).toMatchObject({
      param: "truncate_prompt_tokens",
      message: "truncate_prompt_tokens other than -1 (max_model_len) is not supported for token_classify.",
    });
    const many = await pooling(url, { input: ["a", "b", "c"] });
    expect(many.status).toBe(400);
    expect(many.body.error.param).toBe("input");
  });
});

describe("the /pooling OpenAPI entry", () => {
  it("names the served task in its summary, or none", async () => {
    const summary = async (scorer: FakeScorer): Promise<string> => {
      const { url } = await start({ scorer });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, read field by field
      const doc = (await (await fetch(`${url}/openapi.json`)).json()) as any;
      return doc.paths["/pooling"].post.summary as string;
    };
    expect(await summary(new FakeBiEncoder())).toBe("Pooled outputs (task: embed)");
    expect(await summary(new FakeScorer())).toBe("Pooled outputs (task: none)");
  });
});
