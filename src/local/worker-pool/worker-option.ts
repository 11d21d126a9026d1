import { InvalidOptionError } from "../../errors/invalid-option-error.js";
import { validateOptions, type OptionRule } from "../../options/check-options.js";

/**
 * The shape of a worker pool: how many threads each hold a copy of the model, and how many
 * ONNX Runtime threads each of them uses.
 */
export interface WorkerPoolShape {
  /**
   * Worker threads, each with its own copy of the model. Concurrent calls go to the least busy
   * one, so more than one helps many concurrent calls (a server), not one large call. @default 1
   */
  workers?: number;
  /**
   * ONNX Runtime intra-op threads per worker. @default the `threads` load option, else all cores
   * for one worker and `floor(cores / workers)` (at least 1) for several, so the pool never
   * oversubscribes the CPU
   */
  threads?: number;
}

/**
 * Whether a model loads in worker threads instead of on the caller's thread: `true` (one worker,
 * all cores), `false` / unset (in process), or a {@link WorkerPoolShape}.
 */
export type WorkerOption = boolean | WorkerPoolShape;

/** The `worker` load option's rule, checked in full by {@link checkWorkerOption}. @internal */
export const WORKER_OPTION_RULE = { kind: "any", note: "true, false, or { workers, threads }" } as const satisfies OptionRule;

const SHAPE_RULES = { workers: { kind: "integer", min: 1 }, threads: { kind: "integer", min: 1 } } as const;

/**
 * Checks a `worker` option, so a typo (`{ worker: { thread: 1 } }`) or a bad value fails before
 * any thread starts. @throws {InvalidOptionError} naming the option. @internal
 */
export function checkWorkerOption(value: unknown, where: string): void {
  if (value === undefined || typeof value === "boolean") return;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const shown = typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? "an array" : String(value);
    throw new InvalidOptionError(`${where}: option \`worker\` must be ${WORKER_OPTION_RULE.note}, got ${shown}`, {
      option: "worker",
      allowed: WORKER_OPTION_RULE.note,
    });
  }
  validateOptions(value, SHAPE_RULES, { where: `${where} (option \`worker\`)` });
}

/** The pool shape a `worker` option asks for, or undefined for in process. @internal */
export function workerShape(value: WorkerOption | undefined): WorkerPoolShape | undefined {
  if (value === undefined || value === false) return undefined;
  return value === true ? {} : value;
}
