/**
 * The worker proxy has exactly the capabilities its model reports (the capability table), so a
 * model that both embeds and classifies keeps both in a worker, and per-call options cross the
 * thread intact.
 */
import { describe, expect, it } from "vitest";
import { capabilitiesOf, has } from "../../src/contracts/capabilities.js";
import { loadWorkerScorer, type WorkerScorerOptions } from "../../src/local/worker-pool/index.js";
import { fakeLogits } from "./fake-capabilities-loader.js";
import { fakeEmbedding } from "./fakes.js";

const loader = (name: string): WorkerScorerOptions => ({ loader: new URL(name, import.meta.url).href }) as WorkerScorerOptions;

describe("worker proxy capabilities", () => {
  it("keeps classify for a model that embeds and classifies", async () => {
    const scorer = await loadWorkerScorer("fake", loader("./fake-capabilities-loader.ts"));
    try {
      expect(has(scorer, "embed")).toBe(true);
      expect(has(scorer, "classify")).toBe(true);
      expect(capabilitiesOf(scorer)).toEqual(expect.arrayContaining(["score", "embed", "classify", "tokenize"]));
      if (!has(scorer, "classify") || !has(scorer, "embed")) throw new Error("unreachable");
      expect(scorer.labels).toEqual(["words", "vowels"]);
      const [vector] = await scorer.embed(["hello world"]);
      expect(Array.from(vector!)).toEqual(Array.from(fakeEmbedding("hello world")));
      const { classifications } = await scorer.classify(["a bee sees"]);
      // Softmax of [3, 4]: the test computes it from the fake's logits.
      const [w, v] = fakeLogits("a bee sees") as [number, number];
      expect(classifications[0]?.probs[1]).toBeCloseTo(Math.exp(v) / (Math.exp(w) + Math.exp(v)), 12);
    } finally {
      await scorer.close();
    }
  });

  it("forwards per-call options: classify with activation false returns the raw logits", async () => {
    const scorer = await loadWorkerScorer("fake", loader("./fake-capabilities-loader.ts"));
    try {
      if (!has(scorer, "classify") || !has(scorer, "embed")) throw new Error("the proxy lost a capability");
      const raw = await scorer.classify(["a bee sees"], { activation: false });
      expect(raw.classifications[0]?.probs).toEqual(fakeLogits("a bee sees"));
      // Options at a later position than the first argument survive too.
      const [plain] = await scorer.embed(["hello world"], { normalize: false });
      expect(Array.from(plain!)).toEqual(Array.from(fakeEmbedding("hello world", false)));
    } finally {
      await scorer.close();
    }
  });

  it("exposes no member of a capability the model lacks", async () => {
    const scorer = await loadWorkerScorer("fake", loader("./fake-loader.ts"));
    try {
      // The plain fake scores and tokenizes; it neither embeds, classifies nor detokenizes.
      expect(capabilitiesOf(scorer)).toEqual(["score", "tokenize"]);
      for (const member of ["embed", "embedWithUsage", "classify", "labels", "detokenize", "splitIntoWindows"]) {
        expect(member in scorer, member).toBe(false);
      }
    } finally {
      await scorer.close();
    }
  });
});
