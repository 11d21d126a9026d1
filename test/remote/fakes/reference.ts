/**
 * An independent reference scorer for the fake servers: the logit is the number of query words
 * found in the document minus a quarter of the document's length in words; the score is its
 * sigmoid. Deterministic, and unrelated to the client's code.
 */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** A multimodal item's text parts, joined; images contribute nothing. */
export function textOf(input: unknown): string {
  if (typeof input === "string") return input;
  const parts = (input as { content?: { type: string; text?: string }[] }).content ?? [];
  return parts.map((p) => (p.type === "text" ? (p.text ?? "") : "")).join(" ");
}

export function refLogit(query: unknown, doc: unknown): number {
  const q = new Set(words(textOf(query)));
  const d = words(textOf(doc));
  return d.filter((w) => q.has(w)).length - d.length / 4;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export function refScore(query: unknown, doc: unknown): number {
  return sigmoid(refLogit(query, doc));
}

/** Tokens of one pair as the fake server counts them ([CLS] q [SEP] d [SEP]). */
export function refTokens(query: unknown, doc: unknown): number {
  return words(textOf(query)).length + words(textOf(doc)).length + 3;
}

/** A deterministic 4-d embedding of a text (before normalization). */
export function refEmbedding(text: string): number[] {
  const w = words(text);
  return [w.length + 1, text.length % 7, (text.match(/[aeiou]/g) ?? []).length, text.includes("paris") ? 5 : 1];
}

export function l2normalize(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Float32 little-endian bytes of `v`, base64. */
export function toBase64(v: number[]): string {
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString("base64");
}

/** Ranks `{index, score}` by score descending, ties in input order (Python's stable sort). */
export function sortStable<T extends { score: number }>(items: T[]): T[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => b.item.score - a.item.score || a.i - b.i)
    .map((x) => x.item);
}
