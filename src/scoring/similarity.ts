/** Vector similarity: L2 normalization, cosine and ColBERT MaxSim, over Float32Array rows. */

/** Returns a copy of `v` scaled to unit L2 norm (eps 1e-12, as torch's F.normalize). */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] as number) * (v[i] as number);
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm;
  return out;
}

/** Normalizes each `dim`-wide row of a row-major matrix in place-free fashion (returns a new array). */
export function l2NormalizeRows(data: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < data.length; r += dim) {
    let sum = 0;
    for (let i = r; i < r + dim; i++) sum += (data[i] as number) * (data[i] as number);
    const norm = Math.max(Math.sqrt(sum), 1e-12);
    for (let i = r; i < r + dim; i++) out[i] = (data[i] as number) / norm;
  }
  return out;
}

/** Dot product of two equal-length vectors, accumulated in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Cosine similarity in [-1, 1]; 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  const denom = Math.max(Math.sqrt(aa), 1e-12) * Math.max(Math.sqrt(bb), 1e-12);
  return ab / denom;
}

/**
 * ColBERT MaxSim: for each query token, the largest dot product with any document token, summed
 * over query tokens (not divided by the query length, as colbert-ai, PyLate and vLLM).
 *
 * @param query row-major `[queryTokens, dim]`
 * @param document row-major `[documentTokens, dim]`
 */
export function maxSim(query: Float32Array, document: Float32Array, dim: number): number {
  const nq = query.length / dim;
  const nd = document.length / dim;
  if (nd === 0) return 0;
  let total = 0;
  for (let qi = 0; qi < nq; qi++) {
    const qo = qi * dim;
    let best = -Infinity;
    for (let di = 0; di < nd; di++) {
      const doff = di * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) s += (query[qo + k] as number) * (document[doff + k] as number);
      if (s > best) best = s;
    }
    total += best;
  }
  return total;
}
