/**
 * The bookkeeping every scorer does around its model: each distinct text encoded once (1:N
 * repeats the query; a caller may repeat documents), results mapped back to the caller's pairs,
 * and token usage counted as vLLM reports it. Pure: the model is a callback.
 * @module
 */
import type { ScoreResponse, Usage } from "../types.js";
import type { Pairs } from "./pairing.js";

/** The distinct texts of each side of a pair list, and where each pair's texts landed. */
export interface DistinctPairs {
  /** Distinct queries, in order of first appearance. */
  queries: string[];
  /** Distinct documents, in order of first appearance. */
  documents: string[];
  /** For pair `i`, the index of its query in `queries`. */
  queryOf: number[];
  /** For pair `i`, the index of its document in `documents`. */
  documentOf: number[];
}

/** Values for a list of texts, with the tokens each text took (as vLLM counts them). */
export interface Encoded<E> {
  values: E[];
  tokens: number[];
}

/** How a family that encodes queries and documents apart scores a pair list. */
export interface SeparateSides<E> {
  /** Encodes distinct texts of one side, in order. Queries are encoded before documents. */
  encode(texts: string[], kind: "query" | "document"): Promise<Encoded<E>>;
  /** Scores one query against documents, one score per document in the order given. */
  compare(query: E, documents: E[]): number[] | Promise<number[]>;
}

/** Splits a list into its distinct values (first appearance order) and each item's index into them. */
export function distinct(texts: readonly string[]): { values: string[]; indexOf: number[] } {
  const position = new Map<string, number>();
  const values: string[] = [];
  const indexOf = texts.map((t) => {
    let i = position.get(t);
    if (i === undefined) {
      i = values.push(t) - 1;
      position.set(t, i);
    }
    return i;
  });
  return { values, indexOf };
}

/** The distinct queries and documents of a pair list, so each is encoded once. */
export function distinctPairs(pairs: Pairs<string>): DistinctPairs {
  const q = distinct(pairs.queries);
  const d = distinct(pairs.documents);
  return { queries: q.values, documents: d.values, queryOf: q.indexOf, documentOf: d.indexOf };
}

/** Pair indices grouped by their distinct query, groups in query order, pairs in pair order. */
export function pairsByQuery(d: DistinctPairs): number[][] {
  const groups = d.queries.map((): number[] => []);
  d.queryOf.forEach((q, pair) => (groups[q] as number[]).push(pair));
  return groups.filter((g) => g.length > 0);
}

/**
 * Tokens of each pair when its two sides are encoded apart (embedding and late-interaction
 * models): vLLM counts the query, one separator and the document.
 */
export function separatePairTokens(d: DistinctPairs, queryTokens: readonly number[], documentTokens: readonly number[]): number[] {
  return d.queryOf.map((q, pair) => (queryTokens[q] as number) + 1 + (documentTokens[d.documentOf[pair] as number] as number));
}

/** Usage of a call from the tokens of each item it ran: prompt and total are the sum. */
export function usageOf(tokens: readonly number[]): Usage {
  const total = tokens.reduce((n, t) => n + t, 0);
  return { promptTokens: total, totalTokens: total };
}

/** The usage half of a {@link ScoreResponse}: the sum, and the per-pair counts a server splits it by. */
export function pairUsage(pairTokens: number[]): Pick<ScoreResponse, "usage" | "pairTokens"> {
  return { usage: usageOf(pairTokens), pairTokens };
}

/**
 * Scores a pair list whose sides are encoded apart: each distinct query and document encoded
 * once, then each distinct query compared with the documents of its pairs in one call (a batched
 * MaxSim, a row of dot products), scores returned in pair order with vLLM's usage.
 */
export async function scoreSeparately<E>(pairs: Pairs<string>, sides: SeparateSides<E>): Promise<ScoreResponse> {
  const d = distinctPairs(pairs);
  const queries = await sides.encode(d.queries, "query");
  const documents = await sides.encode(d.documents, "document");
  const scores = new Array<number>(pairs.queries.length);
  for (const group of pairsByQuery(d)) {
    const query = queries.values[d.queryOf[group[0] as number] as number] as E;
    const values = await sides.compare(query, group.map((p) => documents.values[d.documentOf[p] as number] as E));
    group.forEach((p, j) => (scores[p] = values[j] as number));
  }
  return { scores, ...pairUsage(separatePairTokens(d, queries.tokens, documents.tokens)) };
}

/** Caches a pure function of a string for the duration of one call (1:N repeats the query). */
export function memoize<T>(fn: (text: string) => T): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    let v = cache.get(text);
    if (v === undefined) {
      v = fn(text);
      cache.set(text, v);
    }
    return v;
  };
}
