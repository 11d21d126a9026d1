/**
 * Task-conditioned exports (jinaai/jina-embeddings-v3's layout): a scalar int64 `task_id` input =
 * the task's index in config.json `lora_adaptations`, per-task prompts in
 * config_sentence_transformers.json, a custom_st.Transformer module. Golden: onnxruntime's run of
 * the same file on unpadded single sequences (scripts/reference/task_inputs.py); here the texts
 * run together in padded micro-batches.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BiEncoderScorer, InvalidOptionError, loadScorer } from "../../src/index.js";
import { modelDir } from "./helpers.js";

const CELL = join(import.meta.dirname, "..", "golden", "encoders", "bi", "xlmr-task-id");
interface Golden {
  tolerance: number;
  tasks: string[];
  texts: string[];
  embeddings: Record<string, number[][]>;
}
const golden = JSON.parse(readFileSync(join(CELL, "golden.json"), "utf8")) as Golden;

function maxDiff(got: ArrayLike<number>[], want: number[][]): number {
  let err = 0;
  want.forEach((row, i) => row.forEach((v, k) => (err = Math.max(err, Math.abs(v - (got[i]?.[k] ?? Number.NaN))))));
  return Number.isNaN(err) ? Infinity : err;
}

describe("task-conditioned exports (task_id input)", () => {
  it("the golden is sensitive: the task moves every embedding far beyond the tolerance", () => {
    for (const task of golden.tasks.slice(0, -1)) {
      expect(maxDiff(golden.embeddings[task] as number[][], golden.embeddings["text-matching"] as number[][])).toBeGreaterThan(100 * golden.tolerance);
    }
  });

  it("each task's task_id and prompt give onnxruntime's vectors, in padded batches", async () => {
    let err = 0;
    for (const task of golden.tasks) {
      const scorer = (await loadScorer(CELL, { task, threads: 1 })) as BiEncoderScorer;
      try {
        err = Math.max(err, maxDiff(await scorer.embed(golden.texts), golden.embeddings[task] as number[][]));
      } finally {
        await scorer.close();
      }
    }
    console.log(`[parity] task_id cell vs onnxruntime max abs error: ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(golden.tolerance);
  });

  it("{ query, document } runs each side with its own task and prompt", async () => {
    const scorer = (await loadScorer(CELL, { task: { query: "retrieval.query", document: "retrieval.passage" }, threads: 1 })) as BiEncoderScorer;
    try {
      expect(scorer.prefixes.query).toBe("Represent the query for retrieving evidence documents: ");
      const q = await scorer.embed(golden.texts, { kind: "query" });
      const d = await scorer.embed(golden.texts, { kind: "document" });
      expect(maxDiff(q, golden.embeddings["retrieval.query"] as number[][])).toBeLessThanOrEqual(golden.tolerance);
      expect(maxDiff(d, golden.embeddings["retrieval.passage"] as number[][])).toBeLessThanOrEqual(golden.tolerance);
      const [score] = await scorer.score(golden.texts[0] as string, golden.texts[1] as string);
      const [a, b] = [golden.embeddings["retrieval.query"]![0]!, golden.embeddings["retrieval.passage"]![1]!];
      expect(Math.abs((score as number) - a.reduce((s, v, i) => s + v * (b[i] as number), 0))).toBeLessThanOrEqual(golden.tolerance);
    } finally {
      await scorer.close();
    }
  });

  it("a missing or unknown task is refused with the model's tasks; a task for a model without task_id is refused", async () => {
    const list = /"retrieval\.query", "retrieval\.passage", "separation", "classification", "text-matching"/;
    const missing = await loadScorer(CELL, { threads: 1 }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InvalidOptionError);
    expect((missing as Error).message).toMatch(/task-conditioned .*pass option `task`/);
    expect((missing as Error).message).toMatch(list);
    const unknown = await loadScorer(CELL, { task: "retrieval", threads: 1 }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(InvalidOptionError);
    expect((unknown as Error).message).toMatch(/unknown task "retrieval" .*its tasks are/);
    expect((unknown as Error).message).toMatch(list);
    await expect(loadScorer(await modelDir("bi-encoder-mean"), { task: "text-matching", threads: 1 })).rejects.toThrow(/needs a task-conditioned model .* has none/);
  });
});
