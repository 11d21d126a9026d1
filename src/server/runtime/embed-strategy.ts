import type { EmbedOptions, Embedder } from "../../types.js";
import type { SequenceEmbedder } from "../../contracts/sequence-embedder.js";
import type { CoalesceStrategy } from "./coalescer.js";
import { runSplit, splitLanes } from "./split-call.js";

/** Embedding options that decide whether two requests may share a call. */
export type BatchableEmbedOptions = Omit<EmbedOptions, "signal" | "onProgress">;

/** One request's vectors and the tokens they cost. */
export interface EmbedResult {
  embeddings: Float32Array[];
  promptTokens: number;
}

/** The two embedding kinds a server coalesces; `tokens` exists when the embedder takes token ids. */
export interface EmbedStrategies {
  texts: CoalesceStrategy<string[], EmbedResult, BatchableEmbedOptions>;
  tokens: CoalesceStrategy<number[][], EmbedResult, BatchableEmbedOptions> | undefined;
}

/**
 * Embedding requests, text or token ids (two kinds, never merged with each other). Size is the
 * input count. Token-id sequences carry their own usage (exact); for text input the call's total
 * is shared out by text length (an estimate), and a lone request keeps the embedder's own count.
 */
export function embedStrategies(embedder: Embedder, sequences: SequenceEmbedder | undefined): EmbedStrategies {
  const texts: EmbedStrategies["texts"] = {
    kind: "embed-texts",
    size: (item) => item.length,
    lanes: () => splitLanes(embedder),
    async run(items, options, signal, parts) {
      const all = items.flat();
      const call = (texts: string[], s: AbortSignal): ReturnType<Embedder["embedWithUsage"]> => embedder.embedWithUsage(texts, { ...options, signal: s, prompt: false });
      const response =
        parts > 1
          ? await runSplit(all.map((t) => t.length), parts, signal, (start, end, s) => call(all.slice(start, end), s), joinEmbeddings)
          : await call(all, signal);
      const total = response.usage.promptTokens;
      if (items.length === 1) return [{ embeddings: response.embeddings, promptTokens: total }];
      const chars = items.map((ts) => ts.reduce((n, t) => n + t.length, 0));
      const totalChars = chars.reduce((a, b) => a + b, 0) || 1;
      let given = 0;
      return split(response.embeddings, items, (k) => {
        const share = k === items.length - 1 ? total - given : Math.round((total * (chars[k] as number)) / totalChars);
        given += share;
        return share;
      });
    },
  };
  const tokens: EmbedStrategies["tokens"] = sequences && {
    kind: "embed-tokens",
    size: (item) => item.length,
    lanes: () => splitLanes(sequences),
    async run(items, options, signal, parts) {
      const all = items.flat();
      const call = (seqs: number[][], s: AbortSignal): ReturnType<SequenceEmbedder["embedSequences"]> => sequences.embedSequences(seqs, { ...options, signal: s });
      const response =
        parts > 1
          ? await runSplit(all.map((q) => q.length), parts, signal, (start, end, s) => call(all.slice(start, end), s), joinEmbeddings)
          : await call(all, signal);
      return split(response.embeddings, items, (k) => (items[k] as number[][]).reduce((n, s) => n + s.length, 0));
    },
  };
  return { texts, tokens };
}

/** Hands each request its slice of the merged vectors, with the tokens `usage(k)` gives request k. */
function split(all: Float32Array[], items: ReadonlyArray<readonly unknown[]>, usage: (k: number) => number): EmbedResult[] {
  let offset = 0;
  return items.map((item, k) => {
    const embeddings = all.slice(offset, offset + item.length);
    offset += item.length;
    return { embeddings, promptTokens: usage(k) };
  });
}

/** The embedding answers of consecutive parts as one: vectors concatenated, usage summed. */
function joinEmbeddings<R extends { embeddings: Float32Array[]; usage: { promptTokens: number; totalTokens: number } }>(parts: R[]): R {
  const promptTokens = parts.reduce((n, p) => n + p.usage.promptTokens, 0);
  const totalTokens = parts.reduce((n, p) => n + p.usage.totalTokens, 0);
  return { ...(parts[0] as R), embeddings: parts.flatMap((p) => p.embeddings), usage: { promptTokens, totalTokens } };
}
