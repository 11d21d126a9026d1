/**
 * The ColBERT document cache, counted where it matters: rows fed to the ONNX encoder session.
 * The scorer's own counters could claim hits while it re-encodes anyway; the session cannot.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LateInteractionScorer } from "../../src/index.js";
import { DOCS, QUERY, modelDir } from "./helpers.js";

interface SpiedSession {
  run: (feeds: Record<string, { dims: number[] }>, output: string) => Promise<unknown>;
}

describe("ColBERT document cache at the ONNX session", () => {
  let scorer: LateInteractionScorer;
  let rows: number[];

  beforeEach(async () => {
    scorer = await LateInteractionScorer.fromPretrained(await modelDir("colbert-pylate"), { documentCacheSize: 3 });
    const session = (scorer as unknown as { session: SpiedSession }).session;
    rows = [];
    const run = session.run.bind(session);
    vi.spyOn(session, "run").mockImplementation((feeds, output) => {
      rows.push(feeds["input_ids"]?.dims[0] as number);
      return run(feeds, output);
    });
  });
  afterEach(() => scorer.close());

  /** Rows encoded by the session since the last call (queries + documents the cache lacked). */
  const encoded = (): number => rows.splice(0).reduce((a, b) => a + b, 0);
  const [d0, d1, d2, d3] = DOCS as [string, string, string, string];

  it("encodes each cached document once: a second query over the same documents encodes only the query", async () => {
    const first = await scorer.score(QUERY, [d0, d1, d2]);
    expect(encoded()).toBe(1 + 3);
    await scorer.score("another query", [d0, d1, d2]);
    expect(encoded()).toBe(1);
    expect(await scorer.score(QUERY, [d0, d1, d2])).toEqual(first);
    expect(encoded()).toBe(1);
  });

  it("evicts the least recently used document beyond documentCacheSize and re-encodes it when asked again", async () => {
    await scorer.score(QUERY, [d0, d1, d2]); // cache: d0 d1 d2
    expect(encoded()).toBe(4);
    await scorer.score(QUERY, [d3]); // d0 evicted: d1 d2 d3
    expect(encoded()).toBe(2);
    expect(scorer.cacheStats().size).toBe(3);
    await scorer.score(QUERY, [d0]); // miss, re-encoded; d1 evicted: d2 d3 d0
    expect(encoded()).toBe(2);
    await scorer.score(QUERY, [d2]); // still cached
    expect(encoded()).toBe(1);
    await scorer.score(QUERY, [d1]); // evicted earlier
    expect(encoded()).toBe(2);
    expect(scorer.cacheStats().size).toBe(3);
  });

  it("encodes every time with documentCacheSize 0", async () => {
    const none = await LateInteractionScorer.fromPretrained(await modelDir("colbert-pylate"), { documentCacheSize: 0 });
    const session = (none as unknown as { session: SpiedSession }).session;
    const spy = vi.spyOn(session, "run");
    await none.score(QUERY, [d0, d1]);
    await none.score(QUERY, [d0, d1]);
    const fed = spy.mock.calls.reduce((n, [feeds]) => n + (feeds["input_ids"]?.dims[0] as number), 0);
    expect(fed).toBe(2 * (1 + 2));
    await none.close();
  });
});
