import { RerankKitError } from "../../errors/rerank-kit-error.js";
import { trackNativeCall } from "./native-runs.js";

/**
 * Lets a native session be released only when none of its runs is in flight. onnxruntime-node
 * runs a session on a libuv thread; releasing it underneath a run rejects that run with an
 * untyped "Session already disposed", and in a worker thread that is being stopped it can abort
 * the process. Runs started after closing reject with a typed error instead.
 * @internal
 */
export class RunGate {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;

  /** Runs `fn` unless the gate is closing; the gate's `close` waits for it, and a worker's termination too (see native-runs.ts). */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) throw new RerankKitError("The scorer is closed: close() was called before this run started");
    const running = trackNativeCall(fn);
    this.inFlight.add(running);
    try {
      return await running;
    } finally {
      this.inFlight.delete(running);
    }
  }

  /** Refuses new runs, then resolves once every run in flight has settled (never rejects). */
  async close(): Promise<void> {
    this.closing = true; // no run can join the set from here on, so one wait covers them all
    await Promise.allSettled([...this.inFlight]);
  }
}
