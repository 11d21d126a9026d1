/**
 * The native calls (ONNX Runtime session creation and runs, sharp's image decoding) a thread has
 * in flight, counted in memory its parent can read, so a worker thread is never terminated under one.
 *
 * onnxruntime-node creates sessions and runs them on libuv's thread pool, then calls back into
 * JavaScript. When the worker thread was terminated meanwhile, that callback throws in native code
 * and aborts the whole process (`terminate called after throwing an instance of 'Napi::Error'`):
 * a timed-out request, a load timeout or a shutdown would take the host down with it. So the
 * parent first asks the worker to stop (no new native call starts), then waits for the count to
 * reach zero, and only then terminates the thread.
 * @internal
 * @module
 */
import { RerankKitError } from "../../errors/rerank-kit-error.js";

/** Cell indices in the shared counter. */
const IN_FLIGHT = 0;
const STOPPING = 1;
const HEARTBEAT = 2;
const CELLS = 3;

/** This thread's counter: private until a worker adopts the one its parent shares. */
let cells = new Int32Array(new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT));

/**
 * Runs one native call, counted. The count is raised before the stop flag is read (both
 * sequentially consistent), so a parent that sets the flag and then reads a zero count knows no
 * call can start afterwards.
 * @throws {RerankKitError} when the parent has asked this thread to stop.
 */
export async function trackNativeCall<T>(call: () => Promise<T>): Promise<T> {
  Atomics.add(cells, IN_FLIGHT, 1);
  try {
    if (Atomics.load(cells, STOPPING) !== 0) throw new RerankKitError("The scoring worker is stopping: no new ONNX Runtime call starts");
    return await call();
  } finally {
    Atomics.sub(cells, IN_FLIGHT, 1);
  }
}

/**
 * Makes this thread count into `buffer` (from {@link NativeCallFence.buffer}) and beat a heartbeat
 * there, by which the parent tells a thread waiting on a native call from one stuck in synchronous
 * JavaScript.
 */
export function adoptNativeCallCounter(buffer: SharedArrayBuffer): void {
  cells = new Int32Array(buffer);
  setInterval(() => Atomics.add(cells, HEARTBEAT, 1), HEARTBEAT_MS).unref();
}

const HEARTBEAT_MS = 100;
/** How often a draining parent looks at the count. */
const POLL_MS = 25;

/** How long {@link NativeCallFence.drain} waits. */
export interface DrainLimits {
  /** A thread whose heartbeat stalls this long is stuck in synchronous JavaScript (a hostile tokenizer's regex): its native calls cannot finish, so waiting longer cannot help. */
  stuckMs: number;
  /** The longest wait for a responsive thread's native calls; every call ends, this only caps a pathological one. */
  maxMs: number;
}

/** The parent's side of one worker's counter. */
export class NativeCallFence {
  /** Handed to the worker (`workerData`), which passes it to {@link adoptNativeCallCounter}. */
  readonly buffer = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
  private readonly cells = new Int32Array(this.buffer);

  /** Native calls the worker has in flight now. */
  get inFlight(): number {
    return Atomics.load(this.cells, IN_FLIGHT);
  }

  /**
   * Stops new native calls in the worker, then resolves once none is in flight, or once the
   * worker is stuck or `maxMs` passed (the caller terminates the thread then regardless: the
   * alternative is a thread that never stops).
   */
  async drain(limits: DrainLimits): Promise<void> {
    Atomics.store(this.cells, STOPPING, 1);
    const start = Date.now();
    let beat = Atomics.load(this.cells, HEARTBEAT);
    let beatAt = start;
    for (;;) {
      const inFlight = Atomics.load(this.cells, IN_FLIGHT);
      if (inFlight === 0) return;
      const now = Date.now();
      const nowBeat = Atomics.load(this.cells, HEARTBEAT);
      if (nowBeat !== beat) [beat, beatAt] = [nowBeat, now];
      if (now - beatAt >= limits.stuckMs || now - start >= limits.maxMs) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
