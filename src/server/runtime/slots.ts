import { HttpError } from "../http/http-error.js";

/**
 * Bounds the work a server accepts. `admit()` counts a request from arrival until its answer:
 * beyond `maxInFlight` it throws a 503 with `Retry-After` instead of queueing without limit.
 * Inference itself runs `concurrency` jobs at a time (`acquire`), FIFO.
 */
export class Slots {
  /** Requests admitted and not yet answered. */
  inFlight = 0;
  /** Inference jobs running. */
  running = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly maxInFlight: number,
  ) {}

  /** Requests admitted but not yet running inference. */
  get queued(): number {
    return Math.max(0, this.inFlight - this.running);
  }

  /**
   * Counts one request in; call the returned function exactly once when it is answered.
   * @throws {HttpError} 503 `ServiceUnavailableError` with `Retry-After: 1` when full.
   */
  admit(): () => void {
    if (this.inFlight >= this.maxInFlight) {
      throw new HttpError(
        503,
        "ServiceUnavailableError",
        `The server is busy (${this.inFlight} requests in flight, limit ${this.maxInFlight}); retry later.`,
        { headers: { "Retry-After": "1" } },
      );
    }
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight--;
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
    };
  }

  /** True when an inference slot is free right now. */
  get available(): boolean {
    return this.running < this.concurrency;
  }

  /** Takes an inference slot, waiting FIFO; returns its release function. */
  async acquire(): Promise<() => void> {
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    } else {
      this.running++;
    }
    return this.releaser();
  }

  /** Takes a free slot now, or returns undefined (never waits, never jumps the FIFO queue). */
  tryAcquire(): (() => void) | undefined {
    if (this.running >= this.concurrency) return undefined;
    this.running++;
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `running` stays unchanged.
      if (next) next();
      else this.running--;
      for (const listener of this.releaseListeners) listener();
    };
  }

  private readonly releaseListeners: Array<() => void> = [];

  /** Calls `listener` after every slot release (batchers use it to dispatch their next batch). */
  addReleaseListener(listener: () => void): void {
    this.releaseListeners.push(listener);
  }

  /** Resolves when no request is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
