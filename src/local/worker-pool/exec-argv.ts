import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Flags that describe the main entry only (how to read `-e` code, what to print, watch mode); a
 * worker inheriting them fails, e.g. `--input-type` kills every worker started from a
 * `node --input-type=module -e` process with ERR_INPUT_TYPE_NOT_ALLOWED.
 */
const MAIN_ENTRY_FLAGS = new Set(["--input-type", "--eval", "-e", "--print", "-p", "--check", "-c", "--interactive", "-i", "--test", "--watch", "--watch-path", "--watch-preserve-output"]);
/** Of those, the ones whose value may come as the next argument. */
const WITH_VALUE = new Set(["--input-type", "--eval", "-e", "--print", "-p", "--watch-path"]);

/**
 * `execArgv` without the main-entry flags, or undefined when it has none (the worker then
 * inherits the parent's flags as Node filters them). @internal
 */
export function workerExecArgv(execArgv: readonly string[]): string[] | undefined {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const name = arg.split("=", 1)[0] as string;
    if (!MAIN_ENTRY_FLAGS.has(name)) kept.push(arg);
    else if (!arg.includes("=") && WITH_VALUE.has(name)) i++;
  }
  return kept.length === execArgv.length ? undefined : kept;
}

/**
 * Starts a worker with the parent's flags minus those a worker rejects: the main-entry flags, and
 * process-wide ones (`--max-old-space-size`, `--expose-gc`) that Node refuses in an explicit
 * `execArgv` (ERR_WORKER_INVALID_EXEC_ARGV names them; they are dropped and the start retried).
 * @internal
 */
export function startWorker(entry: URL | string, options: WorkerOptions = {}): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  if (!execArgv) return new Worker(entry, options);
  try {
    return new Worker(entry, { ...options, execArgv });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    const rejected = new Set((e.message.split(": ")[1] ?? "").split(", "));
    return new Worker(entry, { ...options, execArgv: execArgv.filter((a) => !rejected.has(a)) });
  }
}
