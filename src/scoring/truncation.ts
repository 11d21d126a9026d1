/**
 * Pair truncation exactly as Hugging Face tokenizers' Rust `LongestFirst` strategy
 * (`tokenizers/src/utils/truncation.rs`), which every Python reference uses through fast tokenizers.
 * transformers.js instead chops the joined pair after adding special tokens and loses the final
 * separator; rerank-kit applies this rule before adding special tokens.
 */

/**
 * How many tokens of each sequence survive longest-first truncation to a budget of `max` tokens
 * (special tokens already subtracted).
 *
 * 1. Both fit: nothing is cut.
 * 2. The shorter one fits in half the budget: only the longer one is cut, to `max - shorter`.
 * 3. Otherwise both are cut: the shorter keeps `floor(max/2)`, the longer `ceil(max/2)`; with equal
 *    lengths the first keeps `floor` and the second `ceil`.
 *
 * @example longestFirst(8, 8, 7) // [3, 4]
 */
export function longestFirst(lengthA: number, lengthB: number, max: number): [number, number] {
  if (max < 0) max = 0;
  if (lengthA + lengthB <= max) return [lengthA, lengthB];
  const shorter = Math.min(lengthA, lengthB);
  const half = Math.floor(max / 2);
  if (shorter <= max / 2) {
    return lengthA <= lengthB ? [lengthA, max - lengthA] : [max - lengthB, lengthB];
  }
  const low = half;
  const high = max - half;
  if (lengthA === lengthB) return [low, high];
  return lengthA < lengthB ? [low, high] : [high, low];
}

/**
 * Cuts `ids` to `keep` tokens from the given side (`right` keeps the first tokens, `left` the last).
 * Returns a new array; the input is never modified.
 */
export function truncateIds<T>(ids: readonly T[], keep: number, side: "left" | "right" = "right"): T[] {
  if (keep >= ids.length) return ids.slice();
  if (keep <= 0) return [];
  return side === "right" ? ids.slice(0, keep) : ids.slice(ids.length - keep);
}
