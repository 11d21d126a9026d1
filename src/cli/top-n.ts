import { InvalidScoreError } from "../errors/invalid-score-error.js";

/** One scored document line of `rerank`. */
export interface Scored {
  index: number;
  score: number;
  text: string;
}

/**
 * The best `n` of a stream of scored documents, best first, ties in input order (as the library's
 * stable ranking). Holds at most `n` entries, however long the stream.
 */
export class TopN {
  private readonly kept: Scored[] = [];

  constructor(private readonly n: number) {}

  /** @throws {InvalidScoreError} for a NaN score, which cannot be ranked. */
  add(item: Scored): void {
    if (Number.isNaN(item.score)) throw new InvalidScoreError(`Score of line ${item.index + 1} is NaN; refusing to rank it`, { index: item.index });
    const kept = this.kept;
    if (kept.length >= this.n && item.score <= (kept[kept.length - 1] as Scored).score) return;
    // First position whose score is lower: equal scores stay ahead (earlier input first).
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((kept[mid] as Scored).score >= item.score) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, item);
    if (kept.length > this.n) kept.pop();
  }

  /** The kept entries, best first. */
  sorted(): Scored[] {
    return [...this.kept];
  }
}
