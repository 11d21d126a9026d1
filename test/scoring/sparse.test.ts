import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors/invalid-option-error.js";
import {
  maxWeightPerToken,
  pruneSparse,
  sparseDot,
  spladePoolRow,
  staticSparse,
  toSparse,
  type SparseVector,
} from "../../src/scoring/sparse.js";

// Two rows of three positions over a vocabulary of four. Row 1 is right-padded after 2 positions,
// and its padded position carries large logits that must not leak into the result.
const logits = new Float32Array([
  1, -2, 0, 3, /**/ 2, 0.5, -1, 0, /**/ 0, 4, -3, 1, //
  -1, 1, 0, 0, /**/ 3, -1, 2, 0, /**/ 50, 50, 50, 50,
]);
const mask = [1, 1, 1, 1, 1, 0];
const pool = (row: number, act: "relu" | "log1p_relu", strategy: "max" | "sum") => Array.from(spladePoolRow(logits, mask, row, 3, 4, act, strategy));
const f = Math.fround;
const sv = (indices: number[], values: number[]): SparseVector => ({ indices: new Uint32Array(indices), values: new Float32Array(values) });
const plain = (v: SparseVector) => ({ indices: Array.from(v.indices), values: Array.from(v.values) });

describe("spladePoolRow (sentence-transformers SpladePooling, hand-computed)", () => {
  it("max pooling takes log1p(relu(x)) of the largest logit per vocabulary id", () => {
    expect(pool(0, "relu", "max")).toEqual([2, 4, 0, 3].map((x) => f(Math.log1p(x))));
  });

  it("sum pooling adds log1p(relu(x)) over positions", () => {
    expect(pool(0, "relu", "sum")).toEqual([f(f(Math.log1p(1)) + f(Math.log1p(2))), f(f(Math.log1p(0.5)) + f(Math.log1p(4))), 0, f(f(Math.log1p(3)) + f(Math.log1p(1)))]);
  });

  it("log1p_relu applies log1p twice", () => {
    expect(pool(0, "log1p_relu", "max")).toEqual([2, 4, 0, 3].map((x) => f(Math.log1p(Math.log1p(x)))));
  });

  it("ignores padded positions (attention mask 0)", () => {
    expect(pool(1, "relu", "max")).toEqual([3, 1, 2, 0].map((x) => f(Math.log1p(x))));
    expect(pool(1, "relu", "sum")).toEqual([3, 1, 2, 0].map((x) => f(Math.log1p(x))));
  });
});

describe("toSparse / pruneSparse", () => {
  it("drops zeros and keeps indices sorted", () => {
    expect(plain(toSparse([0, 0.5, 0, -2, 1]))).toEqual({ indices: [1, 3, 4], values: [0.5, -2, 1] });
  });

  it("topK keeps the largest by absolute value, lower index first on ties, in index order", () => {
    expect(plain(toSparse([1, 3, 0, -5, 3], { topK: 2 }))).toEqual({ indices: [1, 3], values: [3, -5] });
    expect(plain(toSparse([2, 1, 2], { topK: 1 }))).toEqual({ indices: [0], values: [2] });
    expect(plain(toSparse([2, 1], { topK: 5 }))).toEqual({ indices: [0, 1], values: [2, 1] });
  });

  it("threshold drops entries at or below it", () => {
    expect(plain(toSparse([0.1, 0.2, 0.3], { threshold: 0.2 }))).toEqual({ indices: [2], values: [f(0.3)] });
  });

  it("pruneSparse prunes a sparse vector without touching it", () => {
    const v = sv([2, 7, 9], [0.5, 4, 1]);
    expect(plain(pruneSparse(v, { topK: 2 }))).toEqual({ indices: [7, 9], values: [4, 1] });
    expect(plain(pruneSparse(v, { threshold: 0.9 }))).toEqual({ indices: [7, 9], values: [4, 1] });
    expect(plain(v)).toEqual({ indices: [2, 7, 9], values: [0.5, 4, 1] });
  });

  it("refuses topK <= 0, a fractional topK and a negative or NaN threshold with InvalidOptionError", () => {
    for (const topK of [0, -1, 1.5, Number.NaN]) expect(() => toSparse([1], { topK })).toThrow(InvalidOptionError);
    for (const threshold of [-0.1, Number.NaN]) expect(() => pruneSparse(sv([1], [1]), { threshold })).toThrow(/threshold/);
    expect(() => toSparse([1], { topK: 0 })).toThrow(/topK must be an integer >= 1, got 0/);
  });
});

describe("sparseDot", () => {
  it("sums the products of shared indices only", () => {
    expect(sparseDot(sv([1, 4, 9], [2, 3, 5]), sv([0, 4, 9, 12], [7, 10, 0.5, 1]))).toBe(3 * 10 + 5 * 0.5);
    expect(sparseDot(sv([1], [2]), sv([2], [3]))).toBe(0);
    expect(sparseDot(sv([], []), sv([2], [3]))).toBe(0);
  });
});

describe("staticSparse (SparseStaticEmbedding)", () => {
  it("gives each distinct present token its weight once, zero weights dropped", () => {
    const weights = [0, 0.5, 2, 0, 7];
    expect(plain(staticSparse([4, 2, 2, 3, 1], weights))).toEqual({ indices: [1, 2, 4], values: [0.5, 2, 7] });
  });
});

describe("maxWeightPerToken (bge-m3 lexical weights)", () => {
  it("keeps each token id's largest weight and drops skipped ids and non-positive weights", () => {
    const ids = [0, 10, 11, 10, 12, 2];
    const weights = [9, 0.5, 0, 1.5, 0.25, 8];
    expect(plain(maxWeightPerToken(ids, weights, new Set([0, 1, 2, 3])))).toEqual({ indices: [10, 12], values: [1.5, 0.25] });
  });
});
