import { AbortError } from "../../errors/abort-error.js";
import { ContextLengthError } from "../../errors/context-length-error.js";
import { InvalidInputError } from "../../errors/invalid-input-error.js";
import { InvalidScoreError } from "../../errors/invalid-score-error.js";
import { ModelLoadError } from "../../errors/model-load-error.js";
import { RerankKitError } from "../../errors/rerank-kit-error.js";
import { TimeoutError } from "../../errors/timeout-error.js";
import type { Capability } from "../../contracts/capabilities.js";

/**
 * What the worker reports once its model is loaded: the model's capabilities (rows of the
 * capability table) and the data members those rows list (`scoreType`, `labels`, `maxLength`,
 * the metadata), read once. @internal
 */
export interface WorkerModelInfo {
  capabilities: Capability[];
  data: Record<string, unknown>;
  /** The intra-op threads the model's sessions were opened with (undefined for a custom loader). */
  threads?: number | undefined;
  /** Whether the model's answers do not depend on the batch (see `WorkerScorer.batchInvariant`). */
  batchInvariant?: boolean | undefined;
  /** Whether a score call may be split along its own micro-batches (see `WorkerScorer.microBatchSplit`). */
  microBatchSplit?: boolean | undefined;
}

/** The worker method that returns a cross-encoder's micro-batch plan of a score call (`planScore`). @internal */
export const PLAN_SCORE = "planScore";

/** A method of the capability table the worker runs, or `close`. @internal */
export type WorkerMethod = string;

/** Main thread -> worker. @internal */
export type ToWorker =
  | { type: "load"; idOrPath: string; options: Record<string, unknown>; loader: string | undefined; entry?: string | undefined }
  | { type: "call"; id: number; method: WorkerMethod; args: unknown[]; progress: boolean }
  | { type: "cancel"; id: number };

/** Worker -> main thread. @internal */
export type FromWorker =
  | { type: "loaded"; info: WorkerModelInfo }
  | { type: "load-failed"; error: SerializedError }
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "progress"; id: number; done: number; total: number };

/** An error flattened for `postMessage`, keeping what is needed to rebuild its class. @internal */
export interface SerializedError {
  name: string;
  message: string;
  field?: string | undefined;
  maxLength?: number;
  inputTokens?: number;
  path?: string;
  index?: number;
  timeoutMs?: number;
}

/** Flattens an error for the trip across threads. @internal */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const e = error as Error & Partial<Omit<SerializedError, "name" | "message">>;
  return {
    name: e.name,
    message: e.message,
    field: e.field,
    ...(e.maxLength !== undefined && { maxLength: e.maxLength }),
    ...(e.inputTokens !== undefined && { inputTokens: e.inputTokens }),
    ...(e.path !== undefined && { path: e.path }),
    ...(e.index !== undefined && { index: e.index }),
    ...(e.timeoutMs !== undefined && { timeoutMs: e.timeoutMs }),
  };
}

/** Rebuilds the rerank-kit error class thrown in the worker, so `instanceof` works on this side. @internal */
export function deserializeError(e: SerializedError): Error {
  const field = e.field === undefined ? {} : { field: e.field };
  switch (e.name) {
    case "ContextLengthError":
      return new ContextLengthError(e.maxLength ?? 0, e.inputTokens ?? 0, field);
    case "InvalidInputError":
      return new InvalidInputError(e.message, field);
    case "ModelLoadError":
      return new ModelLoadError(e.message, { path: e.path ?? "" });
    case "InvalidScoreError":
      return new InvalidScoreError(e.message, { index: e.index ?? 0 });
    case "AbortError":
      return new AbortError(e.message);
    case "TimeoutError":
      return new TimeoutError(e.message, { timeoutMs: e.timeoutMs ?? 0 });
    default:
      return new RerankKitError(`${e.name}: ${e.message}`);
  }
}

/** The ArrayBuffers of Float32Arrays in a result that can be moved instead of copied. @internal */
export function transferables(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 3 || v === null || typeof v !== "object") return;
    if (v instanceof Float32Array) {
      if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
      return;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) visit(child, depth + 1);
  };
  visit(value, 0);
  return [...out];
}
