/**
 * The flags a worker thread starts with (worker-pool/exec-argv.ts `startWorker`), without starting
 * a thread: `Worker` is replaced by a recorder that refuses flags as Node's own constructor does,
 * with the error Node's real constructor throws (it validates `execArgv` before any thread
 * starts). In-process, so StrykerJS runs it for the `worker-pool` scope (vitest.mutate.config.ts);
 * test/local/worker-option.test.ts starts real workers from a `node --input-type=module -e` parent.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WorkerOptions } from "node:worker_threads";

/** Each Worker construction: its entry and a copy of its options. */
const made: Array<{ entry: unknown; options: WorkerOptions }> = [];
/** What the stand-in Worker throws for a set of options (undefined: it starts). */
let refuse: (options: WorkerOptions) => Error | undefined = () => undefined;

vi.mock("node:worker_threads", async (importOriginal) => ({
  ...(await importOriginal<object>()),
  Worker: class {
    readonly options: WorkerOptions;
    constructor(entry: unknown, options: WorkerOptions = {}) {
      made.push({ entry, options: { ...options } });
      const error = refuse(options);
      if (error) throw error;
      this.options = options;
    }
  },
}));

const { startWorker } = await import("../../src/local/worker-pool/exec-argv.js");
const real = await vi.importActual<typeof import("node:worker_threads")>("node:worker_threads");

/** The error Node's own Worker constructor throws for these flags in an explicit execArgv. */
function nodeRefusal(execArgv: string[]): Error {
  try {
    new real.Worker("", { eval: true, execArgv });
  } catch (error) {
    return error as Error;
  }
  throw new Error(`Node accepted ${execArgv.join(" ")}; pick flags it refuses in a worker`);
}

const parentFlags = process.execArgv;
afterEach(() => {
  process.execArgv = parentFlags;
  made.length = 0;
  refuse = () => undefined;
});

describe("startWorker", () => {
  const entry = new URL("file:///pool/worker.js");

  it("leaves execArgv out when the parent has no main-entry flag, so the worker inherits as Node decides", () => {
    process.execArgv = ["--enable-source-maps"];
    startWorker(entry, { workerData: { id: 1 } });
    expect(made).toEqual([{ entry, options: { workerData: { id: 1 } } }]);
    expect(made[0]?.options).not.toHaveProperty("execArgv");
  });

  it("starts the worker without the parent's main-entry flags (node --input-type=module -e ...)", () => {
    process.execArgv = ["--input-type=module", "--enable-source-maps"];
    startWorker(entry, { workerData: { id: 1 } });
    expect(made).toEqual([{ entry, options: { workerData: { id: 1 }, execArgv: ["--enable-source-maps"] } }]);
  });

  it("retries without the process-wide flags Node refuses in a worker's execArgv, keeping the rest", () => {
    const processWide = ["--max-old-space-size=100", "--expose-gc"];
    const refusal = nodeRefusal(processWide);
    expect((refusal as NodeJS.ErrnoException).code).toBe("ERR_WORKER_INVALID_EXEC_ARGV");
    process.execArgv = ["--input-type=module", ...processWide, "--enable-source-maps"];
    refuse = (options) => (options.execArgv?.some((a) => processWide.includes(a)) ? refusal : undefined);
    const worker = startWorker(entry, { workerData: { id: 1 } }) as unknown as { options: WorkerOptions };
    expect(made.map((m) => m.options.execArgv)).toEqual([[...processWide, "--enable-source-maps"], ["--enable-source-maps"]]);
    expect(worker.options).toEqual({ workerData: { id: 1 }, execArgv: ["--enable-source-maps"] });
  });

  it("throws any other error of the constructor as it is, without a retry", () => {
    process.execArgv = ["--input-type=module"];
    const missing = Object.assign(new Error("Cannot find module /pool/worker.js"), { code: "ERR_MODULE_NOT_FOUND" });
    refuse = () => missing;
    expect(() => startWorker(entry)).toThrow(missing);
    expect(made).toHaveLength(1);
  });
});
