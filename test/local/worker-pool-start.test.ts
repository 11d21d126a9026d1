/**
 * How a worker pool is started, without starting a thread: WorkerHandle.start is replaced by a
 * recorder handing out stand-in workers, so the options each worker loads with (the split of the
 * cores, the defaults of the timeouts), the number of workers, the clean-up after a failed start
 * and the `worker` option's mapping (loadInWorker, pretrainedLoader) are visible. In-process, so
 * StrykerJS runs it for the `worker-pool` scope (vitest.mutate.config.ts).
 */
import { availableParallelism } from "node:os";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { InvalidOptionError, ModelLoadError } from "../../src/index.js";
import type { WorkerModelInfo } from "../../src/local/worker-pool/protocol.js";

interface Start {
  idOrPath: string;
  options: Record<string, unknown>;
  loader: string | undefined;
  entry: string | undefined;
  timeouts: { loadTimeoutMs: number; cancelTimeoutMs: number };
  signal: AbortSignal | undefined;
}

const starts: Start[] = [];
const handles: Array<{ terminated: number; alive: boolean; die(): void }> = [];
/** Start number -> error, for failing starts. */
const failures = new Map<number, Error>();
const INFO: WorkerModelInfo = { capabilities: ["score"], data: { scoreType: "cross-encoder", model: "org/m" }, threads: 1 };

vi.mock("../../src/local/worker-pool/worker-handle.js", () => ({
  WorkerHandle: {
    start: async (idOrPath: string, options: Record<string, unknown>, loader: string | undefined, entry: string | undefined, timeouts: Start["timeouts"], signal?: AbortSignal) => {
      const n = starts.push({ idOrPath, options: { ...options }, loader, entry, timeouts, signal }) - 1;
      const failure = failures.get(n);
      if (failure) throw failure;
      const listeners: Array<() => void> = [];
      const handle = {
        terminated: 0,
        alive: true,
        load: 0,
        onDead: (listener: () => void) => void listeners.push(listener),
        die: () => {
          handle.alive = false;
          listeners.splice(0).forEach((l) => l());
        },
        call: async () => ({ scores: [], usage: { promptTokens: 0, totalTokens: 0 } }),
        terminate: async () => void handle.terminated++,
      };
      handles.push(handle);
      return { handle, info: INFO };
    },
  },
}));

/** What the in-process path of pretrainedLoader read with the default reader (loadModelFiles). */
const filesRead: Array<{ idOrPath: string; options: unknown }> = [];
vi.mock("../../src/local/files/model-files.js", async (importOriginal) => ({
  ...(await importOriginal<object>()),
  loadModelFiles: async (idOrPath: string, options: unknown) => (filesRead.push({ idOrPath, options }), { read: idOrPath }),
}));

const { loadWorkerScorer, startWorkerScorer } = await import("../../src/local/worker-pool/start-pool.js");
const { loadInWorker, pretrainedLoader } = await import("../../src/local/worker-pool/in-worker.js");

beforeEach(() => {
  starts.length = 0;
  handles.length = 0;
  failures.clear();
  filesRead.length = 0;
});

describe("starting a pool", () => {
  it("starts one worker by default with the load options and the default timeouts", async () => {
    const scorer = await loadWorkerScorer("org/m", { dtype: "q8" });
    expect(starts).toEqual([{ idOrPath: "org/m", options: { dtype: "q8" }, loader: undefined, entry: undefined, timeouts: { loadTimeoutMs: 600_000, cancelTimeoutMs: 2_000 }, signal: undefined }]);
    expect(scorer.workers).toBe(1);
    expect(scorer.model).toBe("org/m");
  });

  it("splits the cores between several workers unless threads or a loader is given", async () => {
    const cores = availableParallelism();
    await startWorkerScorer("org/m", { workers: 3, loadTimeoutMs: 5, cancelTimeoutMs: 7 }, "CrossEncoderScorer");
    expect(starts).toHaveLength(3);
    expect(starts.every((s) => s.options.threads === Math.max(1, Math.floor(cores / 3)))).toBe(true);
    expect(starts[0]).toMatchObject({ entry: "CrossEncoderScorer", timeouts: { loadTimeoutMs: 5, cancelTimeoutMs: 7 } });
    expect(starts[0]?.options).not.toHaveProperty("workers");
    expect(starts[0]?.options).not.toHaveProperty("loadTimeoutMs");
    starts.length = 0;
    await startWorkerScorer("org/m", { workers: 2, threads: 5 }, undefined);
    expect(starts.map((s) => s.options.threads)).toEqual([5, 5]);
    starts.length = 0;
    await startWorkerScorer("org/m", { workers: 2, loader: "/x/loader.mjs" }, undefined);
    expect(starts.map((s) => s.options)).toEqual([{}, {}]);
    expect(starts[0]?.loader).toBe("/x/loader.mjs");
    starts.length = 0;
    await startWorkerScorer("org/m", { workers: 1 }, undefined);
    expect(starts[0]?.options).toEqual({});
    starts.length = 0;
    await startWorkerScorer("org/m", { workers: 4 * cores }, undefined);
    expect(starts[0]?.options.threads).toBe(1); // never 0
  });

  it("refuses a worker count that is not a positive integer before starting anything", async () => {
    for (const workers of [0, 1.5, -1]) {
      await expect(startWorkerScorer("org/m", { workers }, undefined)).rejects.toMatchObject({
        name: "InvalidInputError",
        field: "workers",
        message: `workers must be a positive integer, got ${workers}`,
      });
    }
    expect(starts).toHaveLength(0);
  });

  it("stops the workers that started when one fails, and rejects with its error", async () => {
    const failure = new ModelLoadError("no model here", { path: "org/m" });
    failures.set(1, failure);
    await expect(startWorkerScorer("org/m", { workers: 3 }, undefined)).rejects.toBe(failure);
    expect(handles.map((h) => h.terminated)).toEqual([1, 1]);
  });

  it("restarts a dead worker with the same options, under a signal that closing the pool aborts", async () => {
    const scorer = await startWorkerScorer("org/m", { workers: 1, threads: 2 }, "BiEncoderScorer");
    handles[0]?.die();
    await new Promise((r) => setTimeout(r, 0));
    expect(starts).toHaveLength(2);
    expect(starts[1]).toMatchObject({ idOrPath: "org/m", options: { threads: 2 }, loader: undefined, entry: "BiEncoderScorer" });
    expect(starts[1]?.timeouts).toEqual(starts[0]?.timeouts);
    expect(starts[1]?.signal?.aborted).toBe(false);
    expect(scorer.liveWorkers).toBe(1);
    await scorer.close();
    expect(starts[1]?.signal?.aborted).toBe(true);
    expect(handles[1]?.terminated).toBe(1);
  });

  it("checks rerank-kit's load options, but not a custom loader's", async () => {
    await expect(loadWorkerScorer("org/m", { dtyp: "q8" } as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(loadWorkerScorer("org/m", { dtyp: "q8" } as never)).rejects.toThrow(/^loadWorkerScorer\b/); // names the call
    await expect(loadWorkerScorer("org/m", { workers: 0 })).rejects.toMatchObject({ name: "InvalidOptionError", option: "workers" });
    expect(starts).toHaveLength(0);
    await loadWorkerScorer("org/m", { loader: "/x/loader.mjs", custom: 1 } as never);
    expect(starts[0]?.options).toEqual({ custom: 1 });
  });
});

describe("the worker option's pool", () => {
  it("loadInWorker takes the pool's threads over the load option, and its workers", async () => {
    await loadInWorker("org/m", { worker: { workers: 2, threads: 3 }, threads: 8 }, "CrossEncoderScorer");
    expect(starts.map((s) => s.options)).toEqual([{ threads: 3 }, { threads: 3 }]);
    starts.length = 0;
    await loadInWorker("org/m", { worker: true, threads: 8 }, undefined);
    expect(starts.map((s) => s.options)).toEqual([{ threads: 8 }]);
    starts.length = 0;
    await loadInWorker("org/m", { worker: true }, undefined);
    expect(starts[0]?.options).toStrictEqual({}); // no `threads` key at all, not even an undefined one
  });

  it("pretrainedLoader checks the options, then loads in a pool or in process", async () => {
    const checked: unknown[] = [];
    const built: unknown[] = [];
    const family = {
      entry: "CrossEncoderScorer" as const,
      capabilities: ["score"] as const,
      check: (o: unknown) => void checked.push(o),
      read: async (id: string, o: unknown) => ({ id, o }),
      fromFiles: async (files: unknown, o: unknown, id: string) => (built.push({ files, o, id }), "in-process scorer"),
    };
    const load = pretrainedLoader(family as never) as unknown as (id: string, o?: object) => Promise<unknown>;
    expect(await load("org/m", { maxLength: 64 })).toBe("in-process scorer");
    expect(built).toEqual([{ files: { id: "org/m", o: { maxLength: 64 } }, o: { maxLength: 64 }, id: "org/m" }]);
    expect(await load("org/m", { worker: false, maxLength: 64 })).toBe("in-process scorer");
    expect((built[1] as { o: object }).o).toEqual({ maxLength: 64 });
    expect(starts).toHaveLength(0);
    const pooled = (await load("org/m", { worker: { workers: 2 } })) as { workers: number };
    expect(pooled.workers).toBe(2);
    expect(starts[0]?.entry).toBe("CrossEncoderScorer");
    expect(checked).toHaveLength(3);
    await expect(load("org/m", { worker: "yes" })).rejects.toThrow(/^CrossEncoderScorer\.fromPretrained: option `worker`/);
  });

  it("pretrainedLoader reads a family's files with loadModelFiles when the family has no reader of its own", async () => {
    const built: unknown[] = [];
    const family = {
      entry: "BiEncoderScorer" as const,
      capabilities: ["score"] as const,
      check: () => {},
      fromFiles: async (files: unknown, o: unknown, id: string) => (built.push({ files, o, id }), "in-process scorer"),
    };
    const load = pretrainedLoader(family as never) as unknown as (id: string, o?: object) => Promise<unknown>;
    expect(await load("org/m", { worker: false, maxLength: 64 })).toBe("in-process scorer");
    expect(filesRead).toStrictEqual([{ idOrPath: "org/m", options: { maxLength: 64 } }]);
    expect(built).toStrictEqual([{ files: { read: "org/m" }, o: { maxLength: 64 }, id: "org/m" }]);
  });
});
