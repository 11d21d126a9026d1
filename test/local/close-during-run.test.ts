/**
 * close() while calls are running: the native session is released only after the ONNX run in
 * flight, and what is left of the interrupted calls rejects with a typed error. Releasing under
 * a run made onnxruntime-node reject it with a bare "Session already disposed" (and, in a worker
 * being stopped, could abort the process).
 */
import { describe, expect, it } from "vitest";
import { RerankKitError, loadScorer } from "../../src/index.js";
import { RunGate } from "../../src/local/runtime/run-gate.js";
import { modelDir } from "./helpers.js";

const QUERY = "what is a cross-encoder";
// Small batches so one call is many ONNX runs: close() lands between two of them.
const DOCS = Array.from({ length: 48 }, (_, i) => `document ${i} ` + "about rerankers and retrieval ".repeat(4 + (i % 5)));

describe("RunGate", () => {
  it("close waits for runs in flight and refuses later ones with a RerankKitError", async () => {
    const gate = new RunGate();
    let finish!: (v: number) => void;
    const running = gate.run(() => new Promise<number>((r) => (finish = r)));
    let closed = false;
    const closing = gate.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    await expect(gate.run(async () => 1)).rejects.toThrow(/The scorer is closed/);
    await expect(gate.run(async () => 1)).rejects.toBeInstanceOf(RerankKitError);
    finish(7);
    await closing;
    expect(closed).toBe(true);
    await expect(running).resolves.toBe(7);
  });

  it("close settles when a run in flight rejects", async () => {
    const gate = new RunGate();
    const failing = gate.run(() => Promise.reject(new Error("boom")));
    await gate.close();
    await expect(failing).rejects.toThrow("boom");
  });
});

describe("close() during a call", () => {
  it("in process: the interrupted call rejects with RerankKitError, never a native 'disposed' error", async () => {
    const scorer = await loadScorer(await modelDir("cross-encoder"), { maxBatchSize: 2, threads: 1 });
    let batches = 0;
    let closing: Promise<void> | undefined;
    const call = scorer.score(QUERY, DOCS, {
      onProgress: () => {
        batches++;
        if (batches === 2) closing = scorer.close();
      },
    });
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches).toBeLessThan(DOCS.length / 2);
    expect(error).toBeInstanceOf(RerankKitError);
    expect((error as Error).message).toMatch(/closed/);
    await closing;
    await expect(scorer.score(QUERY, ["x"])).rejects.toBeInstanceOf(RerankKitError);
  });

  it("in a worker pool: every call either completes whole or rejects with RerankKitError", async () => {
    const scorer = await loadScorer(await modelDir("cross-encoder"), { worker: { workers: 2, threads: 1 }, maxBatchSize: 2 });
    let closing: Promise<void> | undefined;
    const onProgress = (): void => void (closing ??= scorer.close());
    const outcomes = DOCS.slice(0, 16).map(() =>
      scorer.score(QUERY, DOCS.slice(0, 12), { onProgress }).then(
        (scores) => ({ ok: true as const, n: scores.length }),
        (e: unknown) => ({ ok: false as const, e }),
      ),
    );
    const settled = await Promise.all(outcomes);
    expect(closing).toBeDefined();
    await closing;
    for (const o of settled) {
      if (o.ok) expect(o.n).toBe(12);
      else expect(o.e).toBeInstanceOf(RerankKitError);
    }
    // The close landed while work was queued, so some calls were cut.
    expect(settled.some((o) => !o.ok)).toBe(true);
  });
});
