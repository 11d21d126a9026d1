/**
 * Ported from vLLM's tests/entrypoints/pooling/token_embed/test_online.py (@21602756): an
 * embedding model served with `--pooler-config '{"pooling_task": "token_embed"}'`
 * (`createServer({ poolingTask: "token_embed" })`), on the tiny mean-pooling bi-encoder. The
 * test's "384 wide, one row per token" becomes invariants independent of the server's code: the
 * mean of the raw rows is the model's embedding before normalization (as `/v1/embeddings` with
 * `use_activation: false` gives it, and as the float64 reference computes it), the default rows
 * are those rows L2-normalized, and token-id input equals the text it came from.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { LocalScorer } from "../../../src/local/index.js";
import { referenceForward, refDense, refMeanPool } from "../../reference/index.js";
import { CLS, SEP, rawIds, weightsOf } from "../../local/helpers.js";
import { post } from "../helpers.js";
import { normalize, startShared, tiny } from "./support.js";

const MODEL = "tiny-e5";
const INPUT = "The best thing about vLLM is that it supports many different models";
const TOL = 1e-4;

let scorer: LocalScorer;
let url: string;
let ids: (t: string) => number[];

const maxDiff = (a: number[][], b: number[][]): number => {
  expect(a).toHaveLength(b.length);
  return Math.max(...a.map((row, i) => Math.max(...row.map((v, k) => Math.abs(v - (b[i]![k] as number))))));
};
const rows = async (body: Record<string, unknown>): Promise<number[][]> => {
  const r = await post(`${url}/pooling`, { model: MODEL, task: "token_embed", encoding_format: "float", ...body });
  expect(r.status).toBe(200);
  return r.body.data[0].data;
};

beforeAll(async () => {
  scorer = await tiny("bi-encoder-mean");
  ({ url } = await startShared({ scorer, servedModelName: MODEL, poolingTask: "token_embed" }));
  ids = rawIds((scorer as unknown as { files: { dir: string } }).files.dir);
});

describe("tests/entrypoints/pooling/token_embed/test_online.py", () => {
  it("test_pooling_token_embed: one row per token (special tokens included), hidden-size wide", async () => {
    const r = await post(`${url}/pooling`, { model: MODEL, input: INPUT, encoding_format: "float", task: "token_embed" });
    expect(r.body.data).toHaveLength(1);
    const tokens = [CLS, ...ids(INPUT), SEP];
    expect(r.body.data[0].data).toHaveLength(tokens.length);
    expect(r.body.data[0].data[0]).toHaveLength(32);
    expect(r.body.usage).toMatchObject({ prompt_tokens: tokens.length, total_tokens: tokens.length });
  });

  for (const task of ["embed", "classify", "token_classify", "plugin"]) {
    it(`test_pooling_not_supported[${task}]`, async () => {
      const r = await post(`${url}/pooling`, { model: MODEL, input: "test", encoding_format: "float", task });
      expect(r.body.error.type).toBe("BadRequestError");
      const expected = task === "plugin" ? "No IOProcessor plugin installed." : `Unsupported task: '${task}' Supported tasks: ('token_embed',)`;
      expect(r.body.error.message.startsWith(expected)).toBe(true);
    });
  }

  it("raw rows are the reference hidden states; their mean is the embedding before normalization", async () => {
    const tokens = [CLS, ...ids(INPUT), SEP];
    const raw = await rows({ input: INPUT, use_activation: false });
    const hidden = referenceForward(weightsOf("bi-encoder-mean"), { inputIds: tokens }).lastHiddenState;
    expect(maxDiff(raw, hidden)).toBeLessThanOrEqual(TOL);
    const mean = raw[0]!.map((_, k) => raw.reduce((s, r) => s + (r[k] as number), 0) / raw.length);
    const embedding = (await post(`${url}/v1/embeddings`, { model: MODEL, input: INPUT, use_activation: false })).body.data[0].embedding;
    expect(maxDiff([mean], [embedding])).toBeLessThanOrEqual(TOL);
    expect(maxDiff([mean], [refMeanPool(hidden, tokens.map(() => 1))])).toBeLessThanOrEqual(TOL);
  });

  it("use_activation (default true) L2-normalizes every row, as vLLM's token-embedding head", async () => {
    const def = await rows({ input: INPUT });
    const raw = await rows({ input: INPUT, use_activation: false });
    expect(maxDiff(def, raw.map(normalize))).toBeLessThanOrEqual(1e-6);
    expect(maxDiff(def, raw)).toBeGreaterThan(1e-2);
  });

  it("token-id input (list[int] and list[list[int]]) equals the text it came from", async () => {
    const tokens = [CLS, ...ids(INPUT), SEP];
    const byText = await rows({ input: INPUT });
    expect(maxDiff(await rows({ input: tokens }), byText)).toBeLessThanOrEqual(1e-6);
    const two = await post(`${url}/pooling`, { model: MODEL, task: "token_embed", input: [tokens, tokens.slice(0, 4)] });
    expect(two.body.data).toHaveLength(2);
    expect(two.body.data[1].data).toHaveLength(4);
    expect(two.body.usage.prompt_tokens).toBe(tokens.length + 4);
  });

  it("truncate_prompt_tokens keeps N tokens (left or right); 0 is vLLM's empty-prompt 400", async () => {
    const tokens = [CLS, ...ids(INPUT), SEP];
    const right = await post(`${url}/pooling`, { model: MODEL, task: "token_embed", input: INPUT, truncate_prompt_tokens: 5 });
    expect(right.body.data[0].data).toHaveLength(5);
    expect(right.body.usage.prompt_tokens).toBe(5);
    const hidden = referenceForward(weightsOf("bi-encoder-mean"), { inputIds: tokens.slice(-5) }).lastHiddenState;
    const left = await rows({ input: INPUT, truncate_prompt_tokens: 5, truncation_side: "left", use_activation: false });
    expect(maxDiff(left, hidden)).toBeLessThanOrEqual(TOL);
    const zero = await post(`${url}/pooling`, { model: MODEL, task: "token_embed", input: INPUT, truncate_prompt_tokens: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.error.message).toBe("The decoder prompt cannot be empty");
    const over = await post(`${url}/pooling`, { model: MODEL, task: "token_embed", input: INPUT, truncate_prompt_tokens: scorer.maxLength + 1 });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain("truncate_prompt_tokens");
  });

  it("createServer refuses a pooling task the model does not have", async () => {
    await expect(startShared({ scorer, poolingTask: "classify" })).rejects.toThrow(/poolingTask.*classify.*embed, token_embed/);
  });
});

describe("token_embed on a bi-encoder with a Dense module", () => {
  it("every token row goes through the Dense layer (vLLM's sentence-transformers projector)", async () => {
    const dense = await tiny("bi-encoder-max-dense");
    const { url: u } = await startShared({ scorer: dense, poolingTask: "token_embed" });
    const rid = rawIds((dense as unknown as { files: { dir: string } }).files.dir);
    const tokens = [CLS, ...rid(INPUT), SEP];
    const r = await post(`${u}/pooling`, { input: INPUT, task: "token_embed", use_activation: false });
    const w = weightsOf("bi-encoder-max-dense");
    const hidden = referenceForward(w, { inputIds: tokens }).lastHiddenState;
    const expected = hidden.map((h) => refDense(w.dense!.weight, w.dense!.bias, h, "tanh"));
    expect(r.body.data[0].data[0]).toHaveLength(24);
    expect(maxDiff(r.body.data[0].data, expected)).toBeLessThanOrEqual(TOL);
  });
});

describe("token-id input to token_embed on a ColBERT model (vLLM convention)", () => {
  it("token ids give the rows of the text they came from; truncation counts", async () => {
    const colbert = await tiny("colbert-pylate", { convention: "vllm" });
    const { url: u } = await startShared({ scorer: colbert });
    const tokens = colbert.tokenize(INPUT).ids;
    const get = async (body: Record<string, unknown>) => (await post(`${u}/pooling`, { task: "token_embed", ...body })).body;
    const byText = (await get({ input: INPUT })).data[0].data;
    const byIds = await get({ input: tokens });
    expect(maxDiff(byIds.data[0].data, byText)).toBeLessThanOrEqual(1e-5);
    expect(byIds.usage.prompt_tokens).toBe(tokens.length);
    const cut = await get({ input: INPUT, truncate_prompt_tokens: 6 });
    expect(cut.data[0].data).toHaveLength(6);
    expect(maxDiff(cut.data[0].data, (await get({ input: tokens.slice(0, 6) })).data[0].data)).toBeLessThanOrEqual(1e-6);
  });
});
