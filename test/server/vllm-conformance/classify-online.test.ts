/**
 * Ported from vLLM's tests/entrypoints/pooling/classify/test_online.py (@030ea52e), run on the
 * tiny generated 3-label sequence classifier (id2label NEG / NEU / POS). The test's real model
 * (Qwen2.5 apeach, labels Default / Spoiled) becomes the fixture's labels, and "has probs" checks
 * become invariants against the float64 reference forward pass on the same weights: probs are
 * the softmax of the reference logits, label is id2label of their argmax. Task refusals follow
 * vLLM's newest serving code (frontend/entrypoints/pooling/pooling/serving.py).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalScorer } from "../../../src/local/index.js";
import { referenceForward } from "../../reference/index.js";
import { CLS, SEP, rawIds, weightsOf } from "../../local/helpers.js";
import { post } from "../helpers.js";
import { sigmoid, startShared, tiny } from "./support.js";

const MODEL = "tiny-apeach";
const INPUT = "This product was excellent and exceeded my expectations";
const LABELS = ["NEG", "NEU", "POS"];
const TEMPLATE =
  "{% for message in messages %}{{message['role'] + ': ' + message['content'] + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{'assistant:'}}{% endif %}";
const MESSAGES = [
  { role: "user", content: "The cat sat on the mat." },
  { role: "assistant", content: "A feline was resting on a rug." },
  { role: "user", content: "Stars twinkle brightly in the night sky." },
];
const TOL = 1e-4;

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

let scorer: LocalScorer;
let url: string;
let ids: (t: string) => number[];
const weights = weightsOf("cross-encoder-3labels");
/** Reference logits of token ids run as given (segment 0, full attention). */
const refLogits = (tokens: number[]): number[] => referenceForward(weights, { inputIds: tokens }).labelLogits as number[];
const closeTo = (a: number[], b: number[]): void => {
  expect(a).toHaveLength(b.length);
  a.forEach((v, i) => expect(Math.abs(v - (b[i] as number))).toBeLessThanOrEqual(TOL));
};

beforeAll(async () => {
  scorer = await tiny("cross-encoder-3labels", { scoreType: "cross-encoder" });
  ({ url } = await startShared({ scorer, servedModelName: MODEL, chatTemplate: TEMPLATE }));
  ids = rawIds((scorer as unknown as { files: { dir: string } }).files.dir);
});

describe("tests/entrypoints/pooling/classify/test_online.py", () => {
  it("test_basic: /v1/models and /tokenize", async () => {
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe(MODEL);
    const tok = await post(`${url}/tokenize`, { model: MODEL, prompt: INPUT });
    expect(tok.body.tokens).toEqual([CLS, ...ids(INPUT), SEP]);
  });

  it("test_completion_request: str and list[int] input; probs = softmax(reference logits)", async () => {
    const tokens = [CLS, ...ids(INPUT), SEP];
    const expected = softmax(refLogits(tokens));
    for (const input of [INPUT, tokens]) {
      const r = await post(`${url}/classify`, { model: MODEL, input });
      expect(r.status).toBe(200);
      expect(r.body.object).toBe("list");
      expect(r.body.model).toBe(MODEL);
      expect(r.body.id).toMatch(/^classify-/);
      expect(typeof r.body.created).toBe("number");
      expect(r.body.data).toHaveLength(1);
      expect(Object.keys(r.body.data[0]).sort()).toEqual(["index", "label", "num_classes", "probs"]);
      closeTo(r.body.data[0].probs, expected);
      expect(r.body.data[0].label).toBe(LABELS[expected.indexOf(Math.max(...expected))]);
      expect(r.body.usage).toMatchObject({ prompt_tokens: tokens.length, total_tokens: tokens.length });
    }
  });

  it("test_completion_request_batched: list[str] and list[list[int]], N = 10", async () => {
    const N = 10;
    const tokens = [CLS, ...ids(INPUT), SEP];
    for (const input of [Array(N).fill(INPUT), Array(N).fill(tokens)]) {
      const r = await post(`${url}/classify`, { model: MODEL, input });
      expect(r.body.data).toHaveLength(N);
      r.body.data.forEach((item: { index: number; probs: number[]; num_classes: number; label: string }, i: number) => {
        expect(item.index).toBe(i);
        expect(item.probs).toHaveLength(item.num_classes);
        expect(item.num_classes).toBe(3);
        expect(LABELS).toContain(item.label);
      });
      expect(r.body.usage.prompt_tokens).toBe(N * tokens.length);
    }
  });

  it("test_empty_input_error: an empty prompt and an empty list are 400", async () => {
    // vLLM's model has no BOS, so "" is an empty prompt; a BERT tokenizer adds [CLS] [SEP], so the
    // empty prompt is "" without special tokens.
    const empty = await post(`${url}/classify`, { model: MODEL, input: "", add_special_tokens: false });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe("The decoder prompt cannot be empty");
    const none = await post(`${url}/classify`, { model: MODEL, input: [] });
    expect(none.status).toBe(400);
    expect(none.body).toHaveProperty("error");
  });

  it("test_truncate_prompt_tokens: 5 tokens kept and counted; more than max_model_len is a 400", async () => {
    const long = "hello ".repeat(600);
    const r = await post(`${url}/classify`, { model: MODEL, input: long, truncate_prompt_tokens: 5 });
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1);
    expect(r.body.usage).toMatchObject({ prompt_tokens: 5, total_tokens: 5 });
    closeTo(r.body.data[0].probs, softmax(refLogits([CLS, ...ids(long)].slice(0, 5))));
    const bad = await post(`${url}/classify`, { model: MODEL, input: "test", truncate_prompt_tokens: scorer.maxLength + 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("truncate_prompt_tokens");
  });

  it("truncate_prompt_tokens: 0 keeps no token, which vLLM's engine refuses", async () => {
    const r = await post(`${url}/classify`, { model: MODEL, input: INPUT, truncate_prompt_tokens: 0 });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ type: "BadRequestError", message: "The decoder prompt cannot be empty" });
  });

  it("test_add_special_tokens: false runs the bare tokens, true adds [CLS] [SEP]", async () => {
    const off = await post(`${url}/classify`, { model: MODEL, input: INPUT, add_special_tokens: false });
    const on = await post(`${url}/classify`, { model: MODEL, input: INPUT, add_special_tokens: true });
    expect(off.status).toBe(200);
    expect(on.status).toBe(200);
    closeTo(off.body.data[0].probs, softmax(refLogits(ids(INPUT))));
    closeTo(on.body.data[0].probs, softmax(refLogits([CLS, ...ids(INPUT), SEP])));
    expect(on.body.usage.prompt_tokens - off.body.usage.prompt_tokens).toBe(2);
  });

  it("test_chat_request: the rendered chat, flags change the prompt, both flags is an error", async () => {
    const render = (generation: boolean): string =>
      MESSAGES.map((m) => `${m.role}: ${m.content}\n`).join("") + (generation ? "assistant:" : "");
    const chat = await post(`${url}/classify`, { model: MODEL, messages: MESSAGES });
    expect(chat.status).toBe(200);
    expect(chat.body.object).toBe("list");
    expect(chat.body.data).toHaveLength(1);
    // Chat prompts take no special tokens by default (the template owns them).
    expect(chat.body.usage.prompt_tokens).toBe(ids(render(false)).length);
    closeTo(chat.body.data[0].probs, softmax(refLogits(ids(render(false)))));
    const gen = await post(`${url}/classify`, { model: MODEL, messages: MESSAGES, add_generation_prompt: true });
    expect(gen.body.usage.prompt_tokens).toBe(ids(render(true)).length);
    const special = await post(`${url}/classify`, { model: MODEL, messages: MESSAGES, add_special_tokens: true });
    expect(special.body.usage.prompt_tokens).toBe(ids(render(false)).length + 2);
    const both = await post(`${url}/classify`, { model: MODEL, messages: MESSAGES, continue_final_message: true, add_generation_prompt: true });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain("Cannot set both `continue_final_message` and `add_generation_prompt` to True.");
  });

  for (const [name, args] of [
    ["test_invocations_completion_request", { model: MODEL, input: INPUT }],
    ["test_invocations_chat_request", { model: MODEL, messages: MESSAGES }],
  ] as const) {
    it(`${name}: same keys and probs as /classify`, async () => {
      const cls = await post(`${url}/classify`, args);
      const inv = await post(`${url}/invocations`, args);
      expect(inv.status).toBe(200);
      expect(Object.keys(inv.body).sort()).toEqual(Object.keys(cls.body).sort());
      cls.body.data.forEach((d: { probs: number[] }, i: number) => {
        expect(Object.keys(inv.body.data[i]).sort()).toEqual(Object.keys(d).sort());
        closeTo(inv.body.data[i].probs, d.probs);
      });
    });
  }

  it("test_use_activation: default = true, false differs, softmax(false) = true", async () => {
    const get = async (use_activation: boolean | null): Promise<number[]> =>
      (await post(`${url}/classify`, { model: MODEL, input: INPUT, use_activation })).body.data[0].probs;
    const def = await get(null);
    const on = await get(true);
    const off = await get(false);
    closeTo(def, on);
    expect(off.some((v, i) => Math.abs(v - (on[i] as number)) > 1e-2)).toBe(true);
    closeTo(softmax(off), on);
    closeTo(off, refLogits([CLS, ...ids(INPUT), SEP]));
  });

  it("test_score / test_rerank: the scoring API is only enabled for num_labels == 1", async () => {
    const score = await post(`${url}/score`, { model: MODEL, queries: "ping", documents: "pong" });
    expect(score.status).toBe(404);
    expect(score.body.detail).toBe("Not Found");
    const rerank = await post(`${url}/rerank`, { model: MODEL, query: "ping", documents: ["pong"] });
    expect(rerank.body.detail).toBe("Not Found");
  });

  it("test_pooling_classify: /pooling task classify gives the class probabilities", async () => {
    const r = await post(`${url}/pooling`, { model: MODEL, input: INPUT, encoding_format: "float", task: "classify" });
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(1);
    expect(r.body.data[0].data).toHaveLength(3);
    const cls = await post(`${url}/classify`, { model: MODEL, input: INPUT });
    closeTo(r.body.data[0].data, cls.body.data[0].probs);
    // Without a task, /pooling runs the model's pooling task: classify.
    const def = await post(`${url}/pooling`, { model: MODEL, input: INPUT });
    closeTo(def.body.data[0].data, cls.body.data[0].probs);
  });

  for (const task of ["embed", "token_embed", "token_classify", "plugin"]) {
    it(`test_pooling_not_supported[${task}]`, async () => {
      const r = await post(`${url}/pooling`, { model: MODEL, input: INPUT, encoding_format: "float", task });
      expect(r.status).toBe(400);
      expect(r.body.error.type).toBe("BadRequestError");
      const expected =
        task === "plugin"
          ? "No IOProcessor plugin installed."
          : task === "token_classify"
            ? "Try switching the model's pooling_task via"
            : `Unsupported task: '${task}' Supported tasks: ('classify', 'token_classify')`;
      expect(r.body.error.message.startsWith(expected)).toBe(true);
    });
  }

  it("validation errors use the shared pydantic-style envelope", async () => {
    const missing = await post(`${url}/classify`, { model: MODEL });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain("'type': 'missing'");
    const badType = await post(`${url}/classify`, { model: MODEL, input: INPUT, use_activation: "yes" });
    expect(badType.status).toBe(400);
    expect(badType.body.error.message).toContain("use_activation");
    const unknown = await post(`${url}/classify`, { model: "other", input: INPUT });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe("The model `other` does not exist.");
  });
});

describe("/classify on a one-label cross-encoder (vLLM: sigmoid, not the score activation)", () => {
  let one: { url: string };
  let roberta: LocalScorer;
  beforeAll(async () => {
    roberta = await tiny("cross-encoder-roberta");
    one = await startShared({ scorer: roberta, servedModelName: "tiny-reranker" });
  });

  it("the pair's token ids on /classify give sigmoid(raw /score) = the activated /score", async () => {
    const rid = rawIds((roberta as unknown as { files: { dir: string } }).files.dir);
    const [q, d] = ["what is the capital of france", "paris is the capital of france"];
    // RoBERTa pair layout by hand; no segment ids, so the pair run as one sequence is the same input.
    const pair = [CLS, ...rid(q), SEP, SEP, ...rid(d), SEP];
    const cls = await post(`${one.url}/classify`, { input: pair });
    expect(cls.body.data[0].num_classes).toBe(1);
    expect(cls.body.data[0].label).toBe("LABEL_0");
    const raw = (await post(`${one.url}/score`, { queries: q, documents: d, use_activation: false })).body.data[0].score;
    const activated = (await post(`${one.url}/score`, { queries: q, documents: d })).body.data[0].score;
    expect(Math.abs(cls.body.data[0].probs[0] - sigmoid(raw))).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(cls.body.data[0].probs[0] - activated)).toBeLessThanOrEqual(1e-5);
    expect(cls.body.usage.prompt_tokens).toBe(pair.length);
  });
});
