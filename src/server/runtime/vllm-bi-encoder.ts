import { ContextLengthError } from "../../errors/context-length-error.js";
import { cosine } from "../../scoring/similarity.js";
import type { Embedder, ScoreOptions, ScoreResponse, Scorer } from "../../types.js";
import { has } from "../../contracts/capabilities.js";
import type { Tokenizer } from "../../contracts/tokenizer.js";

/** The one method the score batcher calls. */
export type PairScorer = Pick<Scorer, "scoreWithUsage">;

/**
 * vLLM's bi-encoder score (`BiEncoderIOProcessor`): each distinct query and document is embedded
 * on its own, as given (no prompts), exactly as `/v1/embeddings` would embed it; the score is the
 * cosine. Usage counts query + one pad + document tokens per pair. With a tokenizer and a
 * sequence embedder the server renders the token ids itself, so `max_tokens_per_query`,
 * `max_tokens_per_doc` and `truncate_prompt_tokens` apply as on vLLM.
 */
export function vllmBiEncoderScorer(embedder: Embedder, tokenizer: Tokenizer | undefined): PairScorer & { readonly idleWorkers: unknown; readonly batchInvariant: boolean } {
  return {
    // A split may run on the embedder's idle workers: each pair's cosine and token count depend
    // only on its own two texts, except the tokenizer-less estimate (a per-call average).
    get idleWorkers(): unknown {
      return (embedder as { idleWorkers?: unknown }).idleWorkers;
    },
    get batchInvariant(): boolean {
      return tokenizer !== undefined && (embedder as { batchInvariant?: unknown }).batchInvariant === true;
    },
    async scoreWithUsage(queries, documents, options: ScoreOptions = {}): Promise<ScoreResponse> {
      const qs = (Array.isArray(queries) ? queries : [queries]) as string[];
      const ds = (Array.isArray(documents) ? documents : [documents]) as string[];
      const keys = [...qs.map((q) => `q${q}`), ...ds.map((d) => `d${d}`)];
      const unique = [...new Set(keys)];
      const texts = unique.map((k) => k.slice(1));
      const kinds = unique.map((k) => (k[0] === "q" ? "query" : "document") as "query" | "document");
      const normalize = options.activation !== false;
      let vectors: Float32Array[];
      let tokens: number[];
      if (tokenizer && has(embedder, "sequenceEmbed")) {
        const sequences = await Promise.all(texts.map((t, i) => render(tokenizer, t, kinds[i] as "query" | "document", options)));
        vectors = (await embedder.embedSequences(sequences, { normalize, signal: options.signal })).embeddings;
        tokens = sequences.map((s) => s.length);
      } else {
        const response = await embedder.embedWithUsage(texts, { prompt: false, normalize, truncate: options.truncate, signal: options.signal });
        vectors = response.embeddings;
        tokens = tokenizer
          ? await Promise.all(texts.map(async (t) => Math.min((await tokenizer.tokenize(t)).ids.length, tokenizer.maxLength)))
          : texts.map(() => response.usage.promptTokens / Math.max(1, texts.length));
      }
      const index = new Map(unique.map((k, i) => [k, i]));
      const pairTokens: number[] = [];
      const scores = qs.map((q, p) => {
        const qi = index.get(`q${q}`) as number;
        const di = index.get(`d${ds[p] as string}`) as number;
        pairTokens.push(Math.round((tokens[qi] as number) + 1 + (tokens[di] as number)));
        return cosine(vectors[qi] as Float32Array, vectors[di] as Float32Array);
      });
      const total = pairTokens.reduce((a, b) => a + b, 0);
      return { scores, usage: { promptTokens: total, totalTokens: total }, pairTokens };
    },
  };
}

/** One text's token ids with vLLM's per-side limits and prompt truncation. */
async function render(tokenizer: Tokenizer, text: string, kind: "query" | "document", options: ScoreOptions): Promise<number[]> {
  const full = (await tokenizer.tokenize(text)).ids;
  const perSide = kind === "query" ? options.maxTokensPerQuery : options.maxTokensPerDoc;
  let ids = full;
  if (perSide) {
    const raw = (await tokenizer.tokenize(text, { addSpecialTokens: false })).ids;
    if (raw.length > perSide) {
      const at = indexOfRun(full, raw);
      ids = at < 0 ? full.slice(0, perSide) : [...full.slice(0, at), ...raw.slice(0, perSide), ...full.slice(at + raw.length)];
    }
  }
  const max = tokenizer.maxLength;
  if (options.truncate === false || (options.truncate === undefined && options.truncatePromptTokens === undefined)) {
    if (ids.length > max) throw new ContextLengthError(max, ids.length);
    return ids;
  }
  const limit = options.truncatePromptTokens === undefined || options.truncatePromptTokens === -1 ? max : options.truncatePromptTokens;
  if (ids.length <= limit) return ids;
  return options.truncationSide === "left" ? ids.slice(ids.length - limit) : ids.slice(0, limit);
}

/** Where `run` starts inside `ids`, or -1. */
function indexOfRun(ids: number[], run: number[]): number {
  if (run.length === 0) return -1;
  outer: for (let i = 0; i + run.length <= ids.length; i++) {
    for (let j = 0; j < run.length; j++) if (ids[i + j] !== run[j]) continue outer;
    return i;
  }
  return -1;
}
