/**
 * Truncation that keeps a score template intact. An LLM reranker reads the logits at the last
 * position, so cutting the end of the rendered prompt (what a tokenizer's `truncation=True` does)
 * removes the template's suffix (`<|im_end|>\n<|im_start|>assistant\n...`) and scores garbage.
 * Instead the contents are cut: the document's tokens from its end first, then the query's, and
 * every template token (prefix, the text between, suffix) is kept, as the Qwen3-Reranker model
 * card's code (prefix + truncated body + suffix) and sentence-transformers' suffix restoring do.
 */

/** Where the query's and the document's tokens sit in a rendered prompt: `[start, end)` each. */
export interface ContentSpans {
  query: [number, number];
  document: [number, number];
}

/** Token caps and the overall limit for {@link truncateContents}. */
export interface ContentLimits {
  /** Longest prompt in tokens (after the caps). */
  limit: number;
  /** Keep at most this many document tokens (vLLM `max_tokens_per_doc`). */
  maxDocumentTokens?: number | undefined;
  /** Keep at most this many query tokens (vLLM `max_tokens_per_query`). */
  maxQueryTokens?: number | undefined;
  /** Tokens the tokenizer adds around the prompt (e.g. Gemma's `<bos>`), counted in `limit`. */
  specialTokens?: number | undefined;
}

/**
 * Cuts the contents of a rendered prompt: caps first, then, while the prompt is longer than
 * `limit`, document tokens from the document's end, then query tokens from the query's end. When
 * both are empty and the prompt is still too long, the template alone does not fit: the result
 * is returned over the limit and the caller decides (an error, usually).
 *
 * @param ids the rendered prompt's tokens (without special tokens)
 * @returns new arrays; the input is not modified
 * @example
 * truncateContents([1, 2, 3, 4, 5, 6], { query: [1, 2], document: [3, 5] }, { limit: 4 }) // [1, 2, 3, 6]
 */
export function truncateContents(ids: readonly number[], spans: ContentSpans, limits: ContentLimits): number[] {
  const [qs, qe] = spans.query;
  const [ds, de] = spans.document;
  if (!(0 <= qs && qs <= qe && qe <= ds && ds <= de && de <= ids.length)) {
    throw new RangeError(`content spans out of order: query [${qs}, ${qe}), document [${ds}, ${de}) in ${ids.length} tokens`);
  }
  let keepQ = qe - qs;
  let keepD = de - ds;
  if (limits.maxQueryTokens) keepQ = Math.min(keepQ, limits.maxQueryTokens);
  if (limits.maxDocumentTokens) keepD = Math.min(keepD, limits.maxDocumentTokens);
  const fixed = ids.length - (qe - qs) - (de - ds) + (limits.specialTokens ?? 0);
  let over = fixed + keepQ + keepD - limits.limit;
  if (over > 0) {
    const cut = Math.min(over, keepD);
    keepD -= cut;
    over -= cut;
  }
  if (over > 0) keepQ -= Math.min(over, keepQ);
  return [...ids.slice(0, qs + keepQ), ...ids.slice(qe, ds + keepD), ...ids.slice(de)];
}

/** Length of the longest common prefix of two token arrays. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/** Length of the longest common suffix of two token arrays. */
export function commonSuffix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

/**
 * Locates one content's tokens in a prompt by comparing it with renders where that content was
 * replaced by different fillers: what all of them share at the start and at the end is template.
 * Two fillers guard against a content that happens to begin or end like one of them.
 * @returns `[start, end)` in `ids`
 */
export function locateContent(ids: readonly number[], alternatives: ReadonlyArray<readonly number[]>): [number, number] {
  let start = ids.length;
  let tail = ids.length;
  for (const alt of alternatives) {
    start = Math.min(start, commonPrefix(ids, alt));
    tail = Math.min(tail, commonSuffix(ids, alt));
  }
  const end = Math.max(start, ids.length - tail);
  return [start, end];
}
