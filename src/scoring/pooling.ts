/**
 * Sentence-transformers pooling over a batch of hidden states `[batch, seq, hidden]` with an
 * attention mask. Last-token pooling uses the last attended position of each row, which is right
 * for either padding side (transformers.js takes index -1, which is wrong with right padding).
 */

/** Pooling modes from `1_Pooling/config.json`. */
export type PoolingMode = "cls" | "mean" | "max" | "lasttoken";

/**
 * Pools row `row` of a `[batch, seq, hidden]` tensor.
 * @param mask attention mask `[batch, seq]` (1 = real token)
 */
export function poolRow(
  hidden: Float32Array,
  mask: ArrayLike<number | bigint>,
  row: number,
  seq: number,
  dim: number,
  mode: PoolingMode,
): Float32Array {
  const out = new Float32Array(dim);
  const base = row * seq * dim;
  const attended = (t: number) => Number(mask[row * seq + t]) !== 0;
  switch (mode) {
    case "cls":
      out.set(hidden.subarray(base, base + dim));
      return out;
    case "lasttoken": {
      let last = 0;
      for (let t = 0; t < seq; t++) if (attended(t)) last = t;
      out.set(hidden.subarray(base + last * dim, base + (last + 1) * dim));
      return out;
    }
    case "mean": {
      let count = 0;
      const acc = new Float64Array(dim);
      for (let t = 0; t < seq; t++) {
        if (!attended(t)) continue;
        count++;
        const off = base + t * dim;
        for (let k = 0; k < dim; k++) acc[k] = (acc[k] as number) + (hidden[off + k] as number);
      }
      const denom = Math.max(count, 1e-9);
      for (let k = 0; k < dim; k++) out[k] = (acc[k] as number) / denom;
      return out;
    }
    case "max": {
      out.fill(-Infinity);
      for (let t = 0; t < seq; t++) {
        if (!attended(t)) continue;
        const off = base + t * dim;
        for (let k = 0; k < dim; k++) out[k] = Math.max(out[k] as number, hidden[off + k] as number);
      }
      return out;
    }
  }
}
