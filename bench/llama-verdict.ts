/**
 * The verdict of a `npm run bench -- llama` row, as a pure function so a test can pin it.
 *
 * Each engine is judged against the fp32 reference (transformers on the model's safetensors, the
 * same prompts), within the drift its own precision allows. Comparing the two quantized engines
 * with each other instead would add two different schemes' drifts (MatMulNBits block 32 against
 * Q4_K_M super-blocks), up to twice what either moves on its own: the first q4 row was voided
 * that way (0.71 between the engines against 0.6 allowed) without telling which engine, if any,
 * computed something else. The difference between the engines is still reported; it is bounded
 * by the sum of the two drifts, so it needs no test of its own.
 */

import { pearson } from "../src/scoring/correlation.js";

/** One side's answer for the workload: `z_yes - z_no` and the prompt's token count per document. */
export interface EngineScores {
  logits: readonly number[];
  tokens: readonly number[];
}

/** What a row is judged on. */
export interface LlamaRowInput {
  /** The fp32 reference (transformers, torch fp32) on the same prompts; undefined when it could not be computed. */
  reference: EngineScores | undefined;
  /** rerank-kit's raw logits. */
  rk: EngineScores;
  /** llama.cpp's probabilities turned back into logits. */
  llama: EngineScores;
  /** Largest |logit - reference| each engine may show at this row's precision. */
  allowance: { rk: number; llama: number };
}

/** The row's verdict: `void` rows record no target. */
export interface LlamaRowVerdict {
  void: boolean;
  /** Why the row is void (empty when it is not). */
  reasons: string[];
  /** max |engine - reference| over the documents (NaN without a reference). */
  drift: { rk: number; llama: number };
  /** max |rk - llama| over the documents. */
  between: number;
}

/**
 * Largest absolute difference between two equally long score lists. NaN when any pair is not
 * finite, so a broken side never looks close (`Math.max` would skip nothing, but `NaN <= x` is false).
 */
export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: ${a.length} scores against ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!Number.isFinite(d)) return Number.NaN;
    if (d > max) max = d;
  }
  return max;
}

const sameTokens = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * Judges one row. VOID when there is no fp32 reference, when the three sides counted different
 * tokens for any prompt (they would not score the same text), when a side returned another number
 * of scores, or when either engine drifts from the reference beyond its own allowance. The
 * difference between the engines is reported, never judged.
 */
export function llamaRowVerdict(input: LlamaRowInput): LlamaRowVerdict {
  const { reference, rk, llama, allowance } = input;
  const reasons: string[] = [];
  const n = rk.logits.length;
  if (llama.logits.length !== n || (reference && reference.logits.length !== n)) {
    const counts = `rerank-kit ${n}, llama.cpp ${llama.logits.length}${reference ? `, reference ${reference.logits.length}` : ""}`;
    return { void: true, reasons: [`the sides returned different numbers of scores (${counts})`], drift: { rk: Number.NaN, llama: Number.NaN }, between: Number.NaN };
  }
  const between = maxAbsDiff(rk.logits, llama.logits);
  if (!sameTokens(rk.tokens, llama.tokens)) reasons.push("rerank-kit and llama.cpp tokenized the prompts differently");
  if (!reference) {
    reasons.push("no fp32 reference to judge the drifts against");
    return { void: true, reasons, drift: { rk: Number.NaN, llama: Number.NaN }, between };
  }
  if (!sameTokens(rk.tokens, reference.tokens)) reasons.push("rerank-kit and the fp32 reference tokenized the prompts differently");
  const drift = { rk: maxAbsDiff(rk.logits, reference.logits), llama: maxAbsDiff(llama.logits, reference.logits) };
  // `!(x <= limit)`: a NaN drift (a non-finite score) voids the row too.
  if (!(drift.rk <= allowance.rk)) reasons.push(`rerank-kit drifts ${drift.rk.toExponential(2)} from fp32, over the ${allowance.rk} allowed`);
  if (!(drift.llama <= allowance.llama)) reasons.push(`llama.cpp drifts ${drift.llama.toExponential(2)} from fp32, over the ${allowance.llama} allowed`);
  return { void: reasons.length > 0, reasons, drift, between };
}

/** Where an engine's drift from the reference sits: a shift common to every document, or scatter. */
export interface DriftSummary {
  /** max |engine - reference|. */
  max: number;
  /** Mean of engine - reference (signed): a shift every document shares shows here. */
  meanSigned: number;
  /** Smallest and largest signed difference. */
  range: [number, number];
  /** Pearson correlation of the engine's logits with the reference's (NaN with fewer than 2 documents or no spread). */
  pearson: number;
}

/**
 * Signed drift statistics of one engine against the reference. A q4 file's error at the last
 * position, which sits on the template suffix every document shares, moves all scores alike;
 * the max alone cannot tell that from reordering, the mean and the correlation can.
 *
 * @throws {RangeError} when the lists differ in length or are empty.
 */
export function driftSummary(engine: readonly number[], reference: readonly number[]): DriftSummary {
  if (engine.length !== reference.length || engine.length === 0) throw new RangeError(`driftSummary: ${engine.length} scores against ${reference.length}`);
  const n = engine.length;
  const d = engine.map((x, i) => x - (reference[i] as number));
  return {
    max: maxAbsDiff(engine, reference),
    meanSigned: d.reduce((a, b) => a + b, 0) / n,
    range: [Math.min(...d), Math.max(...d)],
    pearson: pearson(engine, reference),
  };
}
