/**
 * Both ends of the worker proxy, read from the capability table: what the worker reports about
 * its model, and the members the main-thread proxy installs for exactly those capabilities.
 * @internal
 * @module
 */
import { CAPABILITIES, capabilitiesOf, type CallShape, type Capability, type CapabilitySpec } from "../../contracts/capabilities.js";
import type { Progress } from "../../contracts/vocabulary.js";
import type { WorkerModelInfo } from "./protocol.js";

function spec(capability: Capability): CapabilitySpec<Record<string, unknown>> {
  return CAPABILITIES[capability] as CapabilitySpec<Record<string, unknown>>;
}

/** Method name -> where its call options sit, over the whole table. */
const CALL_SHAPES = new Map<string, CallShape>(
  (Object.keys(CAPABILITIES) as Capability[]).flatMap((c) => Object.entries(spec(c).methods) as [string, CallShape][]),
);

/** Where `method`'s call options sit, or undefined when the table has no such method. @internal */
export function callShapeOf(method: string): CallShape | undefined {
  return CALL_SHAPES.get(method);
}

/**
 * What the worker tells the main thread about its model: its capabilities and their data
 * members, copied so they survive structured cloning. @internal
 */
export function reportCapabilities(target: object): WorkerModelInfo {
  const capabilities = capabilitiesOf(target);
  const data: Record<string, unknown> = {};
  for (const c of capabilities) {
    for (const key of Object.keys(spec(c).data ?? {})) {
      const value = (target as Record<string, unknown>)[key];
      data[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
    }
  }
  return { capabilities, data };
}

/** Runs one method in a worker: name, arguments (call options cloneable), signal and progress callback. @internal */
export type Forward = (method: string, args: unknown[], signal: AbortSignal | undefined, onProgress: ((p: Progress) => void) | undefined) => Promise<unknown>;

/** Call options without the parts that cannot cross a thread (relayed separately). @internal */
export function cloneable(options: unknown): Record<string, unknown> {
  const { signal: _signal, onProgress: _progress, ...rest } = (options ?? {}) as Record<string, unknown>;
  return rest;
}

/**
 * Gives `proxy` the data members and forwarding methods of every capability in `info`, so it has
 * exactly the capabilities of the worker's model. Methods the proxy's class already implements
 * (the scorer's: `scoreWithUsage`, and `rerank` built on it) are left to the class. @internal
 */
export function installCapabilities(proxy: object, info: WorkerModelInfo, forward: Forward): void {
  for (const c of info.capabilities) {
    const row = spec(c);
    for (const key of Object.keys(row.data ?? {})) {
      Object.defineProperty(proxy, key, { value: info.data[key], enumerable: true, configurable: true, writable: false });
    }
    for (const [method, shape] of Object.entries(row.methods) as [string, CallShape][]) {
      if (typeof (proxy as Record<string, unknown>)[method] === "function") continue;
      Object.defineProperty(proxy, method, { value: forwarder(method, shape, forward), enumerable: false, writable: false });
    }
  }
}

function forwarder(method: string, shape: CallShape, forward: Forward): (...args: unknown[]) => Promise<unknown> {
  if (shape === "plain") return (...args) => forward(method, args, undefined, undefined);
  return (...args) => {
    const options = args[shape] as { signal?: AbortSignal; onProgress?: (p: Progress) => void } | undefined;
    const sent = Array.from({ length: Math.max(args.length, shape + 1) }, (_, i) => (i === shape ? cloneable(options) : args[i]));
    return forward(method, sent, options?.signal, options?.onProgress);
  };
}
