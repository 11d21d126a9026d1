// vLLM's bi-encoder score over fake embedders and tokenizers: when it may be split over the
// embedder's idle workers, what reaches embedSequences, and max_tokens_per_query / _doc with
// tokenizers whose special tokens sit only at one end or change the first word's id.
import { describe, expect, it } from "vitest";
import { ContextLengthError } from "../../../src/errors/context-length-error.js";
import { splitLanes } from "../../../src/server/runtime/split-call.js";
import { vllmBiEncoderScorer } from "../../../src/server/runtime/vllm-bi-encoder.js";
import type { Embedder, EmbedOptions } from "../../../src/types.js";

type Shape = "both" | "bos" | "eos" | "prefix";
/**
 * Word tokenizer: a word's id is its length + 10. `both`: [CLS]=1 ... [SEP]=2; `bos`: 1 ...;
 * `eos`: ... 2; `prefix`: 1 ... 2 with the first word's id + 100 (as a SentencePiece "▁" prefix
 * changes the first token), so the plain ids are not a run inside the full ones.
 */
const tokenizer = (maxLength: number, shape: Shape = "both") => ({
  maxLength,
  tokenize: (text: string, o?: { addSpecialTokens?: boolean }) => {
    const words = text.split(" ").filter(Boolean).map((w) => w.length + 10);
    if (o?.addSpecialTokens === false) return { ids: words, tokens: words.map(String) };
    const body = shape === "prefix" ? words.map((w, i) => (i === 0 ? w + 100 : w)) : words;
    const ids = shape === "bos" ? [1, ...body] : shape === "eos" ? [...body, 2] : [1, ...body, 2];
    return { ids, tokens: ids.map(String) };
  },
});

/** A sequence embedder recording the ids and options it is given. */
function seqEmbedder(extra: object = {}): { embedder: Embedder; seen: number[][]; options: EmbedOptions[] } {
  const seen: number[][] = [];
  const options: EmbedOptions[] = [];
  const embedder = {
    model: "m",
    embed: async () => [],
    embedWithUsage: async () => ({ embeddings: [], usage: { promptTokens: 0, totalTokens: 0 } }),
    embedSequences: async (seqs: number[][], o: EmbedOptions) => {
      seen.push(...seqs);
      options.push(o);
      return { embeddings: seqs.map((s) => Float32Array.of(s.reduce((a, b) => a + b, 0), s.length)), usage: { promptTokens: 0, totalTokens: 0 } };
    },
    sequenceEmbed: true,
    ...extra,
  } as unknown as Embedder;
  return { embedder, seen, options };
}

describe("vllmBiEncoderScorer splitting", () => {
  it("splits over the embedder's idle workers only with a tokenizer and a batch-invariant embedder", () => {
    const exact = seqEmbedder({ idleWorkers: 3, batchInvariant: true }).embedder;
    const inexact = seqEmbedder({ idleWorkers: 3, batchInvariant: false }).embedder;
    const unsaid = seqEmbedder({ idleWorkers: 3 }).embedder;
    expect(splitLanes(vllmBiEncoderScorer(exact, tokenizer(100)))).toBe(3);
    expect(splitLanes(vllmBiEncoderScorer(inexact, tokenizer(100)))).toBe(1);
    expect(splitLanes(vllmBiEncoderScorer(unsaid, tokenizer(100)))).toBe(1);
    // Without a tokenizer the per-pair tokens are a per-call average: parts would change them.
    expect(splitLanes(vllmBiEncoderScorer(exact, undefined))).toBe(1);
  });
});

describe("vllmBiEncoderScorer token ids", () => {
  it("passes normalize (from activation) and the caller's signal to embedSequences", async () => {
    const { embedder, options } = seqEmbedder();
    const signal = new AbortController().signal;
    await vllmBiEncoderScorer(embedder, tokenizer(100)).scoreWithUsage("a", "b", { activation: false, signal });
    expect(options).toEqual([{ normalize: false, signal }]);
  });

  it("leaves a side at or under its limit as the tokenizer gave it, even when the plain ids are not a run in it", async () => {
    const { embedder, seen } = seqEmbedder();
    await vllmBiEncoderScorer(embedder, tokenizer(100, "prefix")).scoreWithUsage("a bb", "ccc", { maxTokensPerQuery: 2, maxTokensPerDoc: 3 });
    expect(seen).toEqual([[1, 111, 12, 2], [1, 113, 2]]);
  });

  it("cuts a side whose plain ids are not a run in the full ids to its first max tokens", async () => {
    const { embedder, seen } = seqEmbedder();
    await vllmBiEncoderScorer(embedder, tokenizer(100, "prefix")).scoreWithUsage("a bb ccc", "d", { maxTokensPerQuery: 2 });
    expect(seen[0]).toEqual([1, 111]);
  });

  it("cuts the words but keeps an end-of-sequence token, and finds words that end the ids", async () => {
    const eos = seqEmbedder();
    await vllmBiEncoderScorer(eos.embedder, tokenizer(100, "eos")).scoreWithUsage("a bb ccc", "d", { maxTokensPerQuery: 2 });
    expect(eos.seen[0]).toEqual([11, 12, 2]);
    const bos = seqEmbedder();
    await vllmBiEncoderScorer(bos.embedder, tokenizer(100, "bos")).scoreWithUsage("a bb ccc", "d", { maxTokensPerQuery: 2 });
    expect(bos.seen[0]).toEqual([1, 11, 12]);
  });

  it("takes a text of exactly max length without truncation, and leaves a short text whole when truncating left", async () => {
    const { embedder, seen } = seqEmbedder();
    const scorer = vllmBiEncoderScorer(embedder, tokenizer(4));
    await scorer.scoreWithUsage("a", "b cc", {});
    expect(seen.pop()).toEqual([1, 11, 12, 2]);
    await expect(scorer.scoreWithUsage("a", "b cc ddd", {})).rejects.toBeInstanceOf(ContextLengthError);
    await scorer.scoreWithUsage("a", "b", { truncate: true, truncationSide: "left" });
    expect(seen.pop()).toEqual([1, 11, 2]);
  });
});
