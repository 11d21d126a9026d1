import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Worker } from "node:worker_threads";
import { AbortError } from "../../errors/abort-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { RerankKitError } from "../../errors/rerank-kit-error.js";
import type { Progress } from "../../types.js";
import { NativeCallFence } from "../runtime/native-runs.js";
import { startWorker } from "./exec-argv.js";
import { toWire } from "./wire-args.js";
import { deserializeError, type FromWorker, type ToWorker, type WorkerMethod, type WorkerModelInfo } from "./protocol.js";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onProgress: ((p: Progress) => void) | undefined;
}

/** The URL of this module, in ESM (import.meta.url) and in the CJS build (__filename). */
function selfUrl(): string {
  return typeof __filename === "string" ? pathToFileURL(__filename).href : import.meta.url;
}

/**
 * Starts the worker entry next to this module: the built `worker.js` / `worker.cjs` in dist/, or,
 * when running from TypeScript sources (vitest, tsx), `worker.ts` behind tsx's loader. Node 20
 * loads a worker's `.ts` entry before `--import tsx` hooks are ready, so the loader is registered
 * by a small eval'd bootstrap that then imports the entry. The worker gets the parent's flags
 * minus those a worker rejects (see {@link startWorker}).
 */
function spawnWorker(fence: NativeCallFence): Worker {
  const here = selfUrl();
  const workerData = { nativeCalls: fence.buffer };
  if (!/\.[cm]?ts$/.test(here)) {
    return startWorker(new URL(here.endsWith(".cjs") ? "./worker.cjs" : "./worker.js", here), { workerData });
  }
  // tsx's ESM register API (the require condition resolves to its .cjs twin).
  const api = pathToFileURL(createRequire(here).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
  const entry = new URL("./worker.ts", here).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}));`;
  return startWorker(bootstrap, { eval: true, workerData });
}

/** The longest a stopping worker's native call is waited for: far beyond any one micro-batch's run. */
const NATIVE_CALL_WAIT_MS = 10 * 60_000;

/** How a worker's time is bounded. @internal */
export interface WorkerTimeouts {
  /** Loading longer than this terminates the thread with a `ModelLoadError`. */
  loadTimeoutMs: number;
  /** A cancelled call still running after this long gets its thread terminated (and replaced). */
  cancelTimeoutMs: number;
}

/** One worker thread holding one model, with a table of calls in flight. @internal */
export class WorkerHandle {
  private readonly worker: Worker;
  /** The worker's native calls in flight: it is terminated only when none is (see native-runs.ts). */
  private readonly fence: NativeCallFence;
  /** The thread's termination, once started: every path that stops the thread shares it. */
  private stopping: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Cancelled calls the worker has not yet stopped, with the timer that recycles it if it never does. */
  private readonly abandoned = new Map<number, NodeJS.Timeout>();
  private readonly deathListeners: Array<() => void> = [];
  private nextId = 1;
  private dead: Error | undefined;
  /** False once the thread crashed, exited, was terminated or is being recycled. */
  get alive(): boolean {
    return this.dead === undefined;
  }

  /** Calls sent and not yet answered, cancelled ones still running included (they hold the thread). */
  get load(): number {
    return this.pending.size + this.abandoned.size;
  }

  private constructor(
    worker: Worker,
    fence: NativeCallFence,
    private readonly cancelTimeoutMs: number,
  ) {
    this.worker = worker;
    this.fence = fence;
    worker.on("message", (m: FromWorker) => this.onMessage(m));
    worker.on("error", (e) => this.fail(new RerankKitError(`The scoring worker crashed: ${e.message}`, { cause: e })));
    worker.on("exit", (code) => this.fail(new RerankKitError(`The scoring worker exited (code ${code})`)));
  }

  /** Calls `listener` once when this worker stops serving (crash, exit, recycle, terminate). */
  onDead(listener: () => void): void {
    if (this.dead) listener();
    else this.deathListeners.push(listener);
  }

  /**
   * Starts a worker and loads the model in it. A load that does not finish within
   * `loadTimeoutMs` (a hostile model that hangs, a stalled download) terminates the thread.
   */
  static async start(
    idOrPath: string,
    options: Record<string, unknown>,
    loader: string | undefined,
    entry: string | undefined,
    timeouts: WorkerTimeouts,
    signal?: AbortSignal,
  ): Promise<{ handle: WorkerHandle; info: WorkerModelInfo }> {
    const fence = new NativeCallFence();
    const worker = spawnWorker(fence);
    const handle = new WorkerHandle(worker, fence, timeouts.cancelTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const info = await new Promise<WorkerModelInfo>((resolve, reject) => {
      onAbort = () => reject(new RerankKitError(`The scorer was closed while a worker was loading ${idOrPath}`));
      if (signal?.aborted) onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(() => {
        reject(new ModelLoadError(`Loading ${idOrPath} did not finish within ${timeouts.loadTimeoutMs} ms (loadTimeoutMs); the worker was stopped`, { path: idOrPath }));
      }, timeouts.loadTimeoutMs);
      const onMessage = (m: FromWorker): void => {
        if (m.type === "loaded") resolve(m.info);
        else if (m.type === "load-failed") reject(deserializeError(m.error));
        else return;
        worker.off("message", onMessage);
        worker.off("exit", onExit);
      };
      let crash: Error | undefined;
      worker.once("error", (e) => (crash = e));
      const onExit = (code: number): void =>
        reject(new RerankKitError(`The scoring worker exited (code ${code}) while loading${crash ? `: ${crash.message}` : ""}`, { cause: crash }));
      worker.on("message", onMessage);
      worker.on("exit", onExit);
      worker.postMessage({ type: "load", idOrPath, options, loader, entry } satisfies ToWorker);
    })
      .catch(async (error: unknown) => {
        await handle.stopThread();
        throw error;
      })
      .finally(() => {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener("abort", onAbort);
      });
    return { handle, info };
  }

  /** Calls `method` in the worker. The options' `signal` cancels it; `onProgress` is relayed. */
  call<T>(method: WorkerMethod, args: unknown[], signal?: AbortSignal, onProgress?: (p: Progress) => void): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    if (signal?.aborted) return Promise.reject(new AbortError("The operation was aborted.", { cause: signal.reason }));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.cancel(id);
        reject(new AbortError("The operation was aborted.", { cause: signal?.reason }));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = (): void => signal?.removeEventListener("abort", onAbort);
      this.pending.set(id, {
        resolve: (v) => (done(), resolve(v as T)),
        reject: (e) => (done(), reject(e)),
        onProgress,
      });
      const wire = toWire(args);
      this.worker.postMessage({ type: "call", id, method, args: wire.args, progress: onProgress !== undefined } satisfies ToWorker, wire.transfer);
    });
  }

  /**
   * Asks the worker to stop call `id` and forgets it here. The worker stops at its next batch
   * boundary; a call stuck in synchronous work (tokenizing a huge text, a hostile tokenizer's
   * regex) never reaches one, so after `cancelTimeoutMs` the thread is recycled: terminated,
   * so the pool starts a fresh one and later calls are served.
   */
  private cancel(id: number): void {
    if (!this.pending.delete(id) || this.dead) return;
    this.worker.postMessage({ type: "cancel", id } satisfies ToWorker);
    const timer = setTimeout(() => this.recycle(`a cancelled call was still running after ${this.cancelTimeoutMs} ms`), this.cancelTimeoutMs);
    timer.unref();
    this.abandoned.set(id, timer);
  }

  /** Stops serving from this thread now and terminates it (without waiting for its model to close). */
  private recycle(reason: string): void {
    if (this.dead) return;
    this.fail(new RerankKitError(`The scoring worker was restarted: ${reason}`));
    void this.stopThread();
  }

  private onMessage(m: FromWorker): void {
    if (m.type !== "result" && m.type !== "error" && m.type !== "progress") return;
    const stopped = this.abandoned.get(m.id);
    if (stopped !== undefined && m.type !== "progress") {
      clearTimeout(stopped);
      this.abandoned.delete(m.id);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === "progress") {
      // A failing callback fails its own call, as in process. A throw must not escape this
      // message handler (an uncaught exception), nor an async callback's rejection go unhandled:
      // either ends the process. A rejection after the call settled has no call left to fail.
      const cancel = (error: unknown): void => {
        if (this.pending.get(m.id) !== p) return;
        this.cancel(m.id);
        p.reject(error);
      };
      try {
        const result: unknown = p.onProgress?.({ done: m.done, total: m.total });
        if (result instanceof Promise) result.catch(cancel);
      } catch (error) {
        cancel(error);
      }
      return;
    }
    this.pending.delete(m.id);
    if (m.type === "result") p.resolve(m.value);
    else p.reject(deserializeError(m.error));
  }

  private fail(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const t of this.abandoned.values()) clearTimeout(t);
    this.abandoned.clear();
    this.deathListeners.splice(0).forEach((l) => l());
  }

  /**
   * Closes the model in the worker, then stops the thread. An idle worker closes its model first
   * (it releases its sessions at once). A busy one has its calls cancelled and gets at most
   * `graceMs` (default: `cancelTimeoutMs`) to stop and close before the thread is terminated, so
   * a call stuck in synchronous work cannot hold up a shutdown.
   */
  async terminate(graceMs?: number): Promise<void> {
    if (!this.dead) {
      const busy = this.load > 0;
      const closed = new RerankKitError("The scorer was closed during the call");
      for (const [id, p] of [...this.pending]) {
        this.cancel(id);
        p.reject(closed);
      }
      // Idle: the close call answers at once; the bound only guards a thread that hung meanwhile.
      const wait = Math.max(0, graceMs ?? (busy ? this.cancelTimeoutMs : 30_000));
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, wait)));
      await Promise.race([this.call("close", []).catch(() => undefined), limit]); // stopped below either way
      clearTimeout(timer);
    }
    this.fail(new RerankKitError("The scorer is closed"));
    await this.stopThread();
  }

  /**
   * Terminates the thread once no native call is in flight in it: terminating under an ONNX
   * Runtime run aborts the whole process. The wait ends early when the thread is stuck in
   * synchronous JavaScript (its calls cannot complete then) and is capped for a pathological run.
   */
  private stopThread(): Promise<void> {
    this.stopping ??= this.fence
      .drain({ stuckMs: Math.max(1000, this.cancelTimeoutMs), maxMs: NATIVE_CALL_WAIT_MS })
      .then(() => this.worker.terminate())
      .then(() => undefined);
    return this.stopping;
  }
}
