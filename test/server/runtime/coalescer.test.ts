import { describe, expect, it } from "vitest";
import { AbortError } from "../../../src/errors/abort-error.js";
import { RequestCoalescer, type CoalesceStrategy } from "../../../src/server/runtime/coalescer.js";
import type { BatcherOptions } from "../../../src/server/runtime/coalesce-options.js";
import { embedStrategies } from "../../../src/server/runtime/embed-strategy.js";
import { scoreStrategy } from "../../../src/server/runtime/score-strategy.js";
import { Slots } from "../../../src/server/runtime/slots.js";
import type { EmbedOptions, ScoreOptions } from "../../../src/types.js";

/** One model call as the fake model saw it. */
interface Call {
  size: number;
  options: object;
}

/** What the shared suite needs from one strategy: requests of a given size, and their expected answers. */
interface Case {
  name: string;
  build(calls: Call[]): CoalesceStrategy<unknown, unknown, object>;
  /** Request `i` with `size` inputs; an item containing `POISON` makes the model throw. */
  item(i: number, size: number, poison?: boolean): unknown;
  /** The answer request `i` of `size` inputs must get (computed by the test, not the code under test). */
  expected(i: number, size: number): unknown;
  /** Two option sets that differ only in a nested value. */
  nested: [object, object];
}

const POISON = "poison";
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
const texts = (i: number, size: number, poison = false): string[] =>
  Array.from({ length: size }, (_, j) => (poison && j === 0 ? POISON : `r${i} t${j}${"x".repeat(i)}`));
const vector = (t: string): Float32Array => Float32Array.of(t.length, t.charCodeAt(1));
// Option sets equal everywhere except deep inside: the coalescer must key every level.
const deep = (lang: string): Record<string, unknown> => ({ normalize: true, extra: { style: { lang } } });

const cases: Case[] = [
  {
    name: "score",
    build: (calls) =>
      scoreStrategy({
        async scoreWithUsage(queries, documents, options: ScoreOptions = {}) {
          const qs = queries as string[];
          const ds = documents as string[];
          calls.push({ size: qs.length, options: { ...options, signal: undefined } });
          await tick();
          if (ds.includes(POISON)) throw new Error("poisoned");
          return { scores: ds.map((d) => d.length), usage: { promptTokens: ds.length, totalTokens: ds.length }, pairTokens: ds.map(() => 1) };
        },
      }) as unknown as CoalesceStrategy<unknown, unknown, object>,
    item: (i, size, poison) => ({ queries: texts(i, size).map(() => `q${i}`), documents: texts(i, size, poison) }),
    expected: (i, size) => ({
      scores: texts(i, size).map((t) => t.length),
      usage: { promptTokens: size, totalTokens: size },
      pairTokens: texts(i, size).map(() => 1),
    }),
    nested: [{ chatTemplateKwargs: { style: { lang: "en" } } }, { chatTemplateKwargs: { style: { lang: "fr" } } }],
  },
  {
    name: "embed texts",
    build: (calls) =>
      embedStrategies(
        {
          model: "fake",
          embed: () => Promise.reject(new Error("unused")),
          async embedWithUsage(ts: string[], options: EmbedOptions = {}) {
            calls.push({ size: ts.length, options: { ...options, signal: undefined } });
            await tick();
            if (ts.includes(POISON)) throw new Error("poisoned");
            // Usage proportional to characters, so the coalescer's split by length is exact here.
            return { embeddings: ts.map(vector), usage: { promptTokens: ts.join("").length, totalTokens: 0 } };
          },
        },
        undefined,
      ).texts as unknown as CoalesceStrategy<unknown, unknown, object>,
    item: (i, size, poison) => texts(i, size, poison),
    expected: (i, size) => ({ embeddings: texts(i, size).map(vector), promptTokens: texts(i, size).join("").length }),
    nested: [deep("en"), deep("fr")],
  },
  {
    name: "embed token ids",
    build: (calls) =>
      embedStrategies(
        { model: "fake", embed: () => Promise.reject(new Error("unused")), embedWithUsage: () => Promise.reject(new Error("unused")) },
        {
          async embedSequences(seqs: number[][], options: EmbedOptions = {}) {
            calls.push({ size: seqs.length, options: { ...options, signal: undefined } });
            await tick();
            if (seqs.some((s) => s[0] === -1)) throw new Error("poisoned");
            return { embeddings: seqs.map((s) => Float32Array.from(s)), usage: { promptTokens: 0, totalTokens: 0 } };
          },
        },
      ).tokens as unknown as CoalesceStrategy<unknown, unknown, object>,
    item: (i, size, poison) => Array.from({ length: size }, (_, j) => (poison && j === 0 ? [-1] : [i, j, ...Array<number>(i).fill(7)])),
    expected: (i, size) => ({
      embeddings: Array.from({ length: size }, (_, j) => Float32Array.from([i, j, ...Array<number>(i).fill(7)])),
      promptTokens: size * (2 + i),
    }),
    nested: [deep("en"), deep("fr")],
  },
];

function setup(c: Case, options: BatcherOptions = {}): { coalescer: RequestCoalescer; strategy: CoalesceStrategy<unknown, unknown, object>; calls: Call[] } {
  const calls: Call[] = [];
  const coalescer = new RequestCoalescer(new Slots(1, 1000), options);
  return { coalescer, strategy: c.build(calls), calls };
}

describe.each(cases)("the request coalescer, $name", (c) => {
  it("merges requests queued behind a busy slot into one call, each answer its own", async () => {
    const { coalescer, strategy, calls } = setup(c);
    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => coalescer.submit(strategy, c.item(i, 2), {})));
    answers.forEach((a, i) => expect(a, `request ${i}`).toEqual(c.expected(i, 2)));
    // The first request takes the free slot alone; the other five wait for it and leave together.
    expect(calls.map((x) => x.size)).toEqual([2, 10]);
  });

  it("never merges requests whose options differ in value, however deeply nested", async () => {
    const { coalescer, strategy, calls } = setup(c);
    const [a, b] = c.nested;
    const opts = [{}, a, b, a, b];
    const answers = await Promise.all(opts.map((o, i) => coalescer.submit(strategy, c.item(i, 1), o)));
    answers.forEach((x, i) => expect(x, `request ${i}`).toEqual(c.expected(i, 1)));
    expect(calls.map((x) => x.size)).toEqual([1, 2, 2]);
    expect(calls[1]!.options).toMatchObject(a);
    expect(calls[2]!.options).toMatchObject(b);
  });

  it("merges options equal in value whatever their key order", async () => {
    const { coalescer, strategy, calls } = setup(c);
    const opts = [{}, { truncate: true, dimensions: 4 }, { dimensions: 4, truncate: true }];
    await Promise.all(opts.map((o, i) => coalescer.submit(strategy, c.item(i, 1), o)));
    expect(calls.map((x) => x.size)).toEqual([1, 2]);
  });

  it("seals a batch at maxBatchPairs (counted in this kind's unit) and runs a larger request alone", async () => {
    const { coalescer, strategy, calls } = setup(c, { maxBatchPairs: 4 });
    await Promise.all([1, 2, 2, 1, 5, 1].map((size, i) => coalescer.submit(strategy, c.item(i, size), {})));
    expect(calls.map((x) => x.size)).toEqual([1, 4, 1, 5, 1]);
  });

  it("calls the model once per request with batching off", async () => {
    const { coalescer, strategy, calls } = setup(c, { enabled: false });
    await Promise.all([0, 1, 2].map((i) => coalescer.submit(strategy, c.item(i, 2), {})));
    expect(calls.map((x) => x.size)).toEqual([2, 2, 2]);
  });

  it("isolates a failing request from the requests it was merged with", async () => {
    const { coalescer, strategy } = setup(c);
    const results = await Promise.allSettled([0, 1, 2, 3].map((i) => coalescer.submit(strategy, c.item(i, 2, i === 2), {})));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((results[3] as PromiseFulfilledResult<unknown>).value).toEqual(c.expected(3, 2));
  });

  it("drops an aborted request from its batch without failing its companions", async () => {
    const { coalescer, strategy, calls } = setup(c);
    const controller = new AbortController();
    const pending = [0, 1, 2].map((i) => coalescer.submit(strategy, c.item(i, 1), {}, i === 1 ? controller.signal : undefined));
    controller.abort();
    const results = await Promise.allSettled(pending);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(AbortError);
    expect((results[2] as PromiseFulfilledResult<unknown>).value).toEqual(c.expected(2, 1));
    expect(calls.map((x) => x.size)).toEqual([1, 1]);
  });
});

describe("the request coalescer across kinds", () => {
  it("never merges requests of different kinds, even with equal options", async () => {
    const calls: Call[] = [];
    const coalescer = new RequestCoalescer(new Slots(1, 1000));
    const [score, texts, tokens] = cases.map((c) => c.build(calls));
    await Promise.all([
      coalescer.submit(score!, cases[0]!.item(0, 1), {}),
      coalescer.submit(texts!, cases[1]!.item(1, 1), {}),
      coalescer.submit(tokens!, cases[2]!.item(2, 1), {}),
      coalescer.submit(texts!, cases[1]!.item(3, 1), {}),
    ]);
    expect(calls.map((x) => x.size)).toEqual([1, 2, 1]);
  });
});
