import type { Capability } from "../../contracts/capabilities.js";
import { loadModelFiles, type ModelFiles } from "../files/model-files.js";
import type { InProcess, InWorker, LocalModelOptions, WorkerLoadOption } from "../options.js";
import type { WorkerOption } from "./worker-option.js";
import { checkWorkerOption, workerShape } from "./worker-option.js";
import { startWorkerScorer, type WorkerEntry } from "./start-pool.js";
import type { AnyWorkerScorer, WorkerOf } from "./worker-scorer.js";

/**
 * Loads `idOrPath` in a worker pool for the `worker` option of `loadScorer` and the scorer
 * classes' `fromPretrained` (options already checked there): the pool's `threads` wins over the
 * load option of the same name. @internal
 */
export function loadInWorker(
  idOrPath: string,
  options: { worker?: WorkerOption; threads?: number },
  entry: WorkerEntry | undefined,
): Promise<AnyWorkerScorer> {
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
 * A family's `fromPretrained`: in worker threads (`worker: true` or a pool shape) it resolves to a
 * worker proxy typed with the family's capabilities `C`; in process, to the family's class `S`.
 */
export interface FromPretrained<S, O, C extends Capability> {
  /** In worker threads: a {@link WorkerOf} proxy with the family's capabilities. */
  (idOrPath: string, options: InWorker<O>): Promise<WorkerOf<C>>;
  /** In process (no `worker` option): the scorer itself. */
  (idOrPath: string, options?: InProcess<O>): Promise<S>;
  /** Either, as `worker` decides at run time. */
  (idOrPath: string, options?: O & WorkerLoadOption): Promise<S | WorkerOf<C>>;
}

/** What a family tells {@link pretrainedLoader}. @internal */
export interface PretrainedFamily<S, O, C extends Capability, F = ModelFiles> {
  /** The class name the worker loads with (its `fromPretrained` runs there, in process). */
  entry: WorkerEntry;
  /** The family's capabilities: the worker proxy's type. */
  capabilities: readonly C[];
  /** Checks the load options (`worker` included), naming `fromPretrained` in messages. */
  check(options: O & WorkerLoadOption): void;
  /**
   * Reads what the family is built from (a folder, or a Hub id downloaded), for a family whose
   * files are not the text families' {@link ModelFiles} (an image-text model's two towers and
   * processor). @default loadModelFiles
   */
  read?(idOrPath: string, options: O): Promise<F>;
  /** Builds the scorer from files already read. */
  fromFiles(files: F, options: O, idOrPath: string): Promise<S>;
}

/**
 * The one definition of the families' `fromPretrained`: checks the options, then loads in a
 * worker pool whose workers run the same class's `fromPretrained` in process, or reads the files
 * and builds the scorer here. @internal
 */
export function pretrainedLoader<S, O extends LocalModelOptions, C extends Capability, F = ModelFiles>(family: PretrainedFamily<S, O, C, F>): FromPretrained<S, O, C> {
  const load = async (idOrPath: string, options: O & WorkerLoadOption = {} as O): Promise<S | WorkerOf<C>> => {
    family.check(options);
    checkWorkerOption(options.worker, `${family.entry}.fromPretrained`);
    if (workerShape(options.worker)) return (await loadInWorker(idOrPath, options, family.entry)) as unknown as WorkerOf<C>;
    const { worker: _worker, ...inProcess } = options;
    const files = family.read ? await family.read(idOrPath, inProcess as O) : ((await loadModelFiles(idOrPath, inProcess)) as F);
    return family.fromFiles(files, inProcess as O, idOrPath);
  };
  return load as FromPretrained<S, O, C>;
}
