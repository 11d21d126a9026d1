/**
 * Sparse (lexical) embeddings: SPLADE pooling over MLM logits, static per-token weights
 * (inference-free SPLADE's query side), bge-m3's per-token lexical weights, pruning and the sparse
 * dot product. Pure functions over typed arrays; the vocabulary index is the dimension.
 */
import type { SparseVector } from "../contracts/sparse-embedder.js";
import { InvalidOptionError } from "../errors/invalid-option-error.js";

export type { SparseVector };

/**
 * `SpladePooling.activation_function` of sentence-transformers: `relu` gives log1p(relu(x)) (every
 * SPLADE model), `log1p_relu` applies log1p once more (OpenSearch's inference-free documents).
 */
export type SpladeActivation = "relu" | "log1p_relu";

/** `SpladePooling.pooling_strategy`: `max` (SPLADE v2 and later) or `sum` (the original SPLADE). */
export type SpladePoolingStrategy = "max" | "sum";

/** How a dense vector is cut down to its strongest entries. */
export interface SparsePruning {
  /** Keep at most this many entries, the largest by absolute value (sentence-transformers' `max_active_dims`). */
  topK?: number;
  /** Drop entries whose absolute value is at or below this. */
  threshold?: number;
}

/**
 * SPLADE pooling of one row of MLM logits `[batch, seq, vocab]`, as sentence-transformers'
 * `SpladePooling`: padded positions are zeroed, then log1p(relu(x)) (twice log1p for
 * `log1p_relu`), then max or sum over the sequence. Returns the dense `vocab`-wide row.
 * @param mask attention mask `[batch, seq]` (1 = real token)
 */
export function spladePoolRow(
  logits: Float32Array,
  mask: ArrayLike<number | bigint>,
  row: number,
  seq: number,
  vocab: number,
  activation: SpladeActivation,
  strategy: SpladePoolingStrategy,
): Float32Array {
  const out = new Float32Array(vocab);
  const base = row * seq * vocab;
  const twice = activation === "log1p_relu";
  for (let t = 0; t < seq; t++) {
    // A masked position is multiplied by 0 and becomes log1p(relu(0)) = 0: it adds nothing to a
    // sum and cannot win a max over values that are all >= 0.
    if (Number(mask[row * seq + t]) === 0) continue;
    const off = base + t * vocab;
    for (let v = 0; v < vocab; v++) {
      const x = logits[off + v] as number;
      if (x <= 0) continue;
      let y = Math.log1p(x);
      if (twice) y = Math.log1p(y);
      if (strategy === "max") {
        if (y > (out[v] as number)) out[v] = y;
      } else {
        out[v] = (out[v] as number) + y;
      }
    }
  }
  return out;
}

/**
 * The sparse form of a dense row: zeros dropped, optionally pruned (see {@link SparsePruning}).
 * Ties at the `topK` cut keep the lower index.
 */
export function toSparse(dense: ArrayLike<number>, pruning: SparsePruning = {}): SparseVector {
  checkPruning(pruning);
  const threshold = pruning.threshold ?? 0;
  const keep: number[] = [];
  for (let i = 0; i < dense.length; i++) {
    const x = dense[i] as number;
    if (x !== 0 && Math.abs(x) > threshold) keep.push(i);
  }
  return fromKept((id) => dense[id] as number, keep, pruning.topK);
}

/** Applies {@link SparsePruning} to a sparse vector (a new vector; the input is not touched). */
export function pruneSparse(vector: SparseVector, pruning: SparsePruning): SparseVector {
  checkPruning(pruning);
  const threshold = pruning.threshold ?? 0;
  const byId = new Map<number, number>();
  vector.indices.forEach((id, k) => {
    const x = vector.values[k] as number;
    if (x !== 0 && Math.abs(x) > threshold) byId.set(id, x);
  });
  return fromKept((id) => byId.get(id) as number, [...byId.keys()], pruning.topK);
}

/**
 * Refuses a `topK` that is not a positive integer (0 would return empty vectors that match
 * nothing) and a negative or NaN `threshold`.
 * @throws {InvalidOptionError} naming the option.
 */
export function checkPruning(pruning: SparsePruning): void {
  const { topK, threshold } = pruning;
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
    throw new InvalidOptionError(`topK must be an integer >= 1, got ${String(topK)}`, { option: "topK", allowed: "an integer >= 1" });
  }
  if (threshold !== undefined && !(typeof threshold === "number" && threshold >= 0 && Number.isFinite(threshold))) {
    throw new InvalidOptionError(`threshold must be a finite number >= 0, got ${String(threshold)}`, {
      option: "threshold",
      allowed: "a finite number >= 0",
    });
  }
}

function fromKept(value: (id: number) => number, keep: number[], topK: number | undefined): SparseVector {
  let ids = keep;
  if (topK !== undefined && ids.length > topK) {
    const byWeight = [...ids].sort((a, b) => Math.abs(value(b)) - Math.abs(value(a)) || a - b);
    ids = byWeight.slice(0, topK).sort((a, b) => a - b);
  }
  const out = { indices: new Uint32Array(ids.length), values: new Float32Array(ids.length) };
  ids.forEach((id, k) => {
    out.indices[k] = id;
    out.values[k] = value(id);
  });
  return out;
}

/** Dot product of two sparse vectors (a merge over their sorted indices), accumulated in float64. */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < a.indices.length && j < b.indices.length) {
    const x = a.indices[i] as number;
    const y = b.indices[j] as number;
    if (x === y) {
      sum += (a.values[i] as number) * (b.values[j] as number);
      i++;
      j++;
    } else if (x < y) {
      i++;
    } else {
      j++;
    }
  }
  return sum;
}

/**
 * Inference-free SPLADE's query side (sentence-transformers' `SparseStaticEmbedding`): each
 * distinct token present in the text gets its static weight (IDF); repeats count once.
 * @param ids the text's token ids (no special tokens, already truncated)
 * @param weights one weight per vocabulary id
 */
export function staticSparse(ids: ArrayLike<number>, weights: ArrayLike<number>): SparseVector {
  const present = new Set<number>();
  for (let i = 0; i < ids.length; i++) present.add(ids[i] as number);
  const keep = [...present].filter((id) => id < weights.length && (weights[id] as number) !== 0).sort((a, b) => a - b);
  return fromKept((id) => weights[id] as number, keep, undefined);
}

/**
 * bge-m3's lexical weights (FlagEmbedding `_process_token_weights`, vLLM's `token_classify` head):
 * each position's weight is relu(linear(hidden)), a token id keeps its largest weight over the text,
 * and the ids in `skip` (CLS, EOS, PAD, UNK) are dropped.
 * @param ids the text's token ids, special tokens included
 * @param weights one relu'd weight per position of `ids`
 */
export function maxWeightPerToken(ids: ArrayLike<number>, weights: ArrayLike<number>, skip: ReadonlySet<number>): SparseVector {
  const best = new Map<number, number>();
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t] as number;
    const w = weights[t] as number;
    if (skip.has(id) || !(w > 0)) continue;
    if (w > (best.get(id) ?? 0)) best.set(id, w);
  }
  const indices = new Uint32Array([...best.keys()].sort((a, b) => a - b));
  const values = new Float32Array(indices.length);
  indices.forEach((id, k) => (values[k] = best.get(id) as number));
  return { indices, values };
}
