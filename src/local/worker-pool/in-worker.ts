import type { WorkerOption } from "./worker-option.js";
import { workerShape } from "./worker-option.js";
import { startWorkerScorer, type WorkerEntry, type WorkerScorer } from "./worker-scorer.js";

/**
 * Loads `idOrPath` in a worker pool for the `worker` option of `loadScorer` and the scorer
 * classes' `fromPretrained` (options already checked there): the pool's `threads` wins over the
 * load option of the same name. @internal
 */
export function loadInWorker(
  idOrPath: string,
  options: { worker?: WorkerOption; threads?: number },
  entry: WorkerEntry | undefined,
): Promise<WorkerScorer> {
  const { worker, ...loadOptions } = options;
  const shape = workerShape(worker) ?? {};
  const threads = shape.threads ?? loadOptions.threads;
  return startWorkerScorer(
    idOrPath,
    { ...loadOptions, ...(threads !== undefined && { threads }), ...(shape.workers !== undefined && { workers: shape.workers }) },
    entry,
  );
}
