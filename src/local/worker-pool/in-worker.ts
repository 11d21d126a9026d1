import { loadModelFiles, type ModelFiles } from "../files/model-files.js";
import type { LocalModelOptions } from "../options.js";
import type { WorkerOption } from "./worker-option.js";
import { checkWorkerOption, workerShape } from "./worker-option.js";
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

/**
 * The shared body of the scorer classes' `fromPretrained` (their own option checks done): checks
 * `worker`, then loads in a worker pool whose workers run `entry`'s `fromPretrained`, or reads the
 * files and builds the scorer in process with `build`. @internal
 */
export async function fromPretrainedOrWorker<O extends LocalModelOptions & { worker?: WorkerOption; threads?: number }, S, W extends WorkerScorer>(
  idOrPath: string,
  options: O,
  entry: WorkerEntry,
  build: (files: ModelFiles, options: Omit<O, "worker">) => Promise<S>,
): Promise<S | W> {
  checkWorkerOption(options.worker, `${entry}.fromPretrained`);
  if (workerShape(options.worker)) return (await loadInWorker(idOrPath, options, entry)) as W;
  const { worker: _worker, ...inProcess } = options;
  return build(await loadModelFiles(idOrPath, inProcess), inProcess);
}
