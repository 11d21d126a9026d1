import { BaseScorer } from "../../src/base-scorer.js";
import { ContextLengthError } from "../../src/errors/context-length-error.js";
import { InvalidInputError } from "../../src/errors/invalid-input-error.js";
import { throwIfAborted } from "../../src/errors/abort-error.js";
import { toPairs } from "../../src/scoring/pairing.js";
import type {
  EmbedOptions,
  EmbedResponse,
  Embedder,
  ScoreInput,
  ScoreOptions,
  ScoreResponse,
  ScoreType,
  TokenEmbedder,
  TokenEmbeddings,
  Tokenization,
} from "../../src/types.js";

/** Whitespace tokens, plus [CLS]/[SEP] when asked. */
export function fakeTokenize(text: string, addSpecialTokens = true): Tokenization {
  const words = text.split(/\s+/).filter(Boolean);
  const tokens = addSpecialTokens ? ["[CLS]", ...words, "[SEP]"] : words;
  return { tokens, ids: tokens.map((t) => [...t].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 30000, 7)) };
}

/** Tokens of a pair as the fake counts them: [CLS] q [SEP] d [SEP]. */
export function pairTokens(q: string, d: string): number {
  return fakeTokenize(q, false).tokens.length + fakeTokenize(d, false).tokens.length + 3;
}

/** The fake's score: shared words over document words (a test-owned formula). */
export function overlapScore(q: string, d: string): number {
  const qs = new Set(q.toLowerCase().split(/\s+/).filter(Boolean));
  const ds = d.toLowerCase().split(/\s+/).filter(Boolean);
  if (ds.length === 0) return 0;
  return ds.filter((w) => qs.has(w)).length / ds.length;
}

/** Options of {@link FakeScorer}. */
export interface FakeOptions {
  maxLength?: number;
  delayMs?: number;
  /** Leave out `pairTokens` (a scorer that only reports totals). */
  noPairTokens?: boolean;
  /** Throw for any pair whose document equals this text. */
  poison?: string;
  /** Block the thread this long per call, as ONNX Runtime's synchronous run() does. */
  spinMs?: number;
  /**
   * A shared counter: each call blocks its thread until two calls have arrived (Atomics.wait),
   * so a call returns only if another one ran at the same time on another thread.
   */
  rendezvous?: SharedArrayBuffer;
  /** How long a call waits for its partner before failing. @default 10000 */
  rendezvousTimeoutMs?: number;
  /** Hold every call until this settles: the test decides when "inference" ends, not a timer. */
  gate?: Promise<void>;
}

/** A cross-encoder-like scorer with a transparent formula, a tokenizer, and a call log. */
export class FakeScorer extends BaseScorer {
  readonly scoreType: ScoreType = "cross-encoder";
  readonly model = "fake/cross-encoder";
  readonly maxLength: number;
  readonly calls: Array<{ pairs: number; options: ScoreOptions }> = [];
  closed = false;

  constructor(readonly fake: FakeOptions = {}) {
    super();
    this.maxLength = fake.maxLength ?? 32;
  }

  tokenize(text: string, options?: { addSpecialTokens?: boolean }): Tokenization {
    return fakeTokenize(text, options?.addSpecialTokens ?? true);
  }

  async scoreWithUsage(
    queries: ScoreInput | ScoreInput[],
    documents: ScoreInput | ScoreInput[],
    options: ScoreOptions = {},
  ): Promise<ScoreResponse> {
    const pairs = toPairs(queries, documents);
    this.calls.push({ pairs: pairs.queries.length, options: { ...options } });
    if (this.fake.delayMs) await new Promise((r) => setTimeout(r, this.fake.delayMs));
    if (this.fake.gate) await this.fake.gate;
    if (this.fake.spinMs) {
      const until = performance.now() + this.fake.spinMs;
      while (performance.now() < until) {
        // Busy-wait: stands in for native inference that holds the thread.
      }
    }
    if (this.fake.rendezvous) meet(new Int32Array(this.fake.rendezvous), this.fake.rendezvousTimeoutMs ?? 10_000);
    throwIfAborted(options.signal);
    const scores: number[] = [];
    const tokens: number[] = [];
    pairs.queries.forEach((q, i) => {
      const d = pairs.documents[i];
      if (typeof q !== "string" || typeof d !== "string") {
        throw new InvalidInputError("MultiModalParam is not supported for FakeScorer");
      }
      if (d === "crash-the-thread") process.exit(3);
      if (d === this.fake.poison) throw new InvalidInputError(`poisoned document ${JSON.stringify(d)}`);
      let n = pairTokens(q, d);
      if (n > this.maxLength) {
        if (options.truncate === false) throw new ContextLengthError(this.maxLength, n);
        n = this.maxLength;
      }
      if (options.truncatePromptTokens !== undefined && options.truncatePromptTokens > 0) {
        n = Math.min(n, options.truncatePromptTokens);
      }
      const raw = overlapScore(q, d);
      scores.push(options.activation === false ? raw : 1 / (1 + Math.exp(-raw)));
      tokens.push(n);
    });
    const total = tokens.reduce((a, b) => a + b, 0);
    const response: ScoreResponse = { scores, usage: { promptTokens: total, totalTokens: total } };
    if (!this.fake.noPairTokens) response.pairTokens = tokens;
    return response;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Counts this call in and blocks the thread until a second call has arrived (or throws after `timeoutMs`). */
function meet(cell: Int32Array, timeoutMs: number): void {
  Atomics.add(cell, 0, 1);
  Atomics.notify(cell, 0);
  const deadline = Date.now() + timeoutMs;
  for (let seen = Atomics.load(cell, 0); seen < 2; seen = Atomics.load(cell, 0)) {
    const left = deadline - Date.now();
    if (left <= 0 || Atomics.wait(cell, 0, seen, left) === "timed-out") {
      throw new Error("rendezvous timed out: no other call ran at the same time");
    }
  }
}

/** The fake embedding of a text: [length, word count, vowels], L2-normalised unless normalize false. */
export function fakeEmbedding(text: string, normalize = true): Float32Array {
  const v = [text.length, text.split(/\s+/).filter(Boolean).length, (text.match(/[aeiou]/g) ?? []).length];
  const norm = Math.hypot(...v) || 1;
  return Float32Array.from(normalize ? v.map((x) => x / norm) : v);
}

/** A bi-encoder-like fake that is a Scorer and an Embedder. */
export class FakeBiEncoder extends FakeScorer implements Embedder {
  override readonly scoreType: ScoreType = "bi-encoder";

  async embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return (await this.embedWithUsage(texts, options)).embeddings;
  }

  async embedWithUsage(texts: string[], options: EmbedOptions = {}): Promise<EmbedResponse> {
    let total = 0;
    const embeddings = texts.map((t) => {
      const n = fakeTokenize(t).ids.length;
      if (n > this.maxLength && options.truncate === false) throw new ContextLengthError(this.maxLength, n);
      total += Math.min(n, this.maxLength);
      const e = fakeEmbedding(t, options.normalize ?? true);
      return options.dimensions ? e.slice(0, options.dimensions) : e;
    });
    return { embeddings, usage: { promptTokens: total, totalTokens: total } };
  }
}

/** A ColBERT-like fake: one 2-d row per word. */
export class FakeTokenEmbedder extends FakeScorer implements TokenEmbedder {
  override readonly scoreType: ScoreType = "late-interaction";

  async embedTokens(texts: string[]): Promise<TokenEmbeddings[]> {
    return texts.map((t) => {
      const words = t.split(/\s+/).filter(Boolean);
      const data = new Float32Array(words.length * 2);
      words.forEach((w, i) => {
        data[i * 2] = w.length;
        data[i * 2 + 1] = i;
      });
      return { data, tokens: words.length, dim: 2 };
    });
  }
}
