/**
 * `/v1/embeddings` on an embedder that takes text only (no token ids: a remote or custom
 * embedder), over the fake bi-encoder: what it can serve (text, truncate_prompt_tokens -1 or
 * max_model_len) and the 400s with their message and `param` for what it cannot (token ids, chat
 * messages, other truncation sizes); then the chat default of vLLM's pooling requests on a
 * token-id embedder (the tiny bi-encoder).
 */
import { describe, expect, it } from "vitest";
import type { EmbedOptions, EmbedResponse } from "../../src/types.js";
import { FakeBiEncoder } from "./fakes.js";
import { post, start } from "./helpers.js";
import { startShared, tiny } from "./vllm-conformance/support.js";

/** The fake bi-encoder with a log of the options each call got. */
class RecordingBiEncoder extends FakeBiEncoder {
  readonly embedCalls: Array<{ texts: string[]; options: EmbedOptions }> = [];

  override async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.embedCalls.push({ texts: [...texts], options: { ...options } });
    return super.embedWithUsage(texts, options);
  }
}

/** The fake's window (FakeScorer's default maxLength): max_model_len as the server reports it. */
const MAX = 32;
/** More whitespace tokens than the window holds. */
const LONG = Array.from({ length: MAX + 10 }, (_, i) => `w${i}`).join(" ");

async function serve(options: Record<string, unknown> = {}) {
  const model = new RecordingBiEncoder({ maxLength: MAX });
  const { url } = await start({ scorer: model, idleTimeoutMs: 120_000, ...options });
  return { model, embed: (body: Record<string, unknown>) => post(`${url}/v1/embeddings`, body), url };
}

describe("/v1/embeddings on a text-only embedder", () => {
  it("reports max_model_len as the fake's window (the value truncate_prompt_tokens is compared with)", async () => {
    const { url } = await serve();
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: Array<{ max_model_len: number }> };
    expect(models.data[0]?.max_model_len).toBe(MAX);
  });

  it("token-id input is a 400 on input", async () => {
    const { model, embed } = await serve();
    for (const input of [[1, 2, 3], [[1, 2], [3]]]) {
      const r = await embed({ input });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain("Token-id input needs an embedder that takes token ids");
      expect(r.body.error.param).toBe("input");
    }
    expect(model.embedCalls).toEqual([]);
  });

  it("without truncate_prompt_tokens a text longer than the window is refused (vLLM: a 400, no silent cut)", async () => {
    const { model, embed } = await serve();
    const r = await embed({ input: LONG });
    expect(r.status).toBe(400);
    expect(model.embedCalls[0]?.options.truncate).toBe(false);
    const ok = await embed({ input: "red car" });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it("truncate_prompt_tokens -1 and max_model_len cut the text to the window", async () => {
    const { model, embed } = await serve();
    for (const tpt of [-1, MAX]) {
      const r = await embed({ input: LONG, truncate_prompt_tokens: tpt });
      expect(r.status, `${tpt}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(r.body.usage.prompt_tokens).toBe(MAX);
    }
    expect(model.embedCalls.map((c) => c.options.truncate)).toEqual([true, true]);
    // null is vLLM's "not set" (PoolingBasicRequestMixin: `int | None`): no truncation asked.
    const unset = await embed({ input: "red car", truncate_prompt_tokens: null });
    expect(unset.status, JSON.stringify(unset.body)).toBe(200);
    expect(model.embedCalls[2]?.options.truncate).toBe(false);
  });

  it("any other truncate_prompt_tokens is a 400 on truncate_prompt_tokens (a text embedder cannot cut at N tokens)", async () => {
    const { model, embed } = await serve();
    const r = await embed({ input: "red car", truncate_prompt_tokens: 5 });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("truncate_prompt_tokens other than -1");
    expect(r.body.error.param).toBe("truncate_prompt_tokens");
    expect(model.embedCalls).toEqual([]);
  });

  it("more inputs than maxDocuments is a 400 on input (the request's field)", async () => {
    const { model, embed } = await serve({ maxDocuments: 2 });
    const r = await embed({ input: ["a", "b", "c"] });
    expect(r.status).toBe(400);
    expect(r.body.error.param).toBe("input");
    expect(model.embedCalls).toEqual([]);
  });
});

describe("chat messages on a token-id embedder", () => {
  it("no generation prompt unless asked (vLLM's pooling ChatRequestMixin: add_generation_prompt defaults to False)", async () => {
    const scorer = await tiny("bi-encoder-mean");
    // Test-owned template: the contents, then three more words only with a generation prompt.
    const chatTemplate = "{% for m in messages %}{{ m.content }} {% endfor %}{% if add_generation_prompt %}the answer is{% endif %}";
    const { url } = await startShared({ scorer, chatTemplate, idleTimeoutMs: 120_000 });
    const count = async (extra: Record<string, unknown>): Promise<number> => {
      const r = await post(`${url}/v1/embeddings`, { messages: [{ role: "user", content: "red car" }], ...extra });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.usage.prompt_tokens as number;
    };
    const plain = await count({});
    expect(plain).toBe(await count({ add_generation_prompt: false }));
    expect(await count({ add_generation_prompt: true })).toBeGreaterThan(plain);
  });
});
