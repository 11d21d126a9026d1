/**
 * The `task` load option of task-conditioned exports (jinaai/jina-embeddings-v3): the ONNX graph
 * takes a scalar `task_id`, the index of the task in `config.json` `lora_adaptations` (which of
 * the model's LoRA adapters to apply), and each task has its own prompt in
 * `config_sentence_transformers.json`. Without a task such a graph cannot run, so a missing or
 * unknown task is refused at load with the model's list of tasks.
 * @module
 */
import { InvalidOptionError } from "../errors/invalid-option-error.js";
import { ModelLoadError } from "../errors/model-load-error.js";
import type { EmbedKind } from "../types.js";
import type { ModelFiles } from "./files/model-files.js";
import type { TaskOption } from "./options.js";


/** One side's task: its name, its `task_id`, and its prompt when the model has one. */
export interface ResolvedTask {
  name: string;
  id: number;
  prompt: string | undefined;
}

/**
 * The task of each side, or undefined for a graph without a `task_id` input.
 * @param graphTakesTask whether the ONNX graph declares `task_id`
 * @throws {InvalidOptionError} for a task the graph needs but was not given, a task name the model
 *   does not have (the message lists them), or a task given to a graph without the input.
 * @throws {ModelLoadError} when the graph takes `task_id` but `config.json` lists no tasks.
 */
export function resolveTasks(files: ModelFiles, option: TaskOption | undefined, graphTakesTask: boolean): Record<EmbedKind, ResolvedTask> | undefined {
  if (!graphTakesTask) {
    if (option === undefined) return undefined;
    throw new InvalidOptionError(`${files.id}: option \`task\` needs a task-conditioned model (an ONNX graph with a task_id input); this one has none`, {
      option: "task",
      allowed: "unset for this model",
    });
  }
  const tasks = files.config["lora_adaptations"];
  if (!Array.isArray(tasks) || tasks.length === 0 || !tasks.every((t) => typeof t === "string")) {
    throw new ModelLoadError(`${files.dir}: the ONNX graph takes task_id, but config.json has no lora_adaptations list to number the tasks`, {
      path: `${files.dir}/config.json`,
    });
  }
  const list = (tasks as string[]).map((t) => JSON.stringify(t)).join(", ");
  const allowed = `one of ${list}, or { query, document } with two of them`;
  if (option === undefined) {
    throw new InvalidOptionError(`${files.id} is task-conditioned (its graph takes task_id): pass option \`task\`, ${allowed}`, { option: "task", allowed });
  }
  const names = typeof option === "string" ? { query: option, document: option } : option;
  if (names === null || typeof names !== "object" || typeof names.query !== "string" || typeof names.document !== "string") {
    throw new InvalidOptionError(`option \`task\` must be a task name or { query, document }, got ${JSON.stringify(option)}`, { option: "task", allowed });
  }
  const prompts = (files.stConfig?.["prompts"] ?? {}) as Record<string, unknown>;
  const resolve = (name: string): ResolvedTask => {
    const id = (tasks as string[]).indexOf(name);
    if (id < 0) throw new InvalidOptionError(`unknown task ${JSON.stringify(name)} for ${files.id}: its tasks are ${list}`, { option: "task", allowed });
    const prompt = prompts[name];
    return { name, id, prompt: typeof prompt === "string" ? prompt : undefined };
  };
  return { query: resolve(names.query), document: resolve(names.document) };
}
