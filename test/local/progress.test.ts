/**
 * A progress callback that fails fails its own call, whether it throws or returns a promise that
 * rejects. An async callback's rejection used to be dropped on the floor: the call went on, and
 * the rejection surfaced as an unhandled rejection, which ends a Node process by default.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BiEncoderScorer, CrossEncoderScorer, LateInteractionScorer, loadScorer } from "../../src/index.js";
import type { ScoreOptions } from "../../src/types.js";
import { modelDir } from "./helpers.js";

const QUERY = "what is a cross-encoder";
const DOCS = Array.from({ length: 6 }, (_, i) => `document ${i} about rerankers`);

/** Rejections nobody handled while a test ran (vitest would report them too, after the fact). */
let unhandled: unknown[] = [];
const record = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", record);
});
afterEach(() => {
  process.off("unhandledRejection", record);
});

/** Lets pending promise jobs and rejection tracking run before looking at `unhandled`. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

function failingAsync(): { options: Required<Pick<ScoreOptions, "onProgress">>; calls: () => number } {
  let calls = 0;
  return {
    options: {
      onProgress: async () => {
        calls++;
        await Promise.resolve();
        throw new Error("progress sink failed");
      },
    },
    calls: () => calls,
  };
}

describe("an async onProgress that rejects", () => {
  const scorers: { close(): Promise<void> }[] = [];
  let cross: CrossEncoderScorer;
  let bi: BiEncoderScorer;
  let colbert: LateInteractionScorer;
  beforeAll(async () => {
    cross = await CrossEncoderScorer.fromPretrained(await modelDir("cross-encoder"), { maxBatchSize: 2, threads: 1 });
    bi = await BiEncoderScorer.fromPretrained(await modelDir("bi-encoder-mean"), { maxBatchSize: 2, threads: 1 });
    colbert = await LateInteractionScorer.fromPretrained(await modelDir("colbert-pylate"), { maxBatchSize: 2, threads: 1 });
    scorers.push(cross, bi, colbert);
  });
  afterAll(async () => {
    await Promise.all(scorers.map((s) => s.close()));
  });

  it("rejects the cross-encoder's call with the callback's error, stops after that batch, leaves no unhandled rejection", async () => {
    const sink = failingAsync();
    await expect(cross.score(QUERY, DOCS, sink.options)).rejects.toThrow("progress sink failed");
    expect(sink.calls()).toBe(1);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it("rejects classify, bi-encoder score and embed, and ColBERT score the same way", async () => {
    const calls = [
      () => cross.classify(DOCS, failingAsync().options),
      () => bi.score(QUERY, DOCS, failingAsync().options),
      () => bi.embed(DOCS, failingAsync().options),
      () => colbert.score(QUERY, DOCS, failingAsync().options),
      () => colbert.embedTokens(DOCS, failingAsync().options),
    ];
    for (const call of calls) await expect(call()).rejects.toThrow("progress sink failed");
    await settle();
    expect(unhandled).toEqual([]);
  });

  it("rejects the LLM reranker's call the same way", async () => {
    const llm = await loadScorer(join("test/golden/llm-rerankers", "qwen3-causal"), {
      hfOverrides: '{"classifier_from_token": ["no", "yes"], "is_original_qwen3_reranker": true}',
      chatTemplate: "qwen3-reranker",
      maxBatchSize: 2,
      threads: 1,
    });
    try {
      await expect(llm.score(QUERY, DOCS, failingAsync().options)).rejects.toThrow("progress sink failed");
      await settle();
      expect(unhandled).toEqual([]);
    } finally {
      await llm.close();
    }
  });

  it("a callback that resolves is waited for, and the call completes with every batch reported", async () => {
    const seen: number[] = [];
    const scores = await cross.score(QUERY, DOCS, {
      onProgress: async (p) => {
        await new Promise<void>((r) => setTimeout(r, 5));
        seen.push(p.done);
      },
    });
    expect(scores).toHaveLength(DOCS.length);
    expect(seen).toEqual([2, 4, 6]);
  });
});
