// The split-call helpers and the embedding strategies, called directly: which pools split along
// micro-batches, how weights are cut, how parts' answers are joined (per-pair tokens only when
// every part reports them), that a caller's abort reaches every part and that a finished split
// leaves no listener behind, and how a merged embedding call's tokens are shared out.
import { describe, expect, it } from "vitest";
import { embedStrategies } from "../../../src/server/runtime/embed-strategy.js";
import { joinScores, partition, planningTarget, runParts, runPlannedSplit, scatterScores } from "../../../src/server/runtime/split-call.js";
import type { Embedder, EmbedOptions, ScoreResponse } from "../../../src/types.js";

const usage = (n: number): ScoreResponse["usage"] => ({ promptTokens: n, totalTokens: n });

describe("planningTarget", () => {
  const planScore = async (): Promise<{ batches: number[][]; lengths: number[] }> => ({ batches: [], lengths: [] });
  it("takes only a pool that says it splits along micro-batches and can plan", () => {
    const pool = { idleWorkers: 2, microBatchSplit: true, planScore };
    expect(planningTarget(pool)).toBe(pool);
    expect(planningTarget({ ...pool, microBatchSplit: false })).toBeUndefined();
    expect(planningTarget({ idleWorkers: 2, microBatchSplit: true })).toBeUndefined();
    expect(planningTarget({ idleWorkers: 2, microBatchSplit: true, planScore: "yes" })).toBeUndefined();
  });
});

describe("partition", () => {
  it("gives a first item heavier than the goal its own part instead of an empty part", () => {
    // Goal of the first part is 4; item 0 alone weighs 10, yet every part must hold an item.
    expect(partition([10, 1, 1], 3)).toEqual([0, 1, 2, 3]);
  });

  it("puts an item whose middle lies exactly on the goal in the earlier part", () => {
    // Total 4, goal 2: item 1 spans 1..3, its middle is the goal. Both cuts are equally even;
    // the rule picks the earlier part, so the cut is stable for equal weights (2 | 2 of [1,1,1,1]).
    expect(partition([1, 2, 1], 2)).toEqual([0, 2, 3]);
    expect(partition([1, 1, 1, 1], 2)).toEqual([0, 2, 4]);
  });
});

describe("runParts", () => {
  it("hands every part an aborted signal when the caller's signal is aborted before the start", async () => {
    const caller = new AbortController();
    caller.abort(new Error("gone"));
    const seen: { aborted: boolean; reason: unknown }[] = [];
    await runParts(2, caller.signal, async (_p, s) => {
      seen.push({ aborted: s.aborted, reason: s.reason });
      return 0;
    });
    expect(seen).toEqual([
      { aborted: true, reason: caller.signal.reason },
      { aborted: true, reason: caller.signal.reason },
    ]);
  });

  it("stops listening to the caller's signal once the parts are done", async () => {
    const caller = new AbortController();
    const parts: AbortSignal[] = [];
    await runParts(2, caller.signal, async (_p, s) => {
      parts.push(s);
      return 0;
    });
    // A later abort of a long-lived signal (a server's shutdown) must not reach finished parts.
    caller.abort(new Error("later"));
    expect(parts.map((s) => s.aborted)).toEqual([false, false]);
  });
});

describe("scatterScores and joinScores", () => {
  it("refuses a part that answered a different number of scores than it was given pairs", () => {
    const answers = [{ scores: [0.5], usage: usage(1) }, { scores: [0.1], usage: usage(1) }];
    expect(() => scatterScores([[0, 2], [1]], answers, 3)).toThrow("A part of 2 pairs returned 1 scores");
  });

  it("reports per-pair tokens only when every part reported them", () => {
    const withTokens = { scores: [0.5], usage: usage(3), pairTokens: [3] };
    const without = { scores: [0.1], usage: usage(4) };
    expect(scatterScores([[1], [0]], [without, without], 2)).toEqual({ scores: [0.1, 0.1], usage: usage(8) });
    expect(scatterScores([[1], [0]], [withTokens, without], 2)).toEqual({ scores: [0.1, 0.5], usage: usage(7) });
    expect(joinScores([withTokens, without])).toEqual({ scores: [0.5, 0.1], usage: usage(7) });
    expect(joinScores([without, withTokens])).toEqual({ scores: [0.1, 0.5], usage: usage(7) });
    expect(joinScores([without, without])).toEqual({ scores: [0.1, 0.1], usage: usage(8) });
    expect(joinScores([withTokens, withTokens])).toEqual({ scores: [0.5, 0.5], usage: usage(6), pairTokens: [3, 3] });
  });
});

describe("runPlannedSplit", () => {
  it("plans with the call's options and signal, and runs a one-batch plan as the caller's own call", async () => {
    const planned: object[] = [];
    const target = {
      idleWorkers: 2,
      microBatchSplit: true,
      planScore: async (_q: unknown, _d: unknown, options: object) => {
        planned.push(options);
        return { batches: [[0, 1]], lengths: [4, 4] };
      },
    };
    const signal = new AbortController().signal;
    const calls: { documents: unknown; signal: AbortSignal }[] = [];
    const answer = { scores: [1, 2], usage: usage(8), pairTokens: [4, 4] };
    const got = await runPlannedSplit(target, ["q", "q"], ["a", "b"], { truncate: true }, 2, signal, async (_q, documents, s) => {
      calls.push({ documents, signal: s });
      return answer;
    });
    expect(planned).toEqual([{ truncate: true, signal }]);
    // Unsplit: the caller's signal itself reaches the model, and its answer comes back as it is.
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signal).toBe(signal);
    expect(got).toBe(answer);
  });
});

describe("embedStrategies", () => {
  /** An embedder that records each call; the vectors are [text length]; usage is 10 per call. */
  function recording(): { embedder: Embedder; calls: { texts: string[]; options: EmbedOptions }[] } {
    const calls: { texts: string[]; options: EmbedOptions }[] = [];
    const embedder = {
      model: "m",
      embed: async () => [],
      embedWithUsage: async (texts: string[], options: EmbedOptions) => {
        calls.push({ texts, options });
        return { embeddings: texts.map((t) => Float32Array.of(t.length)), usage: usage(10) };
      },
    } as unknown as Embedder;
    return { embedder, calls };
  }

  it("embeds merged texts with prompts off and the caller's own signal when not split", async () => {
    const { embedder, calls } = recording();
    const signal = new AbortController().signal;
    await embedStrategies(embedder, undefined).texts.run([["a"], ["bb"]], { normalize: true }, signal, 1);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.options.prompt).toBe(false);
    expect(calls[0]?.options.normalize).toBe(true);
    expect(calls[0]?.options.signal).toBe(signal);
  });

  it("shares a merged call's tokens by text length, the last request taking the remainder", async () => {
    const { embedder } = recording();
    // 10 tokens over three equal requests: 3 + 3 by share, 4 for the last, so they add up to 10.
    const got = await embedStrategies(embedder, undefined).texts.run([["aa"], ["bb"], ["cc"]], {}, new AbortController().signal, 1);
    expect(got.map((r) => r.promptTokens)).toEqual([3, 3, 4]);
    expect(got.map((r) => Array.from(r.embeddings, (v) => v[0]))).toEqual([[2], [2], [2]]);
  });

  it("runs unsplit token-id requests with the caller's own signal", async () => {
    const seen: AbortSignal[] = [];
    const sequences = {
      embedSequences: async (seqs: number[][], options: EmbedOptions) => {
        seen.push(options.signal as AbortSignal);
        return { embeddings: seqs.map((s) => Float32Array.of(s.length)), usage: usage(0) };
      },
    };
    const signal = new AbortController().signal;
    const tokens = embedStrategies(recording().embedder, sequences as never).tokens;
    const got = await tokens?.run([[[1, 2]], [[3]]], {}, signal, 1);
    expect(seen).toEqual([signal]);
    expect(seen[0]).toBe(signal);
    expect(got?.map((r) => r.promptTokens)).toEqual([2, 1]);
  });
});
