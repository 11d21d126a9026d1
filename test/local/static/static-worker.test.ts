/**
 * StaticEmbedder takes the `worker` option as the other families do: pure JavaScript needs no
 * ONNX Runtime, but pooling a large batch over a 30522 x 768 table still holds the thread, so a
 * server or a chain can keep it off the event loop. The worker's vectors are the golden's
 * (test/golden/sparse/static-st, SentenceTransformer.encode_document on the same table).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { has, InvalidInputError, InvalidOptionError, loadScorer, StaticEmbedder } from "../../../src/index.js";

const DIR = join(import.meta.dirname, "..", "..", "golden", "sparse", "static-st");
const g = JSON.parse(readFileSync(join(DIR, "golden.json"), "utf8")) as { documents: string[]; documentEmbeddings: number[][] };

describe("StaticEmbedder in a worker", () => {
  it("loads with worker: true, embeds with the golden's numbers and keeps bad input typed", async () => {
    const pooled = await loadScorer(DIR, { worker: true });
    try {
      expect(pooled).not.toBeInstanceOf(StaticEmbedder);
      expect(has(pooled, "embed")).toBe(true);
      if (!has(pooled, "embed")) return;
      const vectors = await pooled.embed(g.documents);
      let err = 0;
      vectors.forEach((v, i) => v.forEach((x, k) => (err = Math.max(err, Math.abs(x - g.documentEmbeddings[i]![k]!)))));
      expect(err).toBeLessThan(1e-4);
      await expect(pooled.embed([""])).rejects.toThrow(InvalidInputError);
    } finally {
      await pooled.close();
    }
  });

  it("refuses a malformed worker option with a typed error before loading", async () => {
    await expect(loadScorer(DIR, { worker: { thread: 1 } as never })).rejects.toThrow(InvalidOptionError);
  });
});
