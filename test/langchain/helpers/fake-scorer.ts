import { AbortError, BaseScorer, throwIfAborted } from "../../../src/index.js";
import type { Embedder, EmbedOptions, EmbedResponse, ScoreInput, ScoreOptions, ScoreResponse, Tokenization, TokenizerAccess } from "../../../src/index.js";

const words = (text: string): string[] => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/**
 * Independent reference score: how many distinct query words the document contains, plus a
 * tie-breaker that prefers shorter documents. Tests compute expectations with this function,
 * not with the compressor.
 */
export function lexicalScore(query: string, document: string): number {
  const doc = new Set(words(document));
  const hits = new Set(words(query).filter((w) => doc.has(w))).size;
  return hits + 1 / (2 + words(document).length);
}

/** A deterministic cross-encoder stand-in that records every call. */
export class FakeScorer extends BaseScorer {
  readonly scoreType = "cross-encoder" as const;
  readonly model = "fake-lexical";
  readonly calls: Array<{ queries: ScoreInput | ScoreInput[]; documents: ScoreInput | ScoreInput[]; options: ScoreOptions | undefined }> = [];
  /** Resolve each call only after this many ms (to test abort). */
  delayMs = 0;

  async scoreWithUsage(queries: ScoreInput | ScoreInput[], documents: ScoreInput | ScoreInput[], options?: ScoreOptions): Promise<ScoreResponse> {
    this.calls.push({ queries, documents, options });
    throwIfAborted(options?.signal);
    if (this.delayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.delayMs);
        options?.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new AbortError());
        });
      });
      throwIfAborted(options?.signal);
    }
    const qs = Array.isArray(queries) ? queries : [queries];
    const ds = Array.isArray(documents) ? documents : [documents];
    const scores = ds.map((d, i) => lexicalScore(String(qs.length === 1 ? qs[0] : qs[i]), String(d)));
    return { scores, usage: { promptTokens: 0, totalTokens: 0 } };
  }

  async close(): Promise<void> {}
}

/** A fake scorer with a whitespace tokenizer and a small model length, for long-document tests. */
export class FakeTokenizingScorer extends FakeScorer implements TokenizerAccess {
  constructor(readonly maxLength: number) {
    super();
  }

  tokenize(text: string, options?: { addSpecialTokens?: boolean }): Tokenization {
    const tokens = words(text);
    const all = options?.addSpecialTokens === false ? tokens : ["[CLS]", ...tokens, "[SEP]"];
    return { ids: all.map((_, i) => i), tokens: all };
  }

  documentTokenBudget(query: string): number {
    return this.maxLength - words(query).length - 3;
  }

  splitIntoWindows(text: string, maxTokens: number, overlapTokens: number): string[] {
    const tokens = words(text);
    if (tokens.length <= maxTokens) return [tokens.join(" ")];
    const windows: string[] = [];
    for (let start = 0; ; start += maxTokens - overlapTokens) {
      windows.push(tokens.slice(start, start + maxTokens).join(" "));
      if (start + maxTokens >= tokens.length) return windows;
    }
  }

  /** What the model sees of `text` under truncation: its first budget tokens. */
  truncated(query: string, text: string): string {
    return words(text).slice(0, this.documentTokenBudget(query)).join(" ");
  }

  override async scoreWithUsage(queries: ScoreInput | ScoreInput[], documents: ScoreInput | ScoreInput[], options?: ScoreOptions): Promise<ScoreResponse> {
    const q = String(Array.isArray(queries) ? queries[0] : queries);
    const ds = (Array.isArray(documents) ? documents : [documents]).map((d) => this.truncated(q, String(d)));
    return super.scoreWithUsage(queries, ds, options);
  }
}

/** Hashes words into a small vector; records the `kind` of every call. */
export class FakeEmbedder implements Embedder {
  readonly model = "fake-hash";
  readonly calls: Array<{ texts: string[]; options: EmbedOptions | undefined }> = [];
  failWith: Error | undefined;

  async embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  async embedWithUsage(texts: string[], options?: EmbedOptions): Promise<EmbedResponse> {
    this.calls.push({ texts: [...texts], options });
    if (this.failWith) throw this.failWith;
    return { embeddings: texts.map((t) => hashVector(t)), usage: { promptTokens: 0, totalTokens: 0 } };
  }
}

/** The bag-of-words vector FakeEmbedder returns, computed independently for expectations. */
export function hashVector(text: string, dim = 16): Float32Array {
  const v = new Float32Array(dim);
  for (const w of words(text)) {
    let h = 0;
    for (const c of w) h = (h * 31 + c.charCodeAt(0)) % 9973;
    v[h % dim] = (v[h % dim] ?? 0) + 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}
