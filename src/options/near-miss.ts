/**
 * "Did you mean" candidates for a misspelled option name, the way TypeScript suggests a close
 * property: names equal up to case, `_` and `-` come first (`top_n`, `scoretype`), then names
 * within an edit distance of about a third of their length (`topK` -> `topN`).
 */
export function nearMisses(name: string, candidates: readonly string[]): string[] {
  const loose = (s: string): string => s.toLowerCase().replace(/[_-]/g, "");
  const exact = candidates.filter((c) => loose(c) === loose(name));
  if (exact.length > 0) return exact;
  const limit = Math.max(1, Math.floor(name.length * 0.34));
  return candidates
    .map((c) => ({ c, d: editDistance(loose(name), loose(c)) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d)
    .map(({ c }) => c);
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const prev = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = d;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
