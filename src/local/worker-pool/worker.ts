/**
 * Worker-thread entry: loads one model with `loadScorer` and runs the calls the main thread
 * proxies, so ONNX Runtime's synchronous `run()` never blocks the main event loop.
 * @internal
 * @module
 */
import { availableParallelism } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { has } from "../../contracts/capabilities.js";
import { LlmRerankerScorer } from "../llm-reranker/llm-reranker.js";
import { adoptNativeCallCounter } from "../runtime/native-runs.js";
import { callShapeOf, reportCapabilities } from "./capability-proxy.js";
import { PLAN_SCORE, serializeError, transferables, type FromWorker, type ToWorker, type WorkerModelInfo } from "./protocol.js";

type Target = Record<string, (...args: unknown[]) => unknown>;

const port = parentPort;
if (!port) throw new Error("worker.ts must run in a worker thread");
const shared = (workerData as { nativeCalls?: unknown } | null)?.nativeCalls;
if (shared instanceof SharedArrayBuffer) adoptNativeCallCounter(shared);

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
    const loaded = await loadTarget(message);
    if (!has(loaded, "score")) throw new TypeError("The loader did not return a Scorer");
    target = loaded as unknown as Target;
    const info: WorkerModelInfo = {
      ...reportCapabilities(loaded),
      threads: openedThreads(message),
      batchInvariant: batchInvariant(loaded, message),
      microBatchSplit: microBatchSplit(loaded, message),
    };
    send({ type: "loaded", info });
  } catch (error) {
    send({ type: "load-failed", error: serializeError(error) });
  }
}

/**
 * The intra-op threads rerank-kit's loaders gave the model's ONNX Runtime sessions: the `threads`
 * load option, else all cores (as the session opener defaults). A custom loader's are unknown.
 */
function openedThreads(message: Extract<ToWorker, { type: "load" }>): number | undefined {
  if (message.loader) return undefined;
  const threads = message.options["threads"];
  return typeof threads === "number" ? threads : availableParallelism();
}

/**
 * Weights whose answers do not depend on the batch; `undefined` loads fp32. Dynamically quantized
 * weights (q8, int8, uint8, q4, ...) quantize activations with one scale per batch: one pair
 * scored in batches of different company moved by up to 1.4e-3 (a MiniLM-L6-shaped q8
 * cross-encoder).
 */
const BATCH_INVARIANT_DTYPES = new Set<unknown>([undefined, "fp32", "fp16"]);

/**
 * Whether a call's floats are the same whichever other inputs share its batches (so a server may
 * split it across workers): float weights, and right-padded batches without a shared prefix,
 * as rerank-kit's encoders run them. Left-padded decoders and LLM rerankers (whose cached prefix
 * is the longest one a call's prompts share) moved by up to 3.9e-7 when one 1:N call was scored
 * in parts. A custom loader's model is unknown, so never.
 */
function batchInvariant(loaded: object, message: Extract<ToWorker, { type: "load" }>): boolean {
  if (message.loader || !BATCH_INVARIANT_DTYPES.has(message.options["dtype"])) return false;
  if (loaded instanceof LlmRerankerScorer) return false;
  // The padding side is a LocalScorerBase field its families set; read here, where it is known.
  return (loaded as { padding?: unknown }).padding === "right";
}

/**
 * Whether a score call may be cut along the micro-batches the model would run it in (its
 * `planScore`), whatever the weights: each micro-batch is one ONNX run, so a dynamically quantized
 * model's activation scales see the same rows and padding on whichever worker runs it. Needs
 * rerank-kit's own cross-encoder (a pair is one sequence) on right-padded batches; a custom
 * loader's model is unknown, so never.
 */
function microBatchSplit(loaded: object, message: Extract<ToWorker, { type: "load" }>): boolean {
  if (message.loader || loaded instanceof LlmRerankerScorer) return false;
  return typeof (loaded as { planScore?: unknown }).planScore === "function" && (loaded as { padding?: unknown }).padding === "right";
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
    // `planScore` (a cross-encoder's plan of a score call) is the pool's own, outside the capability table.
    const shape = method === "close" ? "plain" : method === PLAN_SCORE ? 2 : callShapeOf(method);
    if (!target || typeof fn !== "function" || shape === undefined) throw new TypeError(`The loaded model has no ${method}()`);
    // The call options sit at a place the capability table names; give them this side's signal
    // and progress callback, keeping every other option the caller set.
    const sent = [...args];
    if (shape !== "plain") {
      const options: Record<string, unknown> = { ...((args[shape] as object | undefined) ?? {}), signal: controller.signal };
      if (message.progress) options["onProgress"] = (p: { done: number; total: number }) => send({ type: "progress", id, ...p });
      sent[shape] = options;
    }
    const value = await fn.apply(target, sent);
    send({ type: "result", id, value }, transferables(value));
  } catch (error) {
    send({ type: "error", id, error: serializeError(error) });
  } finally {
    running.delete(id);
  }
}
