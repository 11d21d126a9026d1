/** Correlation of two score lists, for reports that compare one engine or precision with another. */

/**
 * Pearson's correlation coefficient of two equally long lists. NaN when it is undefined: fewer
 * than two values, or a list without spread (all values equal).
 *
 * @throws {RangeError} when the lists differ in length.
 */
export function pearson(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`pearson: ${a.length} values against ${b.length}`);
  // Spread is tested on the values, not on the sum of squares: the mean of [0.1, 0.1, 0.1] is
  // not exactly 0.1 in floating point, which would leave a tiny spread and an arbitrary r.
  // A list of one value (or none) has no spread either.
  if (allEqual(a) || allEqual(b)) return Number.NaN;
  const n = a.length;
  const meanA = a.reduce((s, v) => s + v, 0) / n;
  const meanB = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = (a[i] as number) - meanA;
    const y = (b[i] as number) - meanB;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

function allEqual(xs: readonly number[]): boolean {
  return xs.every((v) => v === xs[0]);
}
