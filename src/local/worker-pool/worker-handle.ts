import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { Worker } from "node:worker_threads";
import { AbortError } from "../../errors/abort-error.js";
import { RerankKitError } from "../../errors/rerank-kit-error.js";
import type { Progress } from "../../types.js";
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
function spawnWorker(): Worker {
  const here = selfUrl();
  if (!/\.[cm]?ts$/.test(here)) {
    return startWorker(new URL(here.endsWith(".cjs") ? "./worker.cjs" : "./worker.js", here));
  }
  // tsx's ESM register API (the require condition resolves to its .cjs twin).
  const api = pathToFileURL(createRequire(here).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
  const entry = new URL("./worker.ts", here).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}));`;
  return startWorker(bootstrap, { eval: true });
}

/** One worker thread holding one model, with a table of calls in flight. @internal */
export class WorkerHandle {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;
  /** False once the thread crashed, exited or was terminated. */
  get alive(): boolean {
    return this.dead === undefined;
  }

  /** Calls sent and not yet answered. */
  get load(): number {
    return this.pending.size;
  }

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.on("message", (m: FromWorker) => this.onMessage(m));
    worker.on("error", (e) => this.fail(new RerankKitError(`The scoring worker crashed: ${e.message}`, { cause: e })));
    worker.on("exit", (code) => this.fail(new RerankKitError(`The scoring worker exited (code ${code})`)));
  }

  /** Starts a worker and loads the model in it. */
  static async start(
    idOrPath: string,
    options: Record<string, unknown>,
    loader: string | undefined,
    entry?: string,
  ): Promise<{ handle: WorkerHandle; info: WorkerModelInfo }> {
    const worker = spawnWorker();
    const handle = new WorkerHandle(worker);
    const info = await new Promise<WorkerModelInfo>((resolve, reject) => {
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
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
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
        this.worker.postMessage({ type: "cancel", id } satisfies ToWorker);
        this.pending.delete(id);
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

  private onMessage(m: FromWorker): void {
    if (m.type !== "result" && m.type !== "error" && m.type !== "progress") return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === "progress") {
      // A failing callback fails its own call, as in process. A throw must not escape this
      // message handler (an uncaught exception), nor an async callback's rejection go unhandled:
      // either ends the process. A rejection after the call settled has no call left to fail.
      const cancel = (error: unknown): void => {
        if (this.pending.get(m.id) !== p) return;
        this.pending.delete(m.id);
        this.worker.postMessage({ type: "cancel", id: m.id } satisfies ToWorker);
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
    this.dead ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  /** Closes the model in the worker, then stops the thread. */
  async terminate(): Promise<void> {
    if (!this.dead) {
      // Let the model release its session: that waits for the ONNX run in flight (stopping the
      // thread under a native run can abort the process), but never wait on a hung thread forever.
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)));
      await Promise.race([this.call("close", []).catch(() => undefined), limit]); // stopped below either way
      clearTimeout(timer);
    }
    this.dead ??= new RerankKitError("The scorer is closed");
    await this.worker.terminate();
  }
}
