/**
 * `POST /classify` over a recording fake classifier: vLLM's ClassificationResponse (field names,
 * ids, labels, probabilities, usage), what reaches the model for each prompt form (text, token
 * ids, chat), `use_activation`, and the errors with their type and `param`. The tiny-model port of
 * vLLM's own test (vllm-conformance/classify-online.test.ts) spawns no in-process mutant check;
 * this file is the one the routes scopes run.
 */
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { BaseScorer } from "../../src/base-scorer.js";
import type { ServerContext } from "../../src/server/context.js";
import { HttpError } from "../../src/server/http/http-error.js";
import { classifyRequest } from "../../src/server/routes/classify-request.js";
import type { ClassifyOptions, ClassifyResponse, ScoreResponse } from "../../src/types.js";
import { fakeClassLogits, ids, RecordingClassifier, softmax } from "./fake-classifier.js";
import { post, start } from "./helpers.js";

/** A template whose rendering a test can spell out: "role: content <end>" per message. */
const TEMPLATE = "{% for m in messages %}{{ m.role }}: {{ m.content }} <end> {% endfor %}{% if add_generation_prompt %}<gen>{% endif %}";

describe("POST /classify", () => {
  it("answers vLLM's ClassificationResponse: id from X-Request-Id, one {index, label, probs, num_classes} per input, usage", async () => {
    const model = new RecordingClassifier();
    const { url } = await start({ scorer: model, servedModelName: "served-classifier" });
    const r = await post(`${url}/classify`, { input: ["a b c", "x"] }, { "x-request-id": "req-7" });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe("classify-req-7");
    expect(r.body.object).toBe("list");
    expect(r.body.model).toBe("served-classifier");
    expect(Number.isInteger(r.body.created)).toBe(true);
    // Text input takes the special tokens: [CLS] a b c [SEP] is 5 tokens, [CLS] x [SEP] is 3.
    expect(model.runs).toHaveLength(1);
    expect(model.runs[0]?.sequences).toEqual([ids("a b c", true), ids("x", true)]);
    expect(r.body.data).toHaveLength(2);
    expect(Object.keys(r.body.data[0]).sort()).toEqual(["index", "label", "num_classes", "probs"]);
    expect(r.body.data[0]).toMatchObject({ index: 0, label: "long", num_classes: 3 });
    expect(r.body.data[1]).toMatchObject({ index: 1, label: "short", num_classes: 3 });
    expect(r.body.data[0].probs).toEqual(softmax([2, 2.5, 0]));
    expect(r.body.data[1].probs).toEqual(softmax([2, 1.5, 0]));
    expect(r.body.usage).toEqual({ prompt_tokens: 8, total_tokens: 8, completion_tokens: 0, prompt_tokens_details: null });
    // Without the header the id is still "classify-" and a random hex.
    expect((await post(`${url}/classify`, { input: "x" })).body.id).toMatch(/^classify-[0-9a-f]{32}$/);
  });

  it("runs token ids as given, and an unnamed class's label is null", async () => {
    const model = new RecordingClassifier();
    const { url } = await start({ scorer: model });
    const r = await post(`${url}/classify`, { input: [[11], [11, 12, 13, 14, 15, 16]] });
    expect(r.status).toBe(200);
    expect(model.runs[0]?.sequences).toEqual([[11], [11, 12, 13, 14, 15, 16]]);
    expect(r.body.data.map((d: { label: string | null }) => d.label)).toEqual([null, "long"]);
    expect(r.body.usage.prompt_tokens).toBe(7);
  });

  it("use_activation: false returns the raw logits and reaches the model; absent or null keeps the probabilities", async () => {
    const model = new RecordingClassifier();
    const { url } = await start({ scorer: model });
    const raw = await post(`${url}/classify`, { input: "a b c", use_activation: false });
    expect(raw.status).toBe(200);
    expect(raw.body.data[0].probs).toEqual(fakeClassLogits(5));
    expect(model.runs[0]?.options.activation).toBe(false);
    expect(model.runs[0]?.options.signal).toBeInstanceOf(AbortSignal);
    const on = await post(`${url}/classify`, { input: "a b c", use_activation: true });
    expect(on.body.data[0].probs).toEqual(softmax(fakeClassLogits(5)));
    expect(model.runs[1]?.options.activation).toBe(true);
    // Unset, the classifier's own default applies: the option is absent, not an explicit undefined
    // that a classifier filling its defaults by spread would read as "off".
    for (const body of [{ input: "a b c" }, { input: "a b c", use_activation: null }]) {
      const def = await post(`${url}/classify`, body);
      expect(def.body.data[0].probs).toEqual(softmax(fakeClassLogits(5)));
      expect(Object.hasOwn(model.runs.at(-1)?.options ?? {}, "activation")).toBe(false);
    }
  });

  it("renders chat messages with the server's template, without special tokens or a generation prompt unless asked", async () => {
    const model = new RecordingClassifier();
    const { url } = await start({ scorer: model, chatTemplate: TEMPLATE });
    const messages = [{ role: "user", content: "is it long" }];
    const chat = await post(`${url}/classify`, { messages });
    expect(chat.status).toBe(200);
    expect(chat.body.data).toHaveLength(1);
    expect(model.runs[0]?.sequences).toEqual([ids("user: is it long <end>")]);
    expect(chat.body.usage.prompt_tokens).toBe(5);
    await post(`${url}/classify`, { messages, add_special_tokens: true });
    expect(model.runs[1]?.sequences).toEqual([ids("user: is it long <end>", true)]);
    await post(`${url}/classify`, { messages, add_special_tokens: false, add_generation_prompt: true });
    expect(model.runs[2]?.sequences).toEqual([ids("user: is it long <end> <gen>")]);
    // truncate_prompt_tokens applies to the rendered chat as to text.
    await post(`${url}/classify`, { messages, truncate_prompt_tokens: 2 });
    expect(model.runs[3]?.sequences).toEqual([ids("user: is")]);
  });

  it("more inputs than maxDocuments is a 400 naming `input`", async () => {
    const model = new RecordingClassifier();
    const { url } = await start({ scorer: model, maxDocuments: 2 });
    const r = await post(`${url}/classify`, { input: ["a", "b", "c"] });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ message: "Too many input: 3 given, this server accepts at most 2.", type: "BadRequestError", param: "input", code: 400 });
    expect(model.runs).toHaveLength(0);
  });

  it("a classifier served beside a scorer without a tokenizer is a 400 saying prompts cannot be rendered", async () => {
    const calls: number[][][] = [];
    const classifier = {
      model: "bare/classifier",
      labels: ["a", "b"],
      async classify(): Promise<ClassifyResponse> {
        throw new Error("not used");
      },
      async classifySequences(sequences: number[][], _options?: ClassifyOptions): Promise<ClassifyResponse> {
        calls.push(sequences);
        throw new Error("must not run");
      },
    };
    const { url } = await start({ scorer: new NoTokenizerScorer(), classifier });
    const r = await post(`${url}/classify`, { input: "a b" });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      message: "This server has no tokenizer, so it cannot render prompts.",
      type: "BadRequestError",
      param: null,
      code: 400,
    });
    expect(calls).toHaveLength(0);
  });

  it("classifyRequest without a classifier is a 400 saying so (the routes register only with one)", async () => {
    const ctx = { options: { classifier: undefined } } as unknown as ServerContext;
    const error = await classifyRequest(ctx, {} as Context, { input: "a" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 400, type: "BadRequestError", message: "This model has no classifier.", param: null });
  });

  it("is described in /openapi.json under the pooling routes' tag, with its summary and 200 schema", async () => {
    const { url } = await start({ scorer: new RecordingClassifier() });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, checked field by field
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as any;
    const op = doc.paths["/classify"].post;
    expect(op.tags).toHaveLength(1);
    expect(op.tags).toEqual(doc.paths["/pooling"].post.tags);
    expect(op.tags[0]).toMatch(/\w/);
    expect(op.summary).toMatch(/^Classify /);
    expect(op.responses["200"].description).toMatch(/classification/i);
    expect(op.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ClassificationResponse" });
  });
});

/** A scorer with no tokenizer (a remote or bare scorer), so a separate classifier has none either. */
class NoTokenizerScorer extends BaseScorer {
  readonly scoreType = "cross-encoder" as const;
  readonly model = "bare/scorer";

  async scoreWithUsage(): Promise<ScoreResponse> {
    return { scores: [], usage: { promptTokens: 0, totalTokens: 0 } };
  }

  async close(): Promise<void> {}
}
