/**
 * Sentence-transformers pooling over a batch of hidden states `[batch, seq, hidden]` with an
 * attention mask, as `sentence_transformers.sentence_transformer.modules.Pooling` computes it
 * (6.x `_forward_padded`). Masks may use either padding side: CLS takes the first attended position
 * and last-token the last one (transformers.js takes index -1, which is wrong with right padding).
 */

/** Pooling modes of `1_Pooling/config.json`, with sentence-transformers' names. */
export type PoolingMode = "cls" | "mean" | "max" | "mean_sqrt_len_tokens" | "weightedmean" | "lasttoken";

/** Every mode {@link poolRow} computes, in sentence-transformers' legacy concatenation order. */
export const POOLING_MODES: readonly PoolingMode[] = ["cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"];

/**
 * Pools row `row` of a `[batch, seq, hidden]` tensor.
 * @param mask attention mask `[batch, seq]` (1 = real token); positions with 0 take no part
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
    case "cls": {
      // torch argmax over a 0/1 mask: the first attended position, 0 when nothing is attended.
      let first = 0;
      while (first < seq && !attended(first)) first++;
      if (first === seq) first = 0;
      out.set(hidden.subarray(base + first * dim, base + (first + 1) * dim));
      return out;
    }
    case "lasttoken": {
      let last = -1;
      for (let t = 0; t < seq; t++) if (attended(t)) last = t;
      // Nothing attended: sentence-transformers gathers a masked (zero) vector.
      if (last >= 0) out.set(hidden.subarray(base + last * dim, base + (last + 1) * dim));
      return out;
    }
    case "mean":
    case "mean_sqrt_len_tokens":
    case "weightedmean": {
      let weightSum = 0;
      const acc = new Float64Array(dim);
      for (let t = 0; t < seq; t++) {
        if (!attended(t)) continue;
        // weightedmean weighs position t (0-based, padding included) by t + 1.
        const w = mode === "weightedmean" ? t + 1 : 1;
        weightSum += w;
        const off = base + t * dim;
        for (let k = 0; k < dim; k++) acc[k] = (acc[k] as number) + w * (hidden[off + k] as number);
      }
      const clamped = Math.max(weightSum, 1e-9);
      const denom = mode === "mean_sqrt_len_tokens" ? Math.sqrt(clamped) : clamped;
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

/**
 * Pools one row with several modes and concatenates the results in the given order, as
 * sentence-transformers does for a `pooling_mode` list.
 */
export function poolRowModes(
  hidden: Float32Array,
  mask: ArrayLike<number | bigint>,
  row: number,
  seq: number,
  dim: number,
  modes: readonly PoolingMode[],
): Float32Array {
  if (modes.length === 1) return poolRow(hidden, mask, row, seq, dim, modes[0] as PoolingMode);
  const out = new Float32Array(dim * modes.length);
  modes.forEach((mode, i) => out.set(poolRow(hidden, mask, row, seq, dim, mode), i * dim));
  return out;
}

/**
 * A copy of a `[batch, seq]` mask with each row's first `promptLength` tokens (after any left
 * padding) set to 0: sentence-transformers' `include_prompt: false`, which keeps the prompt in the
 * encoder's attention but leaves it out of pooling.
 */
export function excludePromptFromMask(mask: ArrayLike<number | bigint>, seq: number, promptLength: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = Number(mask[i]) !== 0 ? 1 : 0;
  if (promptLength <= 0) return out;
  for (let base = 0; base < out.length; base += seq) {
    let first = 0;
    while (first < seq && out[base + first] === 0) first++;
    if (first === seq) first = 0; // an all-padding row: torch argmax gives 0
    out.fill(0, base, base + Math.min(seq, first + promptLength));
  }
  return out;
}
