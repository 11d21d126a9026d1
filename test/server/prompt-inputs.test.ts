// How /v1/embeddings turns its completion-form `input` into the token ids a sequence embedder
// runs, as vLLM's renderer does: texts, one token-id list, a list of token-id lists; special
// tokens; truncate_prompt_tokens and truncation_side; the limits and vLLM's 400s (message, type,
// param); and `dimensions` on Matryoshka and other models. Runs over fakes: the sequence embedder
// records the ids it is given, so each test checks what reaches the model.
import { describe, expect, it } from "vitest";
import type { EmbedOptions, EmbedResponse } from "../../src/types.js";
import { FakeBiEncoder, fakeTokenize } from "./fakes.js";
import { post, start } from "./helpers.js";

/** The fake's vector of a sequence: [token count, first id, last id] (a test-owned formula). */
function seqVector(ids: number[]): number[] {
  return [ids.length, ids[0] ?? -1, ids[ids.length - 1] ?? -1];
}

/**
 * A bi-encoder fake that also takes token ids (a SequenceEmbedder, as local bi-encoders are), so
 * the server renders and truncates prompts itself; it records every sequence it is given.
 */
class SequenceBiEncoder extends FakeBiEncoder {
  readonly seen: number[][] = [];

  async embedSequences(sequences: number[][], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.seen.push(...sequences.map((s) => [...s]));
    const embeddings = sequences.map((s) => {
      const v = Float32Array.from(seqVector(s));
      return options.dimensions ? v.slice(0, options.dimensions) : v;
    });
    const total = sequences.reduce((n, s) => n + s.length, 0);
    return { embeddings, usage: { promptTokens: total, totalTokens: total } };
  }
}

const NAME = "my-embedder";

/** A server over a fresh {@link SequenceBiEncoder} with a max_model_len of `maxLength`. */
async function serve(maxLength = 8, extra: { matryoshka?: boolean | number[] } = {}) {
  const model = new SequenceBiEncoder({ maxLength });
  // A long keep-alive: Node's 5 s default races the next request on a loaded machine (ECONNRESET).
  const { url } = await start({ scorer: model, servedModelName: NAME, idleTimeoutMs: 120_000, ...extra });
  return { model, embed: (body: object) => post(`${url}/v1/embeddings`, body) };
}

/** vLLM's error body for a 400 BadRequestError. */
function badRequest(message: string, param: string | null) {
  return { error: { message, type: "BadRequestError", param, code: 400 } };
}

describe("/v1/embeddings prompt input forms (vLLM's renderer)", () => {
  it("embeds one token-id list as one prompt, passed to the model as given", async () => {
    const { model, embed } = await serve();
    const r = await embed({ input: [5, 6, 7] });
    expect(r.status).toBe(200);
    expect(model.seen).toEqual([[5, 6, 7]]);
    expect(r.body.data).toEqual([{ index: 0, object: "embedding", embedding: [3, 5, 7] }]);
    expect(r.body.usage).toMatchObject({ prompt_tokens: 3, total_tokens: 3 });
  });

  it("embeds a list of token-id lists as one prompt each, in order", async () => {
    const { model, embed } = await serve();
    const r = await embed({ input: [[1, 2], [3, 4, 5], [6]] });
    expect(r.status).toBe(200);
    expect(model.seen).toEqual([[1, 2], [3, 4, 5], [6]]);
    expect(r.body.data.map((d: { index: number; embedding: number[] }) => [d.index, d.embedding])).toEqual([
      [0, [2, 1, 2]],
      [1, [3, 3, 5]],
      [2, [1, 6, 6]],
    ]);
    expect(r.body.usage.prompt_tokens).toBe(6);
  });

  it("tokenizes texts with the special tokens, and without them when add_special_tokens is false", async () => {
    const { model, embed } = await serve();
    const r = await embed({ input: ["hello world", "x"] });
    expect(r.status).toBe(200);
    expect(model.seen).toEqual([fakeTokenize("hello world").ids, fakeTokenize("x").ids]);
    expect(model.seen[0]).toHaveLength(4);
    const plain = await embed({ input: "hello world", add_special_tokens: false });
    expect(plain.status).toBe(200);
    expect(model.seen[2]).toEqual(fakeTokenize("hello world", false).ids);
    expect(plain.body.usage.prompt_tokens).toBe(2);
  });

  it("rejects an empty input list and an empty token-id list, naming the input field", async () => {
    const { model, embed } = await serve();
    expect((await embed({ input: [] })).body).toEqual(badRequest("You must pass at least one prompt", "input"));
    const r = await embed({ input: [[1, 2], []] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(badRequest("input[1] must not be an empty list of token ids", "input"));
    expect(model.seen).toEqual([]);
  });
});

describe("/v1/embeddings prompt length and truncation (vLLM's renderer)", () => {
  it("takes a prompt of exactly max_model_len tokens and refuses one token more with vLLM's message", async () => {
    const { model, embed } = await serve(4);
    expect((await embed({ input: [1, 2, 3, 4] })).status).toBe(200);
    expect(model.seen).toEqual([[1, 2, 3, 4]]);
    const r = await embed({ input: [1, 2, 3, 4, 5] });
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe("BadRequestError");
    expect(r.body.error.message).toBe(
      "This model's maximum context length is 4 tokens. However, you requested 0 output tokens and your prompt " +
        "contains at least 5 input tokens, for a total of at least 5 tokens. Please reduce the length of the input " +
        "prompt or the number of requested output tokens.",
    );
    expect(model.seen).toHaveLength(1);
  });

  it("truncate_prompt_tokens keeps the first N tokens, or the last N with truncation_side left", async () => {
    const { model, embed } = await serve(8);
    const right = await embed({ input: [1, 2, 3, 4, 5], truncate_prompt_tokens: 3 });
    expect(right.status).toBe(200);
    expect(right.body.usage.prompt_tokens).toBe(3);
    const left = await embed({ input: [1, 2, 3, 4, 5], truncate_prompt_tokens: 3, truncation_side: "left" });
    expect(left.status).toBe(200);
    const explicitRight = await embed({ input: [1, 2, 3, 4, 5], truncate_prompt_tokens: 2, truncation_side: "right" });
    expect(explicitRight.status).toBe(200);
    expect(model.seen).toEqual([
      [1, 2, 3],
      [3, 4, 5],
      [1, 2],
    ]);
  });

  it("truncation leaves prompts at or under N tokens as they are, on either side", async () => {
    const { model, embed } = await serve(8);
    // 2 tokens under a budget of 3: nothing to cut, from the left as from the right.
    expect((await embed({ input: [[7, 8], [9, 10, 11]], truncate_prompt_tokens: 3, truncation_side: "left" })).status).toBe(200);
    expect((await embed({ input: [7, 8], truncate_prompt_tokens: 3 })).status).toBe(200);
    expect(model.seen).toEqual([
      [7, 8],
      [9, 10, 11],
      [7, 8],
    ]);
  });

  it("truncate_prompt_tokens -1 means max_model_len, and a prompt over it is cut instead of refused", async () => {
    const { model, embed } = await serve(4);
    const r = await embed({ input: [1, 2, 3, 4, 5, 6], truncate_prompt_tokens: -1 });
    expect(r.status).toBe(200);
    expect(model.seen).toEqual([[1, 2, 3, 4]]);
  });

  it("truncate_prompt_tokens up to max_model_len is taken, above it is vLLM's 400", async () => {
    const { model, embed } = await serve(4);
    expect((await embed({ input: [1, 2, 3, 4, 5], truncate_prompt_tokens: 4 })).status).toBe(200);
    expect(model.seen).toEqual([[1, 2, 3, 4]]);
    const r = await embed({ input: [1, 2], truncate_prompt_tokens: 5 });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(
      badRequest("truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.", null),
    );
    expect(model.seen).toHaveLength(1);
  });

  it("a prompt left with no tokens is vLLM's engine 400: truncate_prompt_tokens 0, or \"\" without special tokens", async () => {
    const { model, embed } = await serve(8);
    const empty = badRequest("The decoder prompt cannot be empty", "input");
    expect((await embed({ input: [1, 2, 3], truncate_prompt_tokens: 0 })).body).toEqual(empty);
    expect((await embed({ input: "", add_special_tokens: false })).body).toEqual(empty);
    expect(model.seen).toEqual([]);
  });
});

describe("/v1/embeddings dimensions (vLLM's PoolingParams checks)", () => {
  it("refuses dimensions on a model without Matryoshka support, naming the field", async () => {
    const { embed } = await serve(8);
    const r = await embed({ input: [1, 2], dimensions: 2 });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(
      badRequest(`Model '${NAME}' does not support Matryoshka embeddings; dimensions must be unset (received dimensions=2).`, "dimensions"),
    );
  });

  it("takes only the listed Matryoshka sizes", async () => {
    const { embed } = await serve(8, { matryoshka: [1, 3] });
    const ok = await embed({ input: [4, 5, 6], dimensions: 1 });
    expect(ok.status).toBe(200);
    expect(ok.body.data[0].embedding).toEqual([3]);
    const r = await embed({ input: [4, 5, 6], dimensions: 2 });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(badRequest(`Model '${NAME}' only supports Matryoshka dimensions [1, 3], got 2.`, "dimensions"));
  });

  it("takes any size from 1 up on a Matryoshka model without a list, and refuses 0 and below", async () => {
    const { embed } = await serve(8, { matryoshka: true });
    const one = await embed({ input: [4, 5, 6], dimensions: 1 });
    expect(one.status).toBe(200);
    expect(one.body.data[0].embedding).toEqual([3]);
    for (const d of [0, -2]) {
      const r = await embed({ input: [4, 5, 6], dimensions: d });
      expect(r.status, `dimensions ${d}`).toBe(400);
      expect(r.body).toEqual(badRequest(`Model '${NAME}' only supports dimensions of at least 1, got ${d}.`, "dimensions"));
    }
  });
});
