/**
 * `/pooling` task token_embed on test doubles: which of a model's two paths a request takes (its
 * own text path, or the token-id path that renders prompts), what reaches each, the usage, and
 * the answer-size check (413 `ContentTooLargeError`) with the estimate it is based on.
 */
import { describe, expect, it } from "vitest";
import { BaseScorer } from "../../src/base-scorer.js";
import type { EmbedOptions, ScoreResponse, TokenEmbeddings } from "../../src/types.js";
import { FakeTokenEmbedder, fakeTokenize } from "./fakes.js";
import { post, start } from "./helpers.js";

type Call = { input: string[] | number[][]; options: EmbedOptions };

/** Rows of `dim` values (0.5 each) per token; a log of every call and its options. */
function rowsOf(tokens: number, dim: number): TokenEmbeddings {
  return { data: new Float32Array(tokens * dim).fill(0.5), tokens, dim };
}

/** A text-only token embedder (a FakeScorer, so it has the fake tokenizer: words + [CLS]/[SEP], max 32). */
class TextTokenEmbedder extends FakeTokenEmbedder {
  readonly textCalls: Call[] = [];
  constructor(readonly dim = 2) {
    super();
  }
  override async embedTokens(texts: string[], options: EmbedOptions = {}): Promise<TokenEmbeddings[]> {
    this.textCalls.push({ input: texts, options: { ...options, signal: undefined } });
    return texts.map((t) => rowsOf(Math.min(fakeTokenize(t).ids.length, this.maxLength), this.dim));
  }
}

/** A token embedder that also embeds token ids (as the local ColBERT and bi-encoders do). */
class TwoPathTokenEmbedder extends TextTokenEmbedder {
  readonly idCalls: Call[] = [];
  async embedTokenSequences(sequences: number[][], options: EmbedOptions = {}): Promise<TokenEmbeddings[]> {
    this.idCalls.push({ input: sequences, options: { ...options, signal: undefined } });
    return sequences.map((s) => rowsOf(s.length, this.dim));
  }
}

/** A token embedder with no tokenizer: its rows are known only from its answer. */
class UntokenizedTokenEmbedder extends BaseScorer {
  readonly scoreType = "late-interaction" as const;
  readonly model = "fake/untokenized";
  constructor(readonly dim: number) {
    super();
  }
  async embedTokens(texts: string[]): Promise<TokenEmbeddings[]> {
    // One row per word, and a fixed extra row: usage must come from the model's counts.
    return texts.map((t) => rowsOf(t.split(/\s+/).filter(Boolean).length + 1, this.dim));
  }
  async scoreWithUsage(): Promise<ScoreResponse> {
    throw new Error("not used");
  }
  async close(): Promise<void> {}
}

const pooling = (url: string, body: Record<string, unknown>) => post(`${url}/pooling`, { task: "token_embed", ...body });
const words = (n: number, tag = "w") => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(" ");

describe("token_embed on a model with a text path and a token-id path", () => {
  it("sends plain text (a string or a list of strings) to the model's text path, truncating only with -1", async () => {
    const scorer = new TwoPathTokenEmbedder();
    const { url } = await start({ scorer });
    const one = await pooling(url, { input: "alpha beta" });
    expect(one.status).toBe(200);
    const list = await pooling(url, { input: ["gamma", "delta epsilon"] });
    expect(list.status).toBe(200);
    const truncated = await pooling(url, { input: "zeta", truncate_prompt_tokens: -1 });
    expect(truncated.status).toBe(200);
    // The first call is the one-text probe that learns the row width; then each request's texts.
    expect(scorer.textCalls.map((c) => c.input)).toEqual([["a"], ["alpha beta"], ["gamma", "delta epsilon"], ["zeta"]]);
    expect(scorer.textCalls.map((c) => c.options.truncate)).toEqual([false, false, false, true]);
    expect(scorer.idCalls).toEqual([]);
    // [CLS] alpha beta [SEP]: 4 rows of the model's width.
    expect(one.body.data[0].data).toEqual(Array.from({ length: 4 }, () => [0.5, 0.5]));
    expect(one.body.usage.prompt_tokens).toBe(4);
  });

  it("sends token ids and other truncation sizes to the token-id path, rows and usage from the ids", async () => {
    const scorer = new TwoPathTokenEmbedder(3);
    const { url } = await start({ scorer });
    const ids = await pooling(url, { input: [5, 6, 7] });
    expect(ids.status).toBe(200);
    expect(ids.body.data[0].data).toEqual(Array.from({ length: 3 }, () => [0.5, 0.5, 0.5]));
    expect(ids.body.usage).toMatchObject({ prompt_tokens: 3, total_tokens: 3 });
    const two = await pooling(url, { input: [[1, 2], [3, 4, 5, 6]] });
    expect(two.status).toBe(200);
    expect(two.body.data.map((d: { data: number[][] }) => d.data.length)).toEqual([2, 4]);
    expect(two.body.usage.prompt_tokens).toBe(6);
    // truncate_prompt_tokens 3 keeps 3 of the text's 7 tokens, which only the token-id path can do.
    const cut = await pooling(url, { input: "one two three four five", truncate_prompt_tokens: 3 });
    expect(cut.status).toBe(200);
    expect(cut.body.data[0].data).toHaveLength(3);
    expect(cut.body.usage.prompt_tokens).toBe(3);
    const seqs = scorer.idCalls.map((c) => c.input);
    expect(seqs).toContainEqual([[5, 6, 7]]);
    expect(seqs).toContainEqual([[1, 2], [3, 4, 5, 6]]);
    // The probe that learned the width ran on the first request only (a short input).
    expect(seqs[0]).toEqual([[5, 6, 7]]);
    expect(seqs).toHaveLength(4);
    expect(scorer.textCalls).toEqual([]);
  });

  it("renders chat messages on the token-id path", async () => {
    const scorer = new TwoPathTokenEmbedder();
    const { url } = await start({ scorer, chatTemplate: "{% for m in messages %}{{ m.content }} {% endfor %}" });
    const r = await pooling(url, { messages: [{ role: "user", content: "hello there world" }] });
    expect(r.status).toBe(200);
    // The rendered text's three words; chat adds no special tokens (vLLM's default for messages).
    expect(r.body.usage.prompt_tokens).toBe(3);
    expect(scorer.idCalls.at(-1)?.input).toEqual([fakeTokenize("hello there world", false).ids]);
    // A string or list of strings beside the messages does not make it a plain-text request: messages win,
    // as they do everywhere prompts are rendered.
    for (const input of [["x y z"], "x y z"]) {
      const both = await pooling(url, { messages: [{ role: "user", content: "hello there" }], input });
      expect(both.status).toBe(200);
      expect(both.body.usage.prompt_tokens).toBe(2);
    }
    expect(scorer.textCalls).toEqual([]);
  });

  it("passes use_activation false to the model as normalize false on both paths, probe included", async () => {
    const scorer = new TwoPathTokenEmbedder();
    const { url } = await start({ scorer });
    expect((await pooling(url, { input: "alpha beta", use_activation: false })).status).toBe(200);
    expect((await pooling(url, { input: [9, 8], use_activation: false })).status).toBe(200);
    expect(scorer.textCalls.map((c) => c.options.normalize)).toEqual([false, false]);
    expect(scorer.idCalls.map((c) => c.options.normalize)).toEqual([false]);
  });

  it("refuses a token-id request over maxResponseBytes before the model sees its ids", async () => {
    const scorer = new TwoPathTokenEmbedder(128);
    const { url } = await start({ scorer, maxResponseBytes: 100_000 });
    // 10 prompts of 30 ids: 300 rows x 128 = 38400 floats, 768000 bytes of float JSON.
    const input = Array.from({ length: 10 }, (_, i) => Array.from({ length: 30 }, (_, k) => i * 30 + k));
    const r = await pooling(url, { input });
    expect(r.status).toBe(413);
    expect(r.body.error.type).toBe("ContentTooLargeError");
    expect(r.body.error.message).toContain("at least 38400 floats");
    // Only the width probe ran, on a few ids of the first prompt.
    expect(scorer.idCalls).toHaveLength(1);
    const probe = scorer.idCalls[0]!.input as number[][];
    expect(probe).toHaveLength(1);
    expect(probe[0]!.length).toBeGreaterThan(0);
    expect(probe[0]!.length).toBeLessThanOrEqual(4);
  });
});

describe("token_embed on a text-only token embedder", () => {
  it("refuses what needs token ids with vLLM's 400 naming the field", async () => {
    const { url } = await start({ scorer: new TextTokenEmbedder(), chatTemplate: "{{ messages[0].content }}" });
    const chat = await pooling(url, { messages: [{ role: "user", content: "hi" }] });
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({
      type: "BadRequestError",
      param: "messages",
      message: "Chat-style `messages` input needs a model that embeds token ids; send `input`.",
    });
    const ids = await pooling(url, { input: [1, 2, 3] });
    expect(ids.status).toBe(400);
    expect(ids.body.error).toMatchObject({ param: "input", message: "Token-id input needs a model that embeds token ids; this one takes text." });
    const cut = await pooling(url, { input: "a b c d", truncate_prompt_tokens: 2 });
    expect(cut.status).toBe(400);
    expect(cut.body.error).toMatchObject({
      param: "truncate_prompt_tokens",
      message: "truncate_prompt_tokens other than -1 (max_model_len) needs a model that embeds token ids.",
    });
  });

  it("counts inputs against maxDocuments, naming input", async () => {
    const { url } = await start({ scorer: new TextTokenEmbedder(), maxDocuments: 2 });
    const r = await pooling(url, { input: ["a", "b", "c"] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ param: "input", message: "Too many input: 3 given, this server accepts at most 2." });
  });

  it("passes truncate and normalize to the probe and the request alike", async () => {
    const scorer = new TextTokenEmbedder();
    const { url } = await start({ scorer });
    expect((await pooling(url, { input: "alpha", truncate_prompt_tokens: -1, use_activation: false })).status).toBe(200);
    expect(scorer.textCalls.map((c) => [c.options.truncate, c.options.normalize])).toEqual([[true, false], [true, false]]);
  });
});

describe("token_embed on a token embedder without a tokenizer", () => {
  it("takes usage from the model's token counts", async () => {
    const { url } = await start({ scorer: new UntokenizedTokenEmbedder(2) });
    const r = await pooling(url, { input: ["a b", "c d e"] });
    expect(r.status).toBe(200);
    // 3 + 4 rows.
    expect(r.body.usage.prompt_tokens).toBe(7);
  });

  it("checks the answer's size once the rows are known", async () => {
    const { url } = await start({ scorer: new UntokenizedTokenEmbedder(100), maxResponseBytes: 10_000 });
    // 6 rows x 100 = 600 floats, 12000 bytes of float JSON.
    const r = await pooling(url, { input: words(5) });
    expect(r.status).toBe(413);
    expect(r.body.error.message).toContain("at least 600 floats");
  });
});
