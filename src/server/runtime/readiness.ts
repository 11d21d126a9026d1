/**
 * Whether the served models can take work right now, for `/health`: a worker pool whose every
 * worker is being replaced (after a crash, or a cancelled call that would not stop) cannot.
 * @internal
 * @module
 */

/** A scorer or embedder that knows how many of its workers are ready (a `WorkerScorer`). */
interface Pooled {
  readonly liveWorkers: number;
}

function isPooled(value: unknown): value is Pooled {
  return typeof value === "object" && value !== null && typeof (value as Partial<Pooled>).liveWorkers === "number";
}

/** True when one of `models` is a worker pool with no worker ready. @internal */
export function workersDown(models: readonly unknown[]): boolean {
  return models.some((m) => isPooled(m) && m.liveWorkers === 0);
}
