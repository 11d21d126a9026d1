/**
 * Plain float64 math for the reference forward pass, written out longhand so
 * it shares no code with the ONNX graph or with rerank-kit.
 */

/** erfc(x) for x ≥ 3 by its continued fraction, evaluated bottom-up. */
function erfcLarge(x: number): number {
  let f = x;
  for (let n = 60; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** The error function, accurate to about 1e-13 (JavaScript has no Math.erf). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 3) return Math.sign(x) * (1 - erfcLarge(ax));
  // Maclaurin series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)).
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Exact (erf) GELU. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** `x · W + b` for one vector, with `W` row-major `[in, out]`. */
export function affine(x: readonly number[], w: Float32Array, b: Float32Array | null, outF: number): number[] {
  const inF = x.length;
  const y = new Array<number>(outF).fill(0);
  for (let o = 0; o < outF; o++) {
    let s = b ? b[o]! : 0;
    for (let i = 0; i < inF; i++) s += x[i]! * w[i * outF + o]!;
    y[o] = s;
  }
  return y;
}

/** LayerNorm over one vector (biased variance, as torch). */
export function layerNorm(x: readonly number[], gamma: Float32Array, beta: Float32Array, eps: number): number[] {
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of x) variance += (v - mean) * (v - mean);
  variance /= n;
  const denom = Math.sqrt(variance + eps);
  return x.map((v, i) => ((v - mean) / denom) * gamma[i]! + beta[i]!);
}

/** Softmax of one row. */
export function softmax(row: readonly number[]): number[] {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  const exps = row.map((v) => Math.exp(v - max));
  let sum = 0;
  for (const e of exps) sum += e;
  return exps.map((e) => e / sum);
}

/** Element-wise sum of two equal-length vectors. */
export function addVec(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v + b[i]!);
}
