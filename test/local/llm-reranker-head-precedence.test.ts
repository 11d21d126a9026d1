import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScorer } from "../../src/index.js";
import type { LlmRerankerScorer } from "../../src/local/llm-reranker/llm-reranker.js";

// The class documentation promises: the token head comes from `hfOverrides` (vLLM's keys), else
// sentence-transformers' LogitScore, else config.json, else a preset. A LogitScore folder given
// overrides must therefore score with the overrides' tokens. The folder's head is
// z_yes - z_no (sentence-transformers' golden); overrides naming the two tokens the other way
// round give z_no - z_yes, i.e. the golden negated, so the head used is visible in the sign.
const CELL = "test/golden/llm-rerankers/qwen3-logitscore";
const TOL = 1e-4;
const st = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as { pairs: [string, string][]; logits: number[] };

describe("LLM reranker head precedence: hfOverrides over the folder's LogitScore", () => {
  it("scores with the overrides' tokens", async () => {
    const n = st.pairs.length - 1; // the last pair is cut differently by sentence-transformers (see the parity test)
    const queries = st.pairs.slice(0, n).map((p) => p[0]);
    const documents = st.pairs.slice(0, n).map((p) => p[1]);
    const scorer = (await loadScorer(CELL, {
      hfOverrides: '{"classifier_from_token": ["yes", "no"], "method": "from_2_way_softmax"}',
    })) as LlmRerankerScorer;
    try {
      expect(scorer.head.description).toMatch(/hf_overrides/);
      const z = await scorer.score(queries, documents, { activation: false });
      const err = Math.max(...z.map((s, i) => Math.abs(s + (st.logits[i] as number))));
      expect(err).toBeLessThanOrEqual(TOL);
      // The two heads are far apart on this fixture, so the wrong one cannot pass.
      expect(Math.max(...st.logits.slice(0, n).map(Math.abs))).toBeGreaterThan(100 * TOL);
    } finally {
      await scorer.close();
    }
  });
});
