/** The per-dtype, per-length micro-batch budgets (src/batching/micro-batches.ts BATCH_BUDGETS). */
import { describe, expect, it } from "vitest";
import { BATCH_BUDGETS, budgetDtype, defaultBudget, planMicroBatches } from "../../src/batching/micro-batches.js";
import type { OnnxSession } from "../../src/local/runtime/onnx-session.js";
import { runMicroBatches } from "../../src/local/runtime/run-batches.js";

const sizes = (batches: number[][]) => batches.map((b) => b.length);

describe("default micro-batch budgets per dtype and length", () => {
  it("maps every dtype file suffix onto a table row family", () => {
    expect(["fp32", "fp16", "q8", "int8", "uint8", "q4", "q4f16", "bnb4", undefined].map(budgetDtype)).toEqual(["fp32", "fp16", "q8", "q8", "q8", "q4", "q4", "q4", "fp32"]);
  });

  it("gives q8 512 tokens on long pairs (2 rows of 220) and 1024 on short passages", () => {
    expect(defaultBudget("q8", 220).maxBatchTokens).toBe(512);
    expect(defaultBudget("q8", 60).maxBatchTokens).toBe(1024);
    expect(sizes(planMicroBatches(Array(6).fill(220), {}, "q8"))).toEqual([2, 2, 2]);
    expect(sizes(planMicroBatches(Array(40).fill(60), {}, "q8"))).toEqual([17, 17, 6]);
    // fp32 keeps 1024 tokens on long pairs.
    expect(sizes(planMicroBatches(Array(6).fill(220), {}, "fp32"))).toEqual([4, 2]);
  });

  it("switches bucket on the batch's longest row: a 129-token row closes a batch of 128s under q8", () => {
    // 1024 / 128 = 8 rows of 128; adding a 129 makes the batch long, whose budget is 512.
    expect(sizes(planMicroBatches([...Array(5).fill(128), ...Array(4).fill(129)], {}, "q8"))).toEqual([5, 3, 1]);
    expect(sizes(planMicroBatches(Array(9).fill(128), {}, "q8"))).toEqual([8, 1]);
  });

  it("lets explicit limits override the table", () => {
    expect(sizes(planMicroBatches(Array(6).fill(220), { maxBatchTokens: 4096 }, "q8"))).toEqual([6]);
    expect(sizes(planMicroBatches(Array(40).fill(60), { maxBatchSize: 4 }, "q8"))).toEqual(Array(10).fill(4));
  });

  it("has a catch-all last row for every dtype and increasing length bounds", () => {
    for (const rows of Object.values(BATCH_BUDGETS)) {
      expect(rows[rows.length - 1]!.maxLength).toBe(Infinity);
      for (let i = 1; i < rows.length; i++) expect(rows[i]!.maxLength).toBeGreaterThan(rows[i - 1]!.maxLength);
    }
  });
});

describe("runMicroBatches plans with the scorer's dtype", () => {
  /** A session stand-in that records each batch's shape and returns one logit per row. */
  function recordingSession() {
    const shapes: [number, number][] = [];
    const session = {
      hasInput: () => false,
      inputs: { cacheLayers: 0 },
      run: async (feeds: Record<string, { dims: [number, number] }>) => {
        const dims = feeds["input_ids"]!.dims;
        shapes.push(dims);
        return { data: new Float32Array(dims[0]), dims: [dims[0], 1] };
      },
    } as unknown as OnnxSession;
    return { session, shapes };
  }
  const long = Array.from({ length: 6 }, () => ({ ids: Array(220).fill(5) }));

  it("uses the q8 rows when told the weights are q8, fp32 rows otherwise", async () => {
    const q8 = recordingSession();
    await runMicroBatches(q8.session, long, { output: "logits", padId: 0, dtype: "q8" }, () => 0);
    expect(q8.shapes.map((s) => s[0])).toEqual([2, 2, 2]);
    const fp32 = recordingSession();
    await runMicroBatches(fp32.session, long, { output: "logits", padId: 0 }, () => 0);
    expect(fp32.shapes.map((s) => s[0])).toEqual([4, 2]);
  });
});

describe("local scorers pass their dtype to the planner", () => {
  it("a q8 cross-encoder plans with the q8 rows", async () => {
    const { CrossEncoderScorer } = await import("../../src/index.js");
    const { modelDir } = await import("../local/helpers.js");
    const scorer = await CrossEncoderScorer.fromPretrained(await modelDir("cross-encoder-q8"), { dtype: "q8" });
    try {
      expect((scorer as unknown as { limits: { dtype?: string } }).limits.dtype).toBe("q8");
    } finally {
      await scorer.close();
    }
  });
});
