import { describe, expect, it } from "vitest";
import { AbortError } from "../../../src/errors/abort-error.js";
import { InvalidOptionError } from "../../../src/errors/invalid-option-error.js";
import { RequestCoalescer, type CoalesceStrategy } from "../../../src/server/runtime/coalescer.js";
import type { BatcherOptions } from "../../../src/server/runtime/coalesce-options.js";
import { embedStrategies } from "../../../src/server/runtime/embed-strategy.js";
import { scoreStrategy } from "../../../src/server/runtime/score-strategy.js";
import { partition } from "../../../src/server/runtime/split-call.js";
import { Slots } from "../../../src/server/runtime/slots.js";
import type { EmbedOptions, ScoreOptions } from "../../../src/types.js";

/** One model call as the fake pool saw it. */
interface Call {
  size: number;
  signal: AbortSignal | undefined;
}

/** What the fake pool offers a split, as a `WorkerScorer` does. */
interface Pool {
  idleWorkers: number;
  batchInvariant: boolean;
}

interface Case {
  name: string;
  build(calls: Call[], pool: Pool, hold: Promise<void>): CoalesceStrategy<unknown, unknown, object>;
  /** A request of `size` inputs; input `poison` (an index) makes its call throw. */
  item(size: number, poison?: number): unknown;
  /** The answer a request of `size` inputs must get as one call (computed here, not by the code under test). */
  expected(size: number): unknown;
}

const POISON = "poison";
const doc = (j: number): string => `d${j}${"x".repeat(j % 3)}`;
const docs = (size: number, poison?: number): string[] => Array.from({ length: size }, (_, j) => (j === poison ? POISON : doc(j)));
const vector = (t: string): Float32Array => Float32Array.of(t.length, t.charCodeAt(1));
const seq = (j: number): number[] => [j, ...Array<number>(j % 3).fill(7)];

/** Each fake call throws at once on the poison input, else waits for `hold` and answers. */
async function answer<T>(calls: Call[], size: number, signal: AbortSignal | undefined, hold: Promise<void>, poisoned: boolean, value: () => T): Promise<T> {
  calls.push({ size, signal });
  if (poisoned) throw new Error(`poisoned part of ${size}`);
  await hold;
  if (signal?.aborted) throw new AbortError("aborted in the fake");
  return value();
}

const cases: Case[] = [
  {
    name: "score",
    build: (calls, pool, hold) =>
      scoreStrategy(
        Object.assign(pool, {
          scoreWithUsage(queries: unknown, documents: unknown, options: ScoreOptions = {}) {
            const ds = documents as string[];
            return answer(calls, ds.length, options.signal, hold, ds.includes(POISON), () => ({
              scores: ds.map((d) => d.length),
              usage: { promptTokens: 2 * ds.length, totalTokens: 2 * ds.length },
              pairTokens: ds.map(() => 2),
            }));
          },
        }),
      ) as unknown as CoalesceStrategy<unknown, unknown, object>,
    item: (size, poison) => ({ queries: docs(size).map(() => "q"), documents: docs(size, poison) }),
    expected: (size) => ({
      scores: docs(size).map((d) => d.length),
      usage: { promptTokens: 2 * size, totalTokens: 2 * size },
      pairTokens: docs(size).map(() => 2),
    }),
  },
  {
    name: "embed texts",
    build: (calls, pool, hold) =>
      embedStrategies(
        Object.assign(pool, {
          model: "fake",
          embed: () => Promise.reject(new Error("unused")),
          embedWithUsage(ts: string[], options: EmbedOptions = {}) {
            return answer(calls, ts.length, options.signal, hold, ts.includes(POISON), () => ({
              embeddings: ts.map(vector),
              usage: { promptTokens: ts.join("").length, totalTokens: ts.join("").length },
            }));
          },
        }),
        undefined,
      ).texts as unknown as CoalesceStrategy<unknown, unknown, object>,
    item: (size, poison) => docs(size, poison),
    expected: (size) => ({ embeddings: docs(size).map(vector), promptTokens: docs(size).join("").length }),
  },
  {
    name: "embed token ids",
    build: (calls, pool, hold) =>
      embedStrategies(
        { model: "fake", embed: () => Promise.reject(new Error("unused")), embedWithUsage: () => Promise.reject(new Error("unused")) },
        Object.assign(pool, {
          embedSequences(seqs: number[][], options: EmbedOptions = {}) {
            return answer(calls, seqs.length, options.signal, hold, seqs.some((s) => s[0] === -1), () => ({
              embeddings: seqs.map((s) => Float32Array.from(s)),
              usage: { promptTokens: 0, totalTokens: 0 },
            }));
          },
        }),
      ).tokens as unknown as CoalesceStrategy<unknown, unknown, object>,
    item: (size, poison) => Array.from({ length: size }, (_, j) => (j === poison ? [-1] : seq(j))),
    expected: (size) => ({
      embeddings: Array.from({ length: size }, (_, j) => Float32Array.from(seq(j))),
      promptTokens: Array.from({ length: size }, (_, j) => seq(j).length).reduce((a, b) => a + b, 0),
    }),
  },
];

function setup(
  c: Case,
  options: { batching?: BatcherOptions; pool?: Partial<Pool>; slots?: number; held?: boolean } = {},
): { coalescer: RequestCoalescer; strategy: CoalesceStrategy<unknown, unknown, object>; calls: Call[]; slots: Slots; release: () => void } {
  const calls: Call[] = [];
  const slots = new Slots(options.slots ?? 2, 1000);
  let release = (): void => undefined;
  const hold = options.held ? new Promise<void>((r) => (release = r)) : Promise.resolve();
  const pool: Pool = { idleWorkers: 2, batchInvariant: true, ...options.pool };
  return { coalescer: new RequestCoalescer(slots, options.batching), strategy: c.build(calls, pool, hold), calls, slots, release };
}

describe.each(cases)("splitting a lone request, $name", (c) => {
  it("runs a lone large request in parts on the idle workers, joined in order to the unsplit answer", async () => {
    const { coalescer, strategy, calls, slots } = setup(c);
    const answer = await coalescer.submit(strategy, c.item(9), {});
    expect(answer).toEqual(c.expected(9));
    expect(calls.map((x) => x.size).reduce((a, b) => a + b, 0)).toBe(9);
    expect(calls).toHaveLength(2);
    // Both parts held a slot, and both slots are free again.
    expect(slots.running).toBe(0);
  });

  it("splits into no more parts than idle workers, free slots and minPartSize allow", async () => {
    const three = setup(c, { pool: { idleWorkers: 3 }, slots: 4 });
    await three.coalescer.submit(three.strategy, c.item(40), {});
    expect(three.calls).toHaveLength(3);
    const slotBound = setup(c, { pool: { idleWorkers: 4 }, slots: 2 });
    await slotBound.coalescer.submit(slotBound.strategy, c.item(40), {});
    expect(slotBound.calls).toHaveLength(2);
    const sizeBound = setup(c, { pool: { idleWorkers: 4 }, slots: 4, batching: { minPartSize: 4 } });
    await sizeBound.coalescer.submit(sizeBound.strategy, c.item(11), {});
    expect(sizeBound.calls).toHaveLength(2);
  });

  it("never splits a request smaller than twice minPartSize", async () => {
    const { coalescer, strategy, calls } = setup(c);
    expect(await coalescer.submit(strategy, c.item(3), {})).toEqual(c.expected(3));
    expect(calls.map((x) => x.size)).toEqual([3]);
    await coalescer.submit(strategy, c.item(4), {});
    expect(calls.map((x) => x.size)).toEqual([3, 2, 2]);
  });

  it("never splits when the pool's answers depend on the batch, or when split is off", async () => {
    const variant = setup(c, { pool: { batchInvariant: false } });
    await variant.coalescer.submit(variant.strategy, c.item(8), {});
    expect(variant.calls.map((x) => x.size)).toEqual([8]);
    const off = setup(c, { batching: { split: false } });
    await off.coalescer.submit(off.strategy, c.item(8), {});
    expect(off.calls.map((x) => x.size)).toEqual([8]);
  });

  it("does not split while other requests wait or are on their way", async () => {
    // Another admitted request that is neither queued nor running is on its way (being parsed).
    const arriving = setup(c);
    const done = arriving.slots.admit();
    arriving.slots.admit();
    await arriving.coalescer.submit(arriving.strategy, c.item(8), {});
    done();
    expect(arriving.calls.map((x) => x.size)).toEqual([8]);
    // A worker busy with another request: the spare slot is taken, so the large request runs whole.
    const busy = setup(c, { held: true });
    const small = busy.coalescer.submit(busy.strategy, c.item(1), {});
    const large = busy.coalescer.submit(busy.strategy, c.item(8), {});
    await new Promise((r) => setTimeout(r, 5));
    expect(busy.calls.map((x) => x.size)).toEqual([1, 8]);
    busy.release();
    expect(await large).toEqual(c.expected(8));
    await small;
  });

  it("fails the request with the error of the part that failed, and stops the other parts", async () => {
    const { coalescer, strategy, calls, slots, release } = setup(c, { held: true });
    const error = await coalescer.submit(strategy, c.item(8, 7), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^poisoned part of/);
    expect(calls).toHaveLength(2);
    // The healthy part, still running, was told to stop.
    expect(calls[0]!.signal?.aborted).toBe(true);
    release();
    await new Promise((r) => setTimeout(r, 5));
    expect(slots.running).toBe(0);
  });

  it("cancels every part when the request is aborted", async () => {
    const { coalescer, strategy, calls, slots, release } = setup(c, { held: true });
    const controller = new AbortController();
    const pending = coalescer.submit(strategy, c.item(8), {}, controller.signal);
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toHaveLength(2);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(calls.every((x) => x.signal?.aborted === true)).toBe(true);
    release();
    await new Promise((r) => setTimeout(r, 5));
    expect(slots.running).toBe(0);
  });
});

it("refuses a minPartSize that is not a positive integer, naming the option", () => {
  for (const minPartSize of [0, -1, 1.5, Number.NaN]) {
    expect(() => new RequestCoalescer(new Slots(2, 10), { minPartSize }), String(minPartSize)).toThrow(InvalidOptionError);
    expect(() => new RequestCoalescer(new Slots(2, 10), { minPartSize }), String(minPartSize)).toThrow(/batching\.minPartSize/);
  }
});

describe("partition", () => {
  it("cuts contiguous, non-empty ranges of about equal weight", () => {
    expect(partition([1, 1, 1, 1], 2)).toEqual([0, 2, 4]);
    expect(partition([5, 1, 1, 1, 1, 1], 2)).toEqual([0, 1, 6]);
    expect(partition([1, 1, 1, 1, 1, 1, 1], 3)).toEqual([0, 2, 5, 7]);
    // Never an empty part, even when one item outweighs the rest.
    expect(partition([100, 1], 2)).toEqual([0, 1, 2]);
    expect(partition([1, 100], 2)).toEqual([0, 1, 2]);
    expect(partition([0, 0, 0], 3)).toEqual([0, 1, 2, 3]);
    expect(partition([1, 2], 5)).toEqual([0, 1, 2]);
  });
});

describe("splitting a lone score request along the pool's own micro-batches (q8)", () => {
  /** A pool whose answers depend on the batch and that plans its calls, as a q8 cross-encoder pool. */
  function planningPool(plan: { batches: number[][]; lengths: number[] }): { pool: object; sent: string[][]; planned: number } {
    const state = { pool: {}, sent: [] as string[][], planned: 0 };
    state.pool = {
      idleWorkers: 2,
      batchInvariant: false,
      microBatchSplit: true,
      planScore: async () => {
        state.planned++;
        return plan;
      },
      scoreWithUsage: async (_q: unknown, documents: string[]) => {
        state.sent.push(documents);
        return { scores: documents.map((d) => Number(d.slice(1))), usage: { promptTokens: documents.length, totalTokens: documents.length }, pairTokens: documents.map((d) => 10 + Number(d.slice(1))) };
      },
    };
    return state;
  }
  const pairs = (n: number): { queries: string[]; documents: string[] } => ({ queries: Array(n).fill("q"), documents: Array.from({ length: n }, (_, j) => `d${j}`) });

  it("sends whole micro-batches of the plan, each part's pairs in caller order, and puts every score back at its pair", async () => {
    // Runs in plan order (length-sorted), not in the caller's order.
    const state = planningPool({ batches: [[5, 1], [0, 4], [3, 2, 6]], lengths: [3, 3, 9, 9, 3, 2, 9] });
    const { pool, sent } = state;
    const coalescer = new RequestCoalescer(new Slots(2, 1000));
    const answer = await coalescer.submit(scoreStrategy(pool as never) as never, pairs(7), {});
    expect(state.planned).toBe(1);
    // 6 + 6 padded tokens, then 27: the first two runs make one part, the third the other.
    expect(sent).toEqual([["d0", "d1", "d4", "d5"], ["d2", "d3", "d6"]]);
    expect(answer).toEqual({ scores: [0, 1, 2, 3, 4, 5, 6], usage: { promptTokens: 7, totalTokens: 7 }, pairTokens: [10, 11, 12, 13, 14, 15, 16] });
  });

  it("runs a plan of one micro-batch as one call", async () => {
    const { pool, sent } = planningPool({ batches: [[0, 1, 2, 3]], lengths: [5, 5, 5, 5] });
    const coalescer = new RequestCoalescer(new Slots(2, 1000));
    await coalescer.submit(scoreStrategy(pool as never) as never, pairs(4), {});
    expect(sent).toEqual([["d0", "d1", "d2", "d3"]]);
  });
});
