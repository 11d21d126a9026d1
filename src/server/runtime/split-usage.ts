import type { ScoreInput, ScoreResponse } from "../../types.js";

/**
 * Splits one merged scorer response back into one response per request (`sizes[i]` pairs each).
 * Usage is exact when the scorer reports `pairTokens`; otherwise the total is shared out in
 * proportion to each request's text length (character count), which is an estimate. A single
 * request always keeps the scorer's own usage.
 */
export function splitUsage(
  response: ScoreResponse,
  sizes: readonly number[],
  queries: readonly ScoreInput[],
  documents: readonly ScoreInput[],
): ScoreResponse[] {
  if (sizes.length === 1) return [response];
  const out: ScoreResponse[] = [];
  const { pairTokens } = response;
  const exact = pairTokens !== undefined && pairTokens.length === response.scores.length;
  const weights = exact ? pairTokens : queries.map((q, i) => chars(q) + chars(documents[i] as ScoreInput));
  const totalWeight = weights.reduce((a, b) => a + b, 0) || 1;
  let offset = 0;
  let given = 0;
  sizes.forEach((n, k) => {
    const slice = weights.slice(offset, offset + n);
    const share = slice.reduce((a, b) => a + b, 0);
    let tokens = exact ? share : Math.round((share / totalWeight) * response.usage.promptTokens);
    if (!exact && k === sizes.length - 1) tokens = response.usage.promptTokens - given;
    given += tokens;
    const part: ScoreResponse = {
      scores: response.scores.slice(offset, offset + n),
      usage: { promptTokens: tokens, totalTokens: tokens },
    };
    if (exact) part.pairTokens = slice;
    out.push(part);
    offset += n;
  });
  return out;
}

function chars(input: ScoreInput): number {
  return typeof input === "string" ? input.length : JSON.stringify(input).length;
}
