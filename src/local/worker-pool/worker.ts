/**
 * Worker-thread entry: loads one model with `loadScorer` and runs the calls the main thread
 * proxies, so ONNX Runtime's synchronous `run()` never blocks the main event loop.
 * @internal
 * @module
 */
import { parentPort } from "node:worker_threads";
import { isClassifier } from "../../types.js";
import { serializeError, transferables, type FromWorker, type ToWorker, type WorkerModelInfo } from "./protocol.js";

type Target = Record<string, (...args: unknown[]) => unknown> & { scoreType: WorkerModelInfo["scoreType"]; model: string; maxLength?: number };

const port = parentPort;
if (!port) throw new Error("worker.ts must run in a worker thread");

let target: Target | undefined;
const running = new Map<number, AbortController>();
const send = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

port.on("message", (message: ToWorker) => {
  if (message.type === "load") void load(message);
  else if (message.type === "cancel") running.get(message.id)?.abort();
  else void call(message);
});

async function load(message: Extract<ToWorker, { type: "load" }>): Promise<void> {
  try {
    target = (await loadTarget(message)) as Target;
    const info: WorkerModelInfo = {
      scoreType: target.scoreType,
      model: target.model,
      maxLength: typeof target.maxLength === "number" ? target.maxLength : undefined,
      embedder: typeof target.embedWithUsage === "function",
      tokenEmbedder: typeof target.embedTokens === "function",
      tokenizer: typeof target.tokenize === "function",
      config: (target as { modelConfig?: Record<string, unknown> }).modelConfig,
      tokenizerConfig: (target as { tokenizerConfig?: Record<string, unknown> }).tokenizerConfig,
      prompts: (target as { sentenceTransformersPrompts?: Record<string, string> }).sentenceTransformersPrompts,
      sequenceEmbedder: typeof target.embedSequences === "function",
      tokenSequenceEmbedder: typeof target.embedTokenSequences === "function",
      ...(isClassifier(target) && { labels: [...target.labels] }),
    };
    send({ type: "loaded", info });
  } catch (error) {
    send({ type: "load-failed", error: serializeError(error) });
  }
}

/** Runs the custom loader, a scorer class's `fromPretrained` (`entry`), or `loadScorer`. */
async function loadTarget(message: Extract<ToWorker, { type: "load" }>): Promise<unknown> {
  if (message.loader) {
    const mod = (await import(message.loader)) as { loadScorer: (idOrPath: string, options: object) => Promise<unknown> };
    return mod.loadScorer(message.idOrPath, message.options);
  }
  if (message.entry) {
    const classes = (await import("../index.js")) as unknown as Record<string, { fromPretrained: (idOrPath: string, options: object) => Promise<unknown> }>;
    const cls = classes[message.entry];
    if (!cls) throw new TypeError(`Unknown scorer class ${message.entry}`);
    return cls.fromPretrained(message.idOrPath, message.options);
  }
  const { loadScorer } = await import("../load-scorer.js");
  return loadScorer(message.idOrPath, message.options);
}

async function call(message: Extract<ToWorker, { type: "call" }>): Promise<void> {
  const { id, method, args } = message;
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const fn = target?.[method];
    if (!target || typeof fn !== "function") throw new TypeError(`The loaded model has no ${method}()`);
    // The last argument is the options object; give it this side's signal and progress callback.
    const options = { ...((args.at(-1) as object | undefined) ?? {}), signal: controller.signal };
    if (message.progress) {
      Object.assign(options, { onProgress: (p: { done: number; total: number }) => send({ type: "progress", id, ...p }) });
    }
    const value = await fn.apply(target, method === "tokenize" || method === "detokenize" || method === "close" ? args : [...args.slice(0, -1), options]);
    send({ type: "result", id, value }, transferables(value));
  } catch (error) {
    send({ type: "error", id, error: serializeError(error) });
  } finally {
    running.delete(id);
  }
}
