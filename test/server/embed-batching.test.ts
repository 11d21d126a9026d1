import { describe, expect, it } from "vitest";
import type { BiEncoderScorer } from "../../src/local/index.js";
import type { EmbedOptions, EmbedResponse } from "../../src/types.js";
import { FakeBiEncoder, fakeEmbedding, fakeTokenize } from "./fakes.js";
import { post, start } from "./helpers.js";
import { startShared, tiny } from "./vllm-conformance/support.js";

/** A fake bi-encoder that records its embedder calls and takes a while. */
class CountingBiEncoder extends FakeBiEncoder {
  readonly sizes: number[] = [];
  override async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    this.sizes.push(texts.length);
    await new Promise((r) => setTimeout(r, 20));
    return super.embedWithUsage(texts, options);
  }
}

describe("embedding request batches", () => {
  it("merges concurrent /v1/embeddings requests into fewer embedder calls, answers split back in order", async () => {
    const embedder = new CountingBiEncoder();
    const { url } = await start({ scorer: embedder, batching: { maxWaitMs: 5 } });
    const bodies = Array.from({ length: 10 }, (_, i) => ({ input: [`text ${i}`, `another ${i} aeiou`] }));
    const answers = await Promise.all(bodies.map((b) => post(`${url}/v1/embeddings`, b)));
    expect(embedder.sizes.length).toBeLessThan(bodies.length);
    expect(Math.max(...embedder.sizes)).toBeGreaterThan(2);
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      bodies[i]!.input.forEach((t, j) => expect(a.body.data[j].embedding).toEqual(Array.from(fakeEmbedding(t))));
    });
    // Text usage of a merged call is shared by length: the total is exact.
    const total = answers.reduce((n, a) => n + a.body.usage.prompt_tokens, 0);
    expect(total).toBe(bodies.flatMap((b) => b.input).reduce((n, t) => n + fakeTokenize(t).ids.length, 0));
  });

  it("token-id batches keep exact per-request usage on a real bi-encoder", async () => {
    const scorer = (await tiny("bi-encoder-mean")) as BiEncoderScorer;
    let calls = 0;
    const original = scorer.embedSequences.bind(scorer);
    scorer.embedSequences = async (seqs, options) => {
      calls++;
      return original(seqs, options);
    };
    const { url } = await startShared({ scorer, batching: { maxWaitMs: 20 } });
    const texts = Array.from({ length: 8 }, (_, i) => `document number ${i} ${"word ".repeat(i)}`);
    const answers = await Promise.all(texts.map((t) => post(`${url}/v1/embeddings`, { input: t })));
    expect(calls).toBeLessThan(texts.length);
    answers.forEach((a, i) => expect(a.body.usage.prompt_tokens).toBe(scorer.tokenize(texts[i]!).ids.length));
  });
});
