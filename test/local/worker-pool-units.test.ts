/**
 * The worker pool's main-thread parts without a thread: errors across the boundary, what the
 * proxy installs and forwards, the `worker` option, the flags a worker gets, and WorkerScorer's
 * choice of worker, healing and closing over recording stand-in handles. In-process, so StrykerJS
 * runs it for the `worker-pool` scope (vitest.mutate.config.ts); the files that start real
 * workers (test/server/worker-pool, test/local/worker-option) cover the same code end to end.
 */
import { describe, expect, it } from "vitest";
import { AbortError, ContextLengthError, InvalidInputError, InvalidOptionError, InvalidScoreError, ModelLoadError, RerankKitError, TimeoutError } from "../../src/index.js";
import { callShapeOf, cloneable, installCapabilities, reportCapabilities } from "../../src/local/worker-pool/capability-proxy.js";
import { workerExecArgv } from "../../src/local/worker-pool/exec-argv.js";
import { deserializeError, serializeError, transferables, type WorkerModelInfo } from "../../src/local/worker-pool/protocol.js";
import { toWire } from "../../src/local/worker-pool/wire-args.js";
import { checkWorkerOption, workerShape } from "../../src/local/worker-pool/worker-option.js";
import { WorkerScorer } from "../../src/local/worker-pool/worker-scorer.js";

describe("errors across the thread boundary", () => {
  const roundTrip = (error: unknown) => deserializeError(structuredClone(serializeError(error)));

  it("rebuilds each rerank-kit class with its fields", () => {
    const context = roundTrip(new ContextLengthError(512, 600, { field: "documents[2]" }));
    expect(context).toBeInstanceOf(ContextLengthError);
    expect(context).toMatchObject({ maxLength: 512, inputTokens: 600, field: "documents[2]", message: new ContextLengthError(512, 600).message });
    const input = roundTrip(new InvalidInputError("bad text", { field: "queries[0]" }));
    expect(input).toBeInstanceOf(InvalidInputError);
    expect(input).not.toBeInstanceOf(ContextLengthError);
    expect(input).toMatchObject({ message: "bad text", field: "queries[0]" });
    expect(roundTrip(new InvalidInputError("no field"))).not.toHaveProperty("field", expect.anything());
    expect(roundTrip(new ModelLoadError("missing model.onnx", { path: "/m" }))).toMatchObject({ name: "ModelLoadError", message: "missing model.onnx", path: "/m" });
    expect(roundTrip(new InvalidScoreError("NaN score", { index: 3 }))).toMatchObject({ name: "InvalidScoreError", message: "NaN score", index: 3 });
    expect(roundTrip(new AbortError("stopped"))).toMatchObject({ name: "AbortError", message: "stopped" });
    expect(roundTrip(new AbortError("stopped"))).toBeInstanceOf(AbortError);
    expect(roundTrip(new TimeoutError("slow", { timeoutMs: 250 }))).toMatchObject({ name: "TimeoutError", message: "slow", timeoutMs: 250 });
  });

  it("turns other errors into a RerankKitError naming the original class, and non-errors into their string", () => {
    const other = roundTrip(new RangeError("out of range"));
    expect(other).toBeInstanceOf(RerankKitError);
    expect(other.message).toBe("RangeError: out of range");
    expect(serializeError("just text")).toEqual({ name: "Error", message: "just text" });
    expect(roundTrip(42).message).toBe("Error: 42");
  });

  it("sends only the fields an error has", () => {
    expect(serializeError(new InvalidInputError("x", { field: "f" }))).toEqual({ name: "InvalidInputError", message: "x", field: "f" });
    expect(serializeError(new TimeoutError("t", { timeoutMs: 0 }))).toMatchObject({ timeoutMs: 0 });
    expect(serializeError(new InvalidScoreError("s", { index: 0 }))).toMatchObject({ index: 0 });
    expect(Object.keys(serializeError(new Error("plain"))).sort()).toEqual(["field", "message", "name"]);
  });

  it("defaults missing numbers when rebuilding", () => {
    expect(deserializeError({ name: "ContextLengthError", message: "" })).toMatchObject({ maxLength: 0, inputTokens: 0 });
    expect(deserializeError({ name: "ModelLoadError", message: "m" })).toMatchObject({ path: "" });
    expect(deserializeError({ name: "InvalidScoreError", message: "m" })).toMatchObject({ index: 0 });
    expect(deserializeError({ name: "TimeoutError", message: "m" })).toMatchObject({ timeoutMs: 0 });
  });

  it("lists the whole-buffer Float32Arrays of a result for transfer, at most three levels down, once each", () => {
    const a = new Float32Array(4);
    const b = new Float32Array(2);
    const view = new Float32Array(new ArrayBuffer(32), 8, 2); // part of a larger buffer: copied, not moved
    const deep = new Float32Array(1);
    expect(transferables({ embeddings: [a, b, a, view], usage: { promptTokens: 1 } })).toEqual([a.buffer, b.buffer]);
    expect(transferables([[[deep]]])).toEqual([deep.buffer]);
    expect(transferables([[[[deep]]]])).toEqual([]);
    expect(transferables(a)).toEqual([a.buffer]);
    expect(transferables(null)).toEqual([]);
    expect(transferables(new Uint8Array(2))).toEqual([]);
  });

  it("moves only arrays that own their whole buffer: not shared memory, not the head of a larger buffer, and passes over undefined fields", () => {
    const shared = new Float32Array(new SharedArrayBuffer(8)); // shared, so it cannot be moved
    const head = new Float32Array(new ArrayBuffer(32), 0, 2); // starts at 0 but is 8 of 32 bytes
    const whole = new Float32Array(2);
    expect(transferables({ shared, head, whole, maxLength: undefined, model: "m" })).toEqual([whole.buffer]);
  });
});

describe("the capability proxy", () => {
  const info: WorkerModelInfo = {
    capabilities: ["score", "embed", "tokenize", "classify"],
    data: { scoreType: "bi-encoder", model: "m", maxLength: 128, labels: ["a", "b"] },
  };

  it("reports a model's capabilities with copies of their data members", () => {
    const labels = ["yes", "no"];
    const model = {
      scoreType: "cross-encoder",
      model: "m",
      labels,
      maxLength: 64,
      scoreWithUsage() {},
      score() {},
      rerank() {},
      rerankWithUsage() {},
      close() {},
      classify() {},
      classifySequences() {},
      tokenize() {},
    };
    const report = reportCapabilities(model);
    expect(report.capabilities).toEqual(["score", "classify", "tokenize"]);
    expect(report.data).toEqual({ scoreType: "cross-encoder", model: "m", labels: ["yes", "no"], maxLength: 64 });
    expect(report.data.labels).not.toBe(labels);
  });

  it("knows where each method's options sit", () => {
    expect(callShapeOf("scoreWithUsage")).toBe(2);
    expect(callShapeOf("embed")).toBe(1);
    expect(callShapeOf("tokenize")).toBe("plain");
    expect(callShapeOf("launchRockets")).toBeUndefined();
  });

  it("drops the signal and progress callback from options, keeping the rest", () => {
    expect(cloneable({ signal: AbortSignal.abort(), onProgress: () => {}, maxTokensPerDoc: 8 })).toEqual({ maxTokensPerDoc: 8 });
    expect(cloneable(undefined)).toEqual({});
  });

  it("installs the data members and forwards each capability's methods with their options relayed", async () => {
    const sent: Array<{ method: string; args: unknown[]; signal: unknown; progress: unknown }> = [];
    const proxy: Record<string, unknown> = { scoreWithUsage: () => "own" };
    installCapabilities(proxy, info, async (method, args, signal, progress) => (sent.push({ method, args, signal, progress }), method));
    expect(proxy).toMatchObject({ scoreType: "bi-encoder", model: "m", maxLength: 128, labels: ["a", "b"] });
    expect(Object.getOwnPropertyDescriptor(proxy, "model")).toMatchObject({ writable: false, enumerable: true });
    expect(() => ((proxy as { model: string }).model = "other")).toThrow(TypeError);
    // A wrapper may still redefine a data member on purpose (configurable), never by plain assignment.
    Object.defineProperty(proxy, "model", { value: "renamed" });
    expect(proxy.model).toBe("renamed");
    expect((proxy.scoreWithUsage as () => string)()).toBe("own"); // the class's own method stays
    const signal = new AbortController().signal;
    const onProgress = () => {};
    await (proxy.embed as (...a: unknown[]) => Promise<unknown>)(["t"], { kind: "query", signal, onProgress });
    await (proxy.embed as (...a: unknown[]) => Promise<unknown>)(["t"]);
    await (proxy.tokenize as (...a: unknown[]) => Promise<unknown>)("text", { addSpecialTokens: false });
    await (proxy.classify as (...a: unknown[]) => Promise<unknown>)(["text"], { activation: false });
    expect(sent).toEqual([
      { method: "embed", args: [["t"], { kind: "query" }], signal, progress: onProgress },
      { method: "embed", args: [["t"], {}], signal: undefined, progress: undefined },
      { method: "tokenize", args: ["text", { addSpecialTokens: false }], signal: undefined, progress: undefined },
      { method: "classify", args: [["text"], { activation: false }], signal: undefined, progress: undefined },
    ]);
    expect(Object.keys(proxy)).not.toContain("embed"); // methods are not enumerable data
    expect(() => (proxy.embed = () => "replaced")).toThrow(TypeError); // nor can they be overwritten
    expect(proxy).not.toHaveProperty("embedTokens");
  });
});

describe("the worker option", () => {
  it("accepts booleans, undefined and a pool shape, and names what is wrong otherwise", () => {
    for (const ok of [undefined, true, false, {}, { workers: 2, threads: 1 }]) expect(() => checkWorkerOption(ok, "loadScorer")).not.toThrow();
    const message = (value: unknown) => {
      try {
        checkWorkerOption(value, "loadScorer");
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidOptionError);
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          expect(e).toMatchObject({ option: "worker", field: "worker", allowed: "true, false, or { workers, threads }" });
        }
        return (e as Error).message;
      }
      return "no error";
    };
    expect(message("yes")).toBe('loadScorer: option `worker` must be true, false, or { workers, threads }, got "yes"');
    expect(message([1])).toBe("loadScorer: option `worker` must be true, false, or { workers, threads }, got an array");
    expect(message(null)).toBe("loadScorer: option `worker` must be true, false, or { workers, threads }, got null");
    expect(message(3)).toBe("loadScorer: option `worker` must be true, false, or { workers, threads }, got 3");
    expect(message({ thread: 1 })).toMatch(/^loadScorer \(option `worker`\): unknown option `thread` \(did you mean `threads`\?\)/);
    expect(message({ workers: 0 })).toMatch(/option `workers` must be an integer >= 1/);
    expect(message({ threads: 0 })).toMatch(/option `threads` must be an integer >= 1/);
  });

  it("maps the option to a pool shape or to in process", () => {
    expect(workerShape(undefined)).toBeUndefined();
    expect(workerShape(false)).toBeUndefined();
    expect(workerShape(true)).toEqual({});
    const shape = { workers: 2 };
    expect(workerShape(shape)).toBe(shape);
  });
});

describe("a worker's flags", () => {
  it("drops each main-entry flag, with its value when that comes separately", () => {
    expect(workerExecArgv(["-e", "x", "--eval=y", "-p", "1", "--check", "-c", "-i", "--interactive", "--test", "--watch", "--watch-path", "src", "--watch-preserve-output", "--x"])).toEqual(["--x"]);
    expect(workerExecArgv(["--watch-path=src", "--conditions", "dev"])).toEqual(["--conditions", "dev"]);
    // --check takes no value: the next argument stays
    expect(workerExecArgv(["--check", "--enable-source-maps"])).toEqual(["--enable-source-maps"]);
    expect(workerExecArgv([])).toBeUndefined();
  });

  it("drops --input-type and --print too, and the separate values of --input-type, --eval and --print", () => {
    // node --input-type module --eval "..." / --print "...": each value is the next argument.
    expect(workerExecArgv(["--input-type", "module", "--conditions=dev", "--eval", "1", "--print", "2", "--input-type=commonjs", "--trace-warnings"])).toEqual([
      "--conditions=dev",
      "--trace-warnings",
    ]);
  });
});

describe("toWire edges", () => {
  it("leaves values past six levels, DataViews and class instances as they are", () => {
    const deep = new Uint8Array([1]);
    const nested = [[[[[[[deep]]]]]]];
    const { args, transfer } = toWire([nested]);
    expect(JSON.stringify(args)).toBe(JSON.stringify([nested]));
    expect(((((((args[0] as unknown[][])[0] as unknown[][])[0] as unknown[][])[0] as unknown[][])[0] as unknown[][])[0] as unknown[][])[0]?.[0]).toBe(deep);
    expect(transfer).toEqual([]);
    const view = new DataView(new ArrayBuffer(4));
    const date = new Date(0);
    const out = toWire([{ view, date, n: 1, s: "x" }]);
    expect(out.args[0]).toEqual({ view, date, n: 1, s: "x" });
    expect((out.args[0] as { view: DataView }).view).toBe(view);
    expect(out.transfer).toEqual([]);
  });

  it("still copies and moves a typed array six levels down (the deepest walked)", () => {
    const bytes = new Uint8Array([7]);
    const { args, transfer } = toWire([[[[[[[bytes]]]]]]]); // bytes at depth 6 of the first argument
    let leaf: unknown = args[0];
    for (let depth = 0; depth < 6; depth++) leaf = (leaf as unknown[])[0];
    expect(leaf).toEqual(bytes);
    expect(leaf).not.toBe(bytes);
    expect(transfer).toEqual([(leaf as Uint8Array).buffer]);
  });

  it("counts object levels toward the six as well: a typed array seven objects down is left as it is", () => {
    const bytes = new Uint8Array([7]);
    const deep = { a: { a: { a: { a: { a: { a: { a: bytes } } } } } } }; // bytes at depth 7
    const { args, transfer } = toWire([deep]);
    let leaf: unknown = args[0];
    for (let depth = 0; depth < 7; depth++) leaf = (leaf as { a: unknown }).a;
    expect(leaf).toBe(bytes);
    expect(transfer).toEqual([]);
  });

  it("passes null and undefined through, and sends a URL under any other key as an image", () => {
    const url = new URL("https://example.com/cat.png");
    const { args } = toWire(["q", null, undefined, { topN: null, extra: undefined, source: url }]);
    expect(args).toStrictEqual(["q", null, undefined, { topN: null, extra: undefined, source: { image: "https://example.com/cat.png" } }]);
  });

  it("copies other typed arrays into buffers of their own", () => {
    const floats = new Float32Array([0.5, 1.5]);
    const { args, transfer } = toWire([floats]);
    expect(args[0]).toEqual(floats);
    expect(args[0]).not.toBe(floats);
    expect(transfer).toEqual([(args[0] as Float32Array).buffer]);
    expect(floats[0]).toBe(0.5); // the caller's array is intact
  });
});

/** A stand-in for one worker thread: records calls, can die, counts terminations. */
class StandInHandle {
  alive = true;
  load = 0;
  terminated: Array<number | undefined> = [];
  readonly calls: Array<{ method: string; args: unknown[]; signal: AbortSignal | undefined }> = [];
  private listeners: Array<() => void> = [];
  constructor(readonly name: string) {}
  onDead(listener: () => void): void {
    if (!this.alive) listener();
    else this.listeners.push(listener);
  }
  die(): void {
    this.alive = false;
    this.listeners.splice(0).forEach((l) => l());
  }
  async call<T>(method: string, args: unknown[], signal?: AbortSignal): Promise<T> {
    this.calls.push({ method, args, signal });
    return { scores: [1], usage: { promptTokens: 1, totalTokens: 1 }, from: this.name } as T;
  }
  async terminate(graceMs?: number): Promise<void> {
    this.terminated.push(graceMs);
    this.alive = false;
  }
}

/** A stand-in that counts a call in flight from the moment it is sent, as a real worker does until its answer. */
class BusyStandIn extends StandInHandle {
  override call<T>(method: string, args: unknown[], signal?: AbortSignal): Promise<T> {
    this.load++;
    return super.call<T>(method, args, signal);
  }
}

const INFO: WorkerModelInfo = { capabilities: ["score", "embed"], data: { scoreType: "bi-encoder", model: "org/model" }, threads: 2, batchInvariant: true };

function pool(handles: StandInHandle[], respawn: (signal: AbortSignal) => Promise<StandInHandle> = async () => new StandInHandle("fresh"), info = INFO) {
  return new WorkerScorer(handles as never, info, respawn as never);
}

describe("WorkerScorer over stand-in workers", () => {
  it("has the model's data, capabilities, threads and batch invariance as reported", () => {
    const scorer = pool([new StandInHandle("a"), new StandInHandle("b")]);
    expect(scorer).toMatchObject({ scoreType: "bi-encoder", model: "org/model", threads: 2, batchInvariant: true, workers: 2, liveWorkers: 2, idleWorkers: 2 });
    expect(scorer.capabilities).toEqual(["score", "embed"]);
    expect(Object.isFrozen(scorer.capabilities)).toBe(true);
    expect(typeof (scorer as unknown as { embed?: unknown }).embed).toBe("function");
    expect(pool([new StandInHandle("a")], undefined, { ...INFO, batchInvariant: undefined }).batchInvariant).toBe(false);
  });

  it("sends scoreWithUsage to the least busy live worker, without the signal in the options", async () => {
    const [a, b, c] = [new StandInHandle("a"), new StandInHandle("b"), new StandInHandle("c")];
    a.load = 2;
    b.load = 1;
    c.load = 3;
    const scorer = pool([a, b, c], () => new Promise(() => {})); // a replacement never arrives
    expect(scorer.idleWorkers).toBe(0);
    const signal = new AbortController().signal;
    const out = (await scorer.scoreWithUsage("q", ["d"], { activation: false, signal })) as unknown as { from: string };
    expect(out.from).toBe("b");
    expect(b.calls[0]).toEqual({ method: "scoreWithUsage", args: ["q", ["d"], { activation: false }], signal });
    b.alive = false;
    b.load = 0;
    expect(((await scorer.scoreWithUsage("q", ["d"])) as unknown as { from: string }).from).toBe("a");
    a.load = 3;
    expect(((await scorer.scoreWithUsage("q", ["d"])) as unknown as { from: string }).from).toBe("a"); // the first of equals
    expect(scorer.liveWorkers).toBe(2);
  });

  it("replaces a dead worker in the background and counts it out until then", async () => {
    const a = new StandInHandle("a");
    const b = new StandInHandle("b");
    let respawns = 0;
    const fresh = new StandInHandle("fresh");
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const scorer = pool([a, b], async () => (respawns++, await gate, fresh));
    a.die();
    expect(respawns).toBe(1);
    expect(scorer.liveWorkers).toBe(1);
    expect(((await scorer.scoreWithUsage("q", ["d"])) as unknown as { from: string }).from).toBe("b");
    expect(respawns).toBe(1); // one replacement at a time per slot
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(scorer.liveWorkers).toBe(2);
    b.load = 1;
    expect(((await scorer.scoreWithUsage("q", ["d"])) as unknown as { from: string }).from).toBe("fresh");
    fresh.die();
    expect(respawns).toBe(2); // the replacement is watched too
  });

  it("waits for a replacement when no worker is left, and reports a failed restart", async () => {
    const a = new StandInHandle("a");
    const scorer = pool([a], async () => new StandInHandle("fresh"));
    a.alive = false; // died without telling (found by the next call)
    expect(((await scorer.scoreWithUsage("q", ["d"])) as unknown as { from: string }).from).toBe("fresh");
    const b = new StandInHandle("b");
    const cause = new ModelLoadError("gone", { path: "/m" });
    const broken = pool([b], async () => Promise.reject(cause));
    b.alive = false;
    const error = await broken.scoreWithUsage("q", ["d"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RerankKitError);
    expect(error).toMatchObject({ message: "The scoring worker for org/model could not be restarted", cause });
  });

  it("forwards capability methods through the same choice of worker", async () => {
    const a = new StandInHandle("a");
    const scorer = pool([a]) as unknown as { embed(t: string[], o?: object): Promise<unknown> };
    await scorer.embed(["x"], { kind: "query" });
    expect(a.calls[0]).toMatchObject({ method: "embed", args: [["x"], { kind: "query" }] });
  });

  it("closes every worker with the timeout, refuses calls after, and stops a replacement that finishes late", async () => {
    const a = new StandInHandle("a");
    const b = new StandInHandle("b");
    const late = new StandInHandle("late");
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const scorer = pool([a, b], async (signal) => {
      await gate;
      expect(signal.aborted).toBe(true);
      return late;
    });
    b.die();
    const closing = scorer.close({ timeoutMs: 50 });
    release();
    await closing;
    expect(a.terminated).toEqual([50]);
    expect(late.terminated).toEqual([undefined]);
    expect(scorer.liveWorkers).toBe(0);
    expect(scorer.idleWorkers).toBe(0);
    const error = await scorer.scoreWithUsage("q", ["d"]).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RerankKitError", message: "Scorer for org/model is closed" });
    expect(a.calls).toHaveLength(0);
  });

  it("does not replace workers that die after close, nor start one for a call after close", async () => {
    const a = new StandInHandle("a");
    let respawns = 0;
    const scorer = pool([a], async () => (respawns++, new StandInHandle("x")));
    await scorer.close();
    a.die();
    expect(respawns).toBe(0);
    await expect(scorer.scoreWithUsage("q", ["d"])).rejects.toMatchObject({ message: "Scorer for org/model is closed" });
    expect(respawns).toBe(0);
  });

  it("counts no worker live or idle from the moment close() is called", async () => {
    const a = new StandInHandle("a");
    const scorer = pool([a]);
    const closing = scorer.close();
    expect(a.alive).toBe(true); // not terminated yet
    expect(scorer.liveWorkers).toBe(0);
    expect(scorer.idleWorkers).toBe(0);
    await closing;
  });

  it("counts a dead worker neither live nor idle while it is replaced", () => {
    const [a, b] = [new StandInHandle("a"), new StandInHandle("b")];
    const scorer = pool([a, b], () => new Promise(() => {})); // the replacement never arrives
    a.die();
    expect(scorer.liveWorkers).toBe(1);
    expect(scorer.idleWorkers).toBe(1);
  });

  it("sends calls made back to back to distinct idle workers", async () => {
    const [a, b] = [new BusyStandIn("a"), new BusyStandIn("b")];
    const scorer = pool([a, b]);
    const answers = (await Promise.all([scorer.scoreWithUsage("q", ["d"]), scorer.scoreWithUsage("q", ["d"])])) as unknown as Array<{ from: string }>;
    expect(answers.map((x) => x.from)).toEqual(["a", "b"]);
  });

  it("starts one replacement per slot when the worker's exit is reported while it is already being replaced", async () => {
    const [a, b] = [new StandInHandle("a"), new StandInHandle("b")];
    let respawns = 0;
    const scorer = pool([a, b], () => (respawns++, new Promise(() => {})));
    a.alive = false; // stopped serving; its exit event comes later
    expect(((await scorer.scoreWithUsage("q", ["d"])) as unknown as { from: string }).from).toBe("b");
    expect(respawns).toBe(1);
    a.die();
    expect(respawns).toBe(1);
  });

  it("ignores the late exit of a worker whose slot was already refilled", async () => {
    const [a, b] = [new StandInHandle("a"), new StandInHandle("b")];
    let respawns = 0;
    const scorer = pool([a, b], async () => (respawns++, new StandInHandle("fresh")));
    a.alive = false; // found dead by the next call, replaced at once
    await scorer.scoreWithUsage("q", ["d"]);
    await new Promise((r) => setTimeout(r, 0));
    expect(scorer.liveWorkers).toBe(2);
    a.die(); // the old thread's exit event arrives after its replacement
    expect(respawns).toBe(1);
    expect(scorer.liveWorkers).toBe(2);
  });

  it("serves a call on the workers that did restart when another restart fails", async () => {
    const [a, b] = [new StandInHandle("a"), new StandInHandle("b")];
    let respawns = 0;
    const scorer = pool([a, b], async () => {
      if (++respawns === 1) throw new ModelLoadError("gone", { path: "/m" });
      return new StandInHandle("fresh");
    });
    a.alive = false;
    b.alive = false;
    expect(((await scorer.scoreWithUsage("q", ["d"])) as unknown as { from: string }).from).toBe("fresh");
  });

  it("plans a score call in a worker only when the model reports it can (microBatchSplit)", async () => {
    const a = new StandInHandle("a");
    const planner = pool([a], undefined, { ...INFO, microBatchSplit: true });
    expect(planner.microBatchSplit).toBe(true);
    const signal = new AbortController().signal;
    await planner.planScore("q", ["d1", "d2"], { activation: false, signal });
    await planner.planScore("q", ["d1"]);
    expect(a.calls).toEqual([
      { method: "planScore", args: ["q", ["d1", "d2"], { activation: false }], signal },
      { method: "planScore", args: ["q", ["d1"], {}], signal: undefined },
    ]);
    const b = new StandInHandle("b");
    const plain = pool([b]); // INFO does not report microBatchSplit
    expect(plain.microBatchSplit).toBe(false);
    await expect(plain.planScore("q", ["d"])).rejects.toMatchObject({
      name: "RerankKitError",
      message: "org/model cannot plan its score calls in advance (microBatchSplit is false)",
    });
    expect(b.calls).toHaveLength(0);
  });
});
