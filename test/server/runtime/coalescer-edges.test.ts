// The coalescer's promises at their edges, over a recording fake strategy (no model, no worker):
// how long a batch waits and when it must not, what reaches the model when requests abort or a
// merged call fails, when a call may take spare slots to split, and the option it refuses.
// Companions "on their way" are simulated with Slots.admit(): admitted requests not yet submitted.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortError } from "../../../src/errors/abort-error.js";
import { InvalidOptionError } from "../../../src/errors/invalid-option-error.js";
import { RequestCoalescer, type CoalesceStrategy } from "../../../src/server/runtime/coalescer.js";
import { scoreStrategy } from "../../../src/server/runtime/score-strategy.js";
import { Slots } from "../../../src/server/runtime/slots.js";
import type { ScoreInput, ScoreOptions, ScoreResponse } from "../../../src/types.js";

/** One request to the fake: a name the answers carry, and its size in items. */
interface Item {
  id: string;
  size: number;
}

/** One model call as the fake saw it; `finish` answers it when the test holds it. */
interface Run {
  ids: string[];
  signal: AbortSignal;
  parts: number;
  finish(answer: unknown[] | Error): void;
}

/**
 * A strategy recording every call. Calls for which `hold` is true wait for the test's `finish`;
 * the others answer at once with `answer` (by default one `"<id> done"` per request).
 */
function fake(
  options: { hold?: (ids: string[]) => boolean; lanes?: number; answer?: (ids: string[]) => unknown[] } = {},
): { strategy: CoalesceStrategy<Item, unknown, object>; runs: Run[] } {
  const runs: Run[] = [];
  const answer = options.answer ?? ((ids: string[]) => ids.map((id) => `${id} done`));
  const strategy: CoalesceStrategy<Item, unknown, object> = {
    kind: "fake",
    size: (item) => item.size,
    lanes: () => options.lanes ?? 1,
    run(items, _options, signal, parts) {
      return new Promise<unknown[]>((resolve, reject) => {
        const ids = items.map((i) => i.id);
        const finish = (a: unknown[] | Error): void => (a instanceof Error ? reject(a) : resolve(a));
        runs.push({ ids, signal, parts, finish });
        if (!options.hold?.(ids)) finish(answer(ids));
      });
    },
  };
  return { strategy, runs };
}

const item = (id: string, size = 1): Item => ({ id, size });
/** Lets pending promise callbacks run (setImmediate stays real under the fake timers used here). */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Admits `n` requests that are on their way (parsed, not yet submitted). */
const onTheirWay = (slots: Slots, n: number): void => {
  for (let i = 0; i < n; i++) slots.admit();
};

afterEach(() => {
  vi.useRealTimers();
});

describe("the coalescer's wait for companions", () => {
  const fakeClock = (): void => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  };

  it("holds a batch while companions are on their way, and sends it exactly maxWaitMs after it opened", async () => {
    fakeClock();
    const slots = new Slots(2, 100);
    const coalescer = new RequestCoalescer(slots, { maxWaitMs: 50 });
    const { strategy, runs } = fake();
    onTheirWay(slots, 3);
    const answer = coalescer.submit(strategy, item("a"), {});
    await flush();
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(49);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.ids)).toEqual([["a"]]);
    await expect(answer).resolves.toBe("a done");
  });

  it("counts the wait from when the batch opened, not from when a slot freed", async () => {
    fakeClock();
    const slots = new Slots(1, 100);
    const coalescer = new RequestCoalescer(slots, { maxWaitMs: 50 });
    const { strategy, runs } = fake({ hold: (ids) => ids.includes("busy") });
    const busy = coalescer.submit(strategy, item("busy"), { other: true });
    await flush();
    onTheirWay(slots, 3);
    const answer = coalescer.submit(strategy, item("a"), {});
    await vi.advanceTimersByTimeAsync(30);
    runs[0]!.finish(["busy done"]);
    await busy;
    await flush();
    // Opened at 0 ms, the slot freed at 30 ms: 20 ms are left, not 50.
    await vi.advanceTimersByTimeAsync(19);
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.ids)).toEqual([["busy"], ["a"]]);
    await expect(answer).resolves.toBe("a done");
  });

  it("sends a batch the moment it is full, without waiting for the companions", async () => {
    fakeClock();
    const slots = new Slots(1, 100);
    const coalescer = new RequestCoalescer(slots, { maxWaitMs: 1000, maxBatchPairs: 2 });
    const { strategy, runs } = fake();
    onTheirWay(slots, 5);
    const answers = [coalescer.submit(strategy, item("a"), {}), coalescer.submit(strategy, item("b"), {})];
    await flush();
    expect(runs.map((r) => r.ids)).toEqual([["a", "b"]]);
    await expect(Promise.all(answers)).resolves.toEqual(["a done", "b done"]);
    coalescer.dispose();
  });

  it("sends a request of exactly maxBatchPairs at once: nothing more could join it", async () => {
    fakeClock();
    const slots = new Slots(1, 100);
    const coalescer = new RequestCoalescer(slots, { maxWaitMs: 1000, maxBatchPairs: 2 });
    const { strategy, runs } = fake();
    onTheirWay(slots, 5);
    const answer = coalescer.submit(strategy, item("a", 2), {});
    await flush();
    expect(runs.map((r) => r.ids)).toEqual([["a"]]);
    await expect(answer).resolves.toBe("a done");
    coalescer.dispose();
  });

  it("never holds a request with batching off, whatever is on its way", async () => {
    fakeClock();
    const slots = new Slots(1, 100);
    const coalescer = new RequestCoalescer(slots, { maxWaitMs: 1000, enabled: false });
    const { strategy, runs } = fake();
    onTheirWay(slots, 5);
    const answer = coalescer.submit(strategy, item("a"), {});
    await flush();
    expect(runs.map((r) => r.ids)).toEqual([["a"]]);
    await expect(answer).resolves.toBe("a done");
    coalescer.dispose();
  });

  it("skips a batch whose requests all aborted instead of waiting on it", async () => {
    fakeClock();
    const slots = new Slots(1, 100);
    const coalescer = new RequestCoalescer(slots, { maxWaitMs: 1000, maxBatchPairs: 2 });
    const { strategy, runs } = fake({ hold: (ids) => ids.includes("busy") });
    const busy = coalescer.submit(strategy, item("busy"), { o: 0 });
    await flush();
    onTheirWay(slots, 5);
    const controller = new AbortController();
    const gone = coalescer.submit(strategy, item("gone"), { o: 1 }, controller.signal);
    const full = coalescer.submit(strategy, item("full", 2), { o: 2 });
    controller.abort();
    await expect(gone).rejects.toBeInstanceOf(AbortError);
    runs[0]!.finish(["busy done"]);
    await busy;
    await flush();
    // The aborted batch (open, companions expected) must not hold the full one behind it.
    expect(runs.map((r) => r.ids)).toEqual([["busy"], ["full"]]);
    await expect(full).resolves.toBe("full done");
    coalescer.dispose();
  });

  it("stops counting a finished call's requests as running, so a later batch waits for its companions again", async () => {
    fakeClock();
    const slots = new Slots(1, 100);
    const coalescer = new RequestCoalescer(slots, { maxWaitMs: 50, maxBatchPairs: 2 });
    const { strategy, runs } = fake();
    const first = slots.admit();
    onTheirWay(slots, 2);
    await expect(coalescer.submit(strategy, item("first", 2), {})).resolves.toBe("first done");
    first();
    // One request submitted now, one more still on its way: worth waiting for.
    const answer = coalescer.submit(strategy, item("a"), {});
    await flush();
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(runs.map((r) => r.ids)).toEqual([["first"], ["a"]]);
    await expect(answer).resolves.toBe("a done");
  });

  it("dispose() stops the wait timer: the held batch does not leave on it", async () => {
    fakeClock();
    const slots = new Slots(1, 100);
    const coalescer = new RequestCoalescer(slots, { maxWaitMs: 50 });
    const { strategy, runs } = fake();
    onTheirWay(slots, 3);
    void coalescer.submit(strategy, item("a"), {});
    await flush();
    coalescer.dispose();
    await vi.advanceTimersByTimeAsync(200);
    expect(runs).toHaveLength(0);
  });
});

describe("the coalescer's requests that go away", () => {
  it("counts only live requests as queued", async () => {
    const coalescer = new RequestCoalescer(new Slots(1, 100));
    const { strategy, runs } = fake({ hold: (ids) => ids.includes("busy") });
    const busy = coalescer.submit(strategy, item("busy"), {});
    await flush();
    const controller = new AbortController();
    const gone = coalescer.submit(strategy, item("gone"), {}, controller.signal);
    const kept = coalescer.submit(strategy, item("kept"), {});
    expect(coalescer.queuedRequests).toBe(2);
    controller.abort();
    expect(coalescer.queuedRequests).toBe(1);
    await expect(gone).rejects.toBeInstanceOf(AbortError);
    runs[0]!.finish(["busy done"]);
    await expect(Promise.all([busy, kept])).resolves.toEqual(["busy done", "kept done"]);
  });

  it("never calls the model for a request aborted before its call started", async () => {
    const coalescer = new RequestCoalescer(new Slots(1, 100));
    const { strategy, runs } = fake();
    const controller = new AbortController();
    const gone = coalescer.submit(strategy, item("gone"), {}, controller.signal);
    controller.abort();
    await expect(gone).rejects.toBeInstanceOf(AbortError);
    await flush();
    expect(runs).toHaveLength(0);
  });

  it("keeps a merged call running when one of its requests aborts, and leaves no listener on that request's signal", async () => {
    const coalescer = new RequestCoalescer(new Slots(1, 100));
    const { strategy, runs } = fake({ hold: () => true });
    const busy = coalescer.submit(strategy, item("busy"), {});
    await flush();
    const a = new AbortController();
    const gone = coalescer.submit(strategy, item("gone"), {}, a.signal);
    const kept = coalescer.submit(strategy, item("kept"), {});
    runs[0]!.finish(["busy done"]);
    await busy;
    await flush();
    expect(runs[1]!.ids).toEqual(["gone", "kept"]);
    a.abort();
    await expect(gone).rejects.toBeInstanceOf(AbortError);
    // The call still serves "kept"; nothing is left waiting on the aborted signal.
    expect(runs[1]!.signal.aborted).toBe(false);
    expect(getEventListeners(a.signal, "abort")).toHaveLength(0);
    runs[1]!.finish(["gone done", "kept done"]);
    await expect(kept).resolves.toBe("kept done");
  });

  it("takes its listeners off a request's signal when the call ends", async () => {
    const coalescer = new RequestCoalescer(new Slots(1, 100));
    const { strategy, runs } = fake({ hold: (ids) => ids.includes("busy") });
    const busy = coalescer.submit(strategy, item("busy"), {});
    await flush();
    const controller = new AbortController();
    const answer = coalescer.submit(strategy, item("a"), {}, controller.signal);
    // Queued: the request's own abort listener only.
    const queued = getEventListeners(controller.signal, "abort").length;
    runs[0]!.finish(["busy done"]);
    await busy;
    await expect(answer).resolves.toBe("a done");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(queued);
  });

  it("retries a failed merged call's requests alone, but not those aborted meanwhile", async () => {
    const coalescer = new RequestCoalescer(new Slots(1, 100));
    const { strategy, runs } = fake({ hold: (ids) => ids.includes("busy") || ids.length > 1 });
    const busy = coalescer.submit(strategy, item("busy"), {});
    await flush();
    const controller = new AbortController();
    const answers = [
      coalescer.submit(strategy, item("a"), {}),
      coalescer.submit(strategy, item("b"), {}),
      coalescer.submit(strategy, item("gone"), {}, controller.signal),
    ];
    runs[0]!.finish(["busy done"]);
    await busy;
    await flush();
    expect(runs[1]!.ids).toEqual(["a", "b", "gone"]);
    controller.abort();
    runs[1]!.finish(new Error("merged call failed"));
    const results = await Promise.allSettled(answers);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).name))).toEqual(["a done", "b done", "AbortError"]);
    expect(runs.map((r) => r.ids)).toEqual([["busy"], ["a", "b", "gone"], ["a"], ["b"]]);
  });
});

describe("the coalescer's answers", () => {
  it("rejects a call that answers fewer results than it had requests, naming both counts", async () => {
    const coalescer = new RequestCoalescer(new Slots(1, 100));
    const { strategy } = fake({ answer: (ids) => ids.slice(1) });
    await expect(coalescer.submit(strategy, item("a"), {})).rejects.toThrow(new Error("A fake call returned 0 results for 1 requests"));
  });

  it("rejects a call that answers more results than it had requests", async () => {
    const coalescer = new RequestCoalescer(new Slots(1, 100));
    const { strategy } = fake({ answer: (ids) => [...ids, "extra"] });
    await expect(coalescer.submit(strategy, item("a"), {})).rejects.toThrow(new Error("A fake call returned 2 results for 1 requests"));
  });
});

describe("the coalescer's split of a lone call", () => {
  it("accepts minPartSize 1: a request of two items splits into two parts", async () => {
    const coalescer = new RequestCoalescer(new Slots(2, 100), { minPartSize: 1 });
    const { strategy, runs } = fake({ lanes: 2 });
    await expect(coalescer.submit(strategy, item("a", 2), {})).resolves.toBe("a done");
    expect(runs.map((r) => r.parts)).toEqual([2]);
  });

  it("refuses a minPartSize below 1 or not an integer, naming the option", () => {
    for (const minPartSize of [0, 1.5]) {
      let error: unknown;
      try {
        new RequestCoalescer(new Slots(1, 100), { minPartSize });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      const e = error as InvalidOptionError;
      expect(e.message).toBe(`createServer: \`batching.minPartSize\` must be a positive integer, got ${minPartSize}`);
      expect(e.option).toBe("batching.minPartSize");
      expect(e.field).toBe("batching.minPartSize");
      expect(e.allowed).toBe("a positive integer");
    }
  });

  it("splits a lone call over the idle lanes, but not while another request waits in the queue", async () => {
    const alone = fake({ lanes: 3 });
    const c1 = new RequestCoalescer(new Slots(3, 100), { maxWaitMs: 1000 });
    await c1.submit(alone.strategy, item("a", 4), {});
    expect(alone.runs.map((r) => r.parts)).toEqual([2]);

    const slots = new Slots(3, 100);
    const c2 = new RequestCoalescer(slots, { maxWaitMs: 1000 });
    const { strategy, runs } = fake({ lanes: 3 });
    const a = c2.submit(strategy, item("a", 4), { o: 1 });
    // "b" arrives while "a" is leaving, and waits for a companion still on its way.
    onTheirWay(slots, 2);
    void c2.submit(strategy, item("b"), { o: 2 });
    await expect(a).resolves.toBe("a done");
    expect(runs.map((r) => [r.ids, r.parts])).toEqual([[["a"], 1]]);
    c2.dispose();
  });
});

/** A scorer over pairs whose score is computed here from the texts: 10 x query length + document length. */
function pairScorer(extra: object = {}): { scorer: object; calls: Array<[string[], string[]]>; planned: number[] } {
  const calls: Array<[string[], string[]]> = [];
  const planned: number[] = [];
  const scorer = {
    ...extra,
    async scoreWithUsage(queries: ScoreInput[], documents: ScoreInput[], _options?: ScoreOptions): Promise<ScoreResponse> {
      const qs = queries as string[];
      const ds = documents as string[];
      calls.push([qs, ds]);
      return { scores: ds.map((d, i) => 10 * (qs[i] as string).length + d.length), usage: { promptTokens: ds.length, totalTokens: ds.length } };
    },
    async planScore(queries: ScoreInput[]) {
      planned.push(queries.length);
      return { batches: queries.map((_, i) => [i]), lengths: queries.map(() => 1) };
    },
  };
  return { scorer, calls, planned };
}

const pairs = { queries: ["q", "qq", "qqq", "qqqq"], documents: ["d", "dd", "ddd", "dddd"] };
const expectedScores = [11, 22, 33, 44];
const run = (scorer: object, parts: number): Promise<ScoreResponse[]> =>
  scoreStrategy(scorer as Parameters<typeof scoreStrategy>[0]).run([pairs], {}, new AbortController().signal, parts);

describe("the score strategy", () => {
  it("cuts a batch-invariant model's split call into contiguous pairs by length, never by a micro-batch plan", async () => {
    const { scorer, calls, planned } = pairScorer({ idleWorkers: 2, batchInvariant: true, microBatchSplit: true });
    const [answer] = await run(scorer, 2);
    expect(answer!.scores).toEqual(expectedScores);
    expect(planned).toEqual([]);
    // Two contiguous parts, each query with its own document, together the whole call in order.
    expect(calls).toHaveLength(2);
    for (const [qs, ds] of calls) expect(qs.map((q) => q.length)).toEqual(ds.map((d) => d.length));
    expect(calls.flatMap(([qs]) => qs)).toEqual(pairs.queries);
  });

  it("asks a planning pool for no plan when the call is not split", async () => {
    const { scorer, calls, planned } = pairScorer({ idleWorkers: 2, microBatchSplit: true });
    const [answer] = await run(scorer, 1);
    expect(answer!.scores).toEqual(expectedScores);
    expect(planned).toEqual([]);
    expect(calls).toEqual([[pairs.queries, pairs.documents]]);
  });

  it("refuses a scorer answer with fewer scores than pairs, naming both counts", async () => {
    const scorer = {
      scoreWithUsage: async (): Promise<ScoreResponse> => ({ scores: [0.5], usage: { promptTokens: 1, totalTokens: 1 } }),
    };
    await expect(run(scorer, 1)).rejects.toThrow(new Error("The scorer returned 1 scores for 4 pairs"));
  });
});
