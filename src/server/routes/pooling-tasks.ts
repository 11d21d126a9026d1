import type { ServerContext } from "../context.js";
import { badRequest } from "../http/http-error.js";
import type { PoolingTask } from "../options.js";

const REMOVED: Record<string, string> = { score: "classify", encode: "token_embed" };

/** Python's rendering of a tuple of strings, as in vLLM's "Supported tasks: ('embed',)". */
export function pyTuple(items: readonly string[]): string {
  const inner = items.map((t) => `'${t}'`).join(", ");
  return items.length === 1 ? `(${inner},)` : `(${inner})`;
}

/**
 * The task a `/pooling` request runs, checked as vLLM's newest `ServingPooling` does: a server
 * runs one pooling task; another task the model supports is refused with "Try switching the
 * model's pooling_task", one it does not with "Unsupported task", and `plugin` (IO processor
 * plugins, which this server has none of) with vLLM's plugin message.
 * @throws {HttpError} 400 `BadRequestError` with vLLM's message, `param: "task"`.
 */
export function verifyPoolingTask(ctx: ServerContext, requested: string | null | undefined): PoolingTask {
  const { supported, task: served } = ctx.options.poolingTasks;
  const task = requested ?? served ?? "embed";
  if (REMOVED[task]) throw badRequest(`The task \`${task}\` was removed; use \`${REMOVED[task]}\` instead.`, "task");
  if (task === "plugin") {
    throw badRequest(
      "No IOProcessor plugin installed. Please refer to the documentation and to the " +
        "'prithvi_geospatial_mae_io_processor' offline inference example for more details.",
      "task",
    );
  }
  if (task !== served) {
    if (!(supported as string[]).includes(task)) throw badRequest(`Unsupported task: '${task}' Supported tasks: ${pyTuple(supported)}`, "task");
    throw badRequest(`Try switching the model's pooling_task via --pooler-config.task ${task}.`, "task");
  }
  return task as PoolingTask;
}
