/**
 * A worker `loadScorer` for fault tests: rerank-kit's own, except that a call whose first document
 * is "CRASH" kills the worker thread after its first micro-batch, i.e. in the middle of the call.
 */
import { loadScorer as realLoad } from "../../src/local/load-scorer.js";
import type { ScoreInput, ScoreOptions } from "../../src/types.js";

export async function loadScorer(idOrPath: string, options: object): Promise<unknown> {
  const scorer = await realLoad(idOrPath, { ...options, maxBatchSize: 1 });
  const score = scorer.scoreWithUsage.bind(scorer);
  scorer.scoreWithUsage = (q: ScoreInput | ScoreInput[], d: ScoreInput | ScoreInput[], o: ScoreOptions = {}) => {
    if (Array.isArray(d) && d[0] === "CRASH") {
      return score(q, d, { ...o, onProgress: () => process.exit(3) });
    }
    return score(q, d, o);
  };
  return scorer;
}
