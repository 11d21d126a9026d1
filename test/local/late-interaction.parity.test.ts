import { beforeAll, describe, expect, it } from "vitest";
import { LateInteractionScorer } from "../../src/index.js";
import { PUNCTUATION } from "../fixtures/index.js";
import { referenceForward, refL2Normalize, refMaxSim } from "../reference/index.js";
import { CLS, DOCS, LONG_DOC, MASK, QUERY, SEP, UNUSED0, UNUSED1, maxAbsDiff, modelDir, rawIds, weightsOf } from "./helpers.js";

const TOL = 1e-4;
const QUERY_LENGTH = 32;
const DOC_LENGTH = 64;

interface RefOptions {
  markers?: boolean;
  expansion?: boolean;
  skiplist?: boolean;
  normalize?: boolean;
  vllm?: boolean;
}

describe.each(["colbert-pylate", "colbert-stanford", "colbert-stanford-checkpoint"])("late-interaction parity: %s", (name) => {
  let scorer: LateInteractionScorer;
  let ids: (t: string) => number[];
  let skip: Set<number>;
  const weights = weightsOf(name);

  /** Token vectors by the colbert-ai recipe, built by hand. */
  function vectors(input: number[], attention: number[], keep: boolean[], normalize: boolean): number[][] {
    const out = referenceForward(weights, { inputIds: input, attentionMask: attention });
    const rows = (out.projected as number[][]).filter((_, t) => keep[t]);
    return normalize ? rows.map(refL2Normalize) : rows;
  }
  function refQuery(text: string, o: RefOptions = {}): number[][] {
    if (o.vllm) {
      const input = [CLS, ...ids(text).slice(0, 126), SEP];
      return vectors(input, input.map(() => 1), input.map(() => true), o.normalize ?? true);
    }
    const marker = o.markers === false ? [] : [UNUSED0];
    const input = [CLS, ...marker, ...ids(text).slice(0, QUERY_LENGTH - 3), SEP];
    const attention = input.map(() => 1);
    if (o.expansion !== false) {
      while (input.length < QUERY_LENGTH) {
        input.push(MASK);
        attention.push(0);
      }
    }
    return vectors(input, attention, input.map(() => true), o.normalize ?? true);
  }
  function refDoc(text: string, o: RefOptions = {}): number[][] {
    if (o.vllm) {
      const input = [CLS, ...ids(text).slice(0, 126), SEP];
      return vectors(input, input.map(() => 1), input.map(() => true), o.normalize ?? true);
    }
    const marker = o.markers === false ? [] : [UNUSED1];
    const input = [CLS, ...marker, ...ids(text).slice(0, DOC_LENGTH - 3), SEP];
    const keep = input.map((id) => o.skiplist === false || !skip.has(id));
    return vectors(input, input.map(() => 1), keep, o.normalize ?? true);
  }
  const refScore = (q: string, d: string, o: RefOptions = {}) => refMaxSim(refQuery(q, o), refDoc(d, o));

  beforeAll(async () => {
    const dir = await modelDir(name);
    scorer = await LateInteractionScorer.fromPretrained(dir);
    ids = rawIds(dir);
    skip = new Set([...PUNCTUATION].map((c) => ids(c)[0] as number));
  });

  it("reads markers, lengths and expansion from the model's metadata", () => {
    expect(scorer.settings.queryMarkerId).toBe(UNUSED0);
    expect(scorer.settings.documentMarkerId).toBe(UNUSED1);
    expect(scorer.settings.queryLength).toBe(QUERY_LENGTH);
    expect(scorer.settings.documentLength).toBe(DOC_LENGTH);
    expect(scorer.settings.expandQuery).toBe(true);
  });

  it("scores MaxSim within 1e-4 of the hand-built reference (markers, [MASK] expansion, skiplist, truncation)", async () => {
    const scores = await scorer.score(QUERY, DOCS);
    const expected = DOCS.map((d) => refScore(QUERY, d));
    const err = maxAbsDiff(scores, expected);
    console.log(`[parity] ${name} fp32 max abs error (MaxSim): ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(TOL);
  });

  it("is sensitive: skipping markers, expansion or the skiplist moves MaxSim by > 100x the tolerance", () => {
    const doc = "paris, the capital of france! (it is big.)";
    const good = refScore(QUERY, doc);
    expect(Math.abs(good - refScore(QUERY, doc, { markers: false }))).toBeGreaterThan(100 * TOL);
    expect(Math.abs(good - refScore(QUERY, doc, { expansion: false }))).toBeGreaterThan(100 * TOL);
    expect(Math.abs(good - refScore(QUERY, doc, { skiplist: false }))).toBeGreaterThan(100 * TOL);
  });

  it("drops punctuation from documents but keeps every query position", async () => {
    const [d] = await scorer.embedTokens(["paris, the capital!"], { kind: "document" });
    const [q] = await scorer.embedTokens([QUERY], { kind: "query" });
    expect(d?.tokens).toBe(2 + ids("paris the capital").length + 1);
    expect(q?.tokens).toBe(QUERY_LENGTH);
    expect(maxAbsDiff(d?.data as Float32Array, refDoc("paris, the capital!").flat())).toBeLessThanOrEqual(TOL);
  });

  it("skips the per-token normalization with activation: false (vLLM use_activation)", async () => {
    const [raw] = await scorer.score(QUERY, DOCS[1] as string, { activation: false });
    const expected = refScore(QUERY, DOCS[1] as string, { normalize: false });
    expect(Math.abs((raw as number) - expected) / Math.abs(expected)).toBeLessThanOrEqual(TOL);
  });

  it("matches vLLM's serving path with convention: vllm (no markers, expansion or skiplist)", async () => {
    const dir = await modelDir(name);
    const vllm = await LateInteractionScorer.fromPretrained(dir, { convention: "vllm" });
    const scores = await vllm.score(QUERY, DOCS);
    const expected = DOCS.map((d) => refScore(QUERY, d, { vllm: true }));
    expect(maxAbsDiff(scores, expected)).toBeLessThanOrEqual(TOL);
    await vllm.close();
  });

  it("caches document token embeddings: reranking the same chunks again skips the encoder", async () => {
    const dir = await modelDir(name);
    const fresh = await LateInteractionScorer.fromPretrained(dir);
    const first = await fresh.rerank(QUERY, DOCS);
    expect(fresh.cacheStats()).toMatchObject({ hits: 0, misses: DOCS.length, size: DOCS.length });
    const second = await fresh.rerank("a different query about germany", DOCS);
    expect(fresh.cacheStats()).toMatchObject({ hits: DOCS.length, misses: DOCS.length });
    const again = await fresh.rerank(QUERY, DOCS);
    expect(again).toEqual(first);
    expect(second).not.toEqual(first);
    await fresh.close();
  });

  it("counts usage as vLLM: query + one pad + document tokens per pair", async () => {
    const r = await scorer.scoreWithUsage(QUERY, [LONG_DOC, DOCS[0] as string]);
    const doc = (t: string) => Math.min(ids(t).length, DOC_LENGTH - 3) + 3;
    expect(r.usage.promptTokens).toBe(2 * (QUERY_LENGTH + 1) + doc(LONG_DOC) + doc(DOCS[0] as string));
  });
});

describe("document token budgets (for chunk-and-max)", () => {
  it("ColBERT: the document length minus [CLS], marker and [SEP], independent of the query", async () => {
    const s = await LateInteractionScorer.fromPretrained(await modelDir("colbert-pylate"));
    expect(s.documentTokenBudget(QUERY)).toBe(DOC_LENGTH - 3);
    expect(s.documentTokenBudget(LONG_DOC)).toBe(DOC_LENGTH - 3);
    const windows = s.splitIntoWindows(LONG_DOC, s.documentTokenBudget(QUERY), 8);
    expect(windows.length).toBeGreaterThan(1);
    for (const w of windows) expect(s.tokenize(w, { addSpecialTokens: false }).ids.length).toBeLessThanOrEqual(DOC_LENGTH - 3);
    await s.close();
  });
});

describe("missing projection", () => {
  it("refuses to score unprojected hidden states when the metadata declares another dim", async () => {
    const { cpSync, mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = join(mkdtempSync(join(tmpdir(), "rerank-kit-colbert-")), "model");
    cpSync(await modelDir("colbert-stanford-checkpoint"), dir, { recursive: true });
    rmSync(join(dir, "model.safetensors"));
    const s = await LateInteractionScorer.fromPretrained(dir);
    await expect(s.score(QUERY, DOCS)).rejects.toThrow(/outputs 32-wide token vectors, the model's metadata declares dim 16/);
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("document cache isolation", () => {
  it("hands out copies: writing into embedTokens' result does not change later scores", async () => {
    const s = await LateInteractionScorer.fromPretrained(await modelDir("colbert-pylate"));
    const before = await s.score(QUERY, DOCS);
    const got = await s.embedTokens(DOCS, { kind: "document" });
    for (const e of got) e.data.fill(0);
    expect(await s.score(QUERY, DOCS)).toEqual(before);
    await s.close();
  });
});

describe("document cache and truncation", () => {
  it("still throws ContextLengthError for a cached long document when truncate is false", async () => {
    const s = await LateInteractionScorer.fromPretrained(await modelDir("colbert-pylate"));
    await s.score(QUERY, [LONG_DOC]); // cached, truncated
    await expect(s.score(QUERY, [LONG_DOC], { truncate: false })).rejects.toThrow(/Please reduce the length of the input prompt/);
    const again = await s.scoreWithUsage(QUERY, [LONG_DOC]);
    expect(s.cacheStats().hits).toBe(1);
    expect(again.usage.promptTokens).toBe(QUERY_LENGTH + 1 + DOC_LENGTH);
    await s.close();
  });
});
