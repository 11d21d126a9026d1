import type { ScoreInput } from "../types.js";

/** One request of a split score call. */
export interface ScoreJob {
  /** One query (1:N) or one query per pair (N:N). */
  queries: ScoreInput | ScoreInput[];
  /** The documents of this request. */
  documents: ScoreInput[];
  /** For each document of this request, its pair index in the whole call. */
  pairIndices: number[];
}

/**
 * Splits a validated score call into requests of at most `max` pairs. A single query is sent
 * once per request (1:N); N:N pairs are sent zipped when `zipped` is true (vLLM `/score`), and
 * otherwise grouped by query (rerank-only servers take one query per request).
 *
 * @param queries - One query, or one per document.
 * @param documents - The documents (non-empty).
 */
export function planScoreJobs(
  queries: readonly ScoreInput[],
  documents: readonly ScoreInput[],
  max: number,
  zipped: boolean,
): ScoreJob[] {
  if (queries.length === 1) return single(queries[0] as ScoreInput, documents.map((_, i) => i), documents, max);
  if (zipped) {
    const jobs: ScoreJob[] = [];
    for (let start = 0; start < documents.length; start += max) {
      const end = Math.min(start + max, documents.length);
      jobs.push({
        queries: queries.slice(start, end),
        documents: documents.slice(start, end),
        pairIndices: range(start, end),
      });
    }
    return jobs;
  }
  const groups = new Map<ScoreInput, number[]>();
  queries.forEach((q, i) => {
    const key = typeof q === "string" ? q : JSON.stringify(q);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  const jobs: ScoreJob[] = [];
  for (const indices of groups.values()) {
    jobs.push(...single(queries[indices[0] as number] as ScoreInput, indices, documents, max));
  }
  return jobs;
}

function single(query: ScoreInput, indices: number[], documents: readonly ScoreInput[], max: number): ScoreJob[] {
  const jobs: ScoreJob[] = [];
  for (let start = 0; start < indices.length; start += max) {
    const pairIndices = indices.slice(start, start + max);
    jobs.push({ queries: query, documents: pairIndices.map((i) => documents[i] as ScoreInput), pairIndices });
  }
  return jobs;
}

function range(start: number, end: number): number[] {
  const out = new Array<number>(end - start);
  for (let i = start; i < end; i++) out[i - start] = i;
  return out;
}
