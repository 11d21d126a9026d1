/**
 * Hand-computed pooling, normalization, similarity and activation helpers,
 * written as plain loops over number arrays.
 */

/** Mean of the token vectors whose attention mask is 1 (denominator clamped at 1e-9, as sentence-transformers). */
export function refMeanPool(hidden: readonly (readonly number[])[], mask: readonly number[]): number[] {
  const H = hidden[0]!.length;
  const sum = new Array<number>(H).fill(0);
  let count = 0;
  hidden.forEach((t, i) => {
    if (mask[i] === 1) {
      count++;
      for (let h = 0; h < H; h++) sum[h]! += t[h]!;
    }
  });
  return sum.map((v) => v / Math.max(count, 1e-9));
}

/** Per-dimension maximum over the token vectors whose attention mask is 1. */
export function refMaxPool(hidden: readonly (readonly number[])[], mask: readonly number[]): number[] {
  const H = hidden[0]!.length;
  const out = new Array<number>(H).fill(-Infinity);
  hidden.forEach((t, i) => {
    if (mask[i] !== 1) return;
    for (let h = 0; h < H; h++) out[h] = Math.max(out[h]!, t[h]!);
  });
  return out;
}

/** A sentence-transformers Dense module: `activation(W · vec + b)` with a torch-layout `[out, in]` weight. */
export function refDense(weight: Float32Array, bias: Float32Array | null, vec: readonly number[], activation: "tanh" | "identity"): number[] {
  return refProject(weight, vec).map((v, o) => {
    const z = v + (bias ? bias[o]! : 0);
    return activation === "tanh" ? Math.tanh(z) : z;
  });
}

/** The first token's vector ([CLS]). */
export function refClsPool(hidden: readonly (readonly number[])[]): number[] {
  return [...hidden[0]!];
}

/** The vector of the last position whose attention mask is 1. */
export function refLastTokenPool(hidden: readonly (readonly number[])[], mask: readonly number[]): number[] {
  let last = -1;
  mask.forEach((m, i) => {
    if (m === 1) last = i;
  });
  if (last < 0) throw new RangeError("no attended token");
  return [...hidden[last]!];
}

/** L2 normalization with torch's eps 1e-12. */
export function refL2Normalize(v: readonly number[]): number[] {
  let sq = 0;
  for (const x of v) sq += x * x;
  const norm = Math.max(Math.sqrt(sq), 1e-12);
  return v.map((x) => x / norm);
}

/** Dot product. */
export function refDot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Cosine similarity. */
export function refCosine(a: readonly number[], b: readonly number[]): number {
  return refDot(a, b) / Math.sqrt(refDot(a, a) * refDot(b, b));
}

/** ColBERT MaxSim: sum over query tokens of the maximum dot product with any document token. */
export function refMaxSim(q: readonly (readonly number[])[], d: readonly (readonly number[])[]): number {
  let total = 0;
  for (const qt of q) {
    let best = -Infinity;
    for (const dt of d) best = Math.max(best, refDot(qt, dt));
    total += best;
  }
  return total;
}

/** Logistic sigmoid. */
export function refSigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** `W · vec` for a torch-layout weight `[dim, H]` (flat row-major or rows), e.g. ColBERT's `linear.weight`. */
export function refProject(weightsDxH: Float32Array | readonly (readonly number[])[], vec: readonly number[]): number[] {
  const H = vec.length;
  const rows = weightsDxH instanceof Float32Array ? weightsDxH.length / H : weightsDxH.length;
  const out: number[] = [];
  for (let d = 0; d < rows; d++) {
    let s = 0;
    for (let h = 0; h < H; h++) {
      const w = weightsDxH instanceof Float32Array ? weightsDxH[d * H + h]! : weightsDxH[d]![h]!;
      s += w * vec[h]!;
    }
    out.push(s);
  }
  return out;
}
