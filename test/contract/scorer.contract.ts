/**
 * The behaviour every {@link Scorer} shares, whatever runs it: vLLM pairing rules, typed errors,
 * ranking. Each implementation's test file calls {@link runScorerContract}, as Hono's routers share
 * one test suite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, InvalidInputError, type Scorer } from "../../src/index.js";

/** How to build and tear down the scorer under test. */
export interface ContractTarget {
  /** Builds the scorer (once per suite). */
  newScorer: () => Promise<Scorer>;
  /** Extra cleanup after `close()`, e.g. stopping a server. */
  cleanup?: () => Promise<void>;
  /** Largest difference allowed between the same pair scored in different batches. @default 1e-5 */
  tolerance?: number;
  /**
   * Independent expected scores (test/local/reference-scores.ts), so the contract checks the
   * numbers too, not only that the scorer agrees with itself.
   */
  reference?: (query: string, documents: readonly string[]) => number[];
}

/** Parity with the float64 reference (fp32 ORT vs float64). */
const REFERENCE_TOL = 1e-4;

const QUERY = "what is the capital of france?";
const DOCS = [
  "paris is the capital of france.",
  "berlin is the capital of germany.",
  "the weather is lovely today!",
  "france",
  "a longer passage about the rivers, parks and museums of a large european city",
];

/** Registers the shared Scorer behaviour tests under `describe(name)`. */
export function runScorerContract(name: string, target: ContractTarget): void {
  describe(`Scorer contract: ${name}`, () => {
    let scorer: Scorer;
    const tol = target.tolerance ?? 1e-5;

    if (target.reference) {
      const queries = [QUERY, "largest city in germany", QUERY];
      let expected: { oneToMany: number[]; zipped: number[] };
      // Computed before the scorer exists: the float64 reference blocks the event loop for a
      // while, and an HTTP scorer's idle keep-alive socket must not expire in between calls.
      beforeAll(() => {
        const reference = target.reference!;
        expected = {
          oneToMany: reference(QUERY, DOCS),
          zipped: queries.map((q, i) => reference(q, [DOCS[i] as string])[0] as number),
        };
      });

      it("scores within 1e-4 of the independent reference, 1:N and N:N", async () => {
        const scores = await scorer.score(QUERY, DOCS);
        scores.forEach((s, i) => expect(Math.abs(s - (expected.oneToMany[i] as number)), `document ${i}`).toBeLessThanOrEqual(REFERENCE_TOL));
        const zipped = await scorer.score(queries, DOCS.slice(0, 3));
        zipped.forEach((s, i) => expect(Math.abs(s - (expected.zipped[i] as number)), `pair ${i}`).toBeLessThanOrEqual(REFERENCE_TOL));
      });
    }

    beforeAll(async () => {
      scorer = await target.newScorer();
    });
    afterAll(async () => {
      await scorer.close();
      await target.cleanup?.();
    });

    it("scores 1:N in pair order with finite numbers, and 1:1 agrees with 1:N", async () => {
      const scores = await scorer.score(QUERY, DOCS);
      expect(scores).toHaveLength(DOCS.length);
      for (const s of scores) expect(Number.isFinite(s)).toBe(true);
      const [single] = await scorer.score(QUERY, DOCS[2] as string);
      expect(Math.abs((single as number) - (scores[2] as number))).toBeLessThanOrEqual(tol);
    });

    it("zips N:N pairs", async () => {
      const queries = [QUERY, "largest city in germany", QUERY];
      const docs = DOCS.slice(0, 3);
      const zipped = await scorer.score(queries, docs);
      const alone = await Promise.all(docs.map(async (d, i) => (await scorer.score(queries[i] as string, d))[0] as number));
      for (let i = 0; i < 3; i++) expect(Math.abs((zipped[i] as number) - (alone[i] as number))).toBeLessThanOrEqual(tol);
    });

    it("rejects N:1, N:M and empty lists with vLLM's messages before doing any work", async () => {
      await expect(scorer.score([QUERY, QUERY], [DOCS[0] as string])).rejects.toThrow(/Input lengths must be either 1:1, 1:N or N:N/);
      await expect(scorer.score([QUERY, QUERY], DOCS.slice(0, 3))).rejects.toBeInstanceOf(InvalidInputError);
      await expect(scorer.score(QUERY, [])).rejects.toThrow("At least one text_pair element must be given");
      await expect(scorer.score([], DOCS)).rejects.toThrow("At least one text element must be given");
    });

    it("rejects a nullish document with a TypeError naming its index", async () => {
      const err = await scorer.score(QUERY, ["ok", undefined as unknown as string]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toMatch(/documents\[1\]/);
    });

    it("reranks: sorted by score, index into the caller's list, consistent with score()", async () => {
      const docs = [...DOCS];
      const scores = await scorer.score(QUERY, docs);
      const ranked = await scorer.rerank(QUERY, docs);
      expect(docs).toEqual(DOCS); // not mutated
      expect(ranked).toHaveLength(DOCS.length);
      for (let i = 1; i < ranked.length; i++) expect((ranked[i - 1] as { score: number }).score).toBeGreaterThanOrEqual((ranked[i] as { score: number }).score);
      for (const r of ranked) {
        expect(r.document).toBe(DOCS[r.index]);
        expect(Math.abs(r.score - (scores[r.index] as number))).toBeLessThanOrEqual(tol);
      }
    });

    it("honors topN and scoreThreshold, and rejects a negative topN", async () => {
      const ranked = await scorer.rerank(QUERY, DOCS);
      const top2 = await scorer.rerank(QUERY, DOCS, { topN: 2 });
      expect(top2.map((r) => r.index)).toEqual(ranked.slice(0, 2).map((r) => r.index));
      expect(await scorer.rerank(QUERY, DOCS, { topN: 99 })).toHaveLength(DOCS.length);
      const best = (ranked[0] as { score: number }).score;
      expect(await scorer.rerank(QUERY, DOCS, { scoreThreshold: best + 1 })).toEqual([]);
      await expect(scorer.rerank(QUERY, DOCS, { topN: -1 })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it("reports usage", async () => {
      const { usage, scores } = await scorer.scoreWithUsage(QUERY, DOCS.slice(0, 2));
      expect(scores).toHaveLength(2);
      expect(usage.promptTokens).toBeGreaterThan(0);
      expect(usage.totalTokens).toBe(usage.promptTokens);
    });

    it("rejects with AbortError when the signal has fired", async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(scorer.score(QUERY, DOCS, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    });
  });
}
