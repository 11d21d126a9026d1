/**
 * An embedding engine in its own process, driven line by line: the parent alternates timed calls
 * between engines, and each engine's peak RSS is that of a process that did only its own work.
 * Other engines (fastembed with its own onnxruntime-node, node-llama-cpp) cannot share a process
 * with rerank-kit's onnxruntime-node; rerank-kit runs the same way so the RSS figures compare.
 *
 * Protocol: the child gets a workload JSON file as its last argument, prints `{"ready": true, ...}`
 * once loaded, then answers each stdin line `run` (`warm`: the first 16 texts only) with `{"ms": ..., "output": ...}` (one timed
 * call) and `quit` with `{"peakMb": ...}` before exiting.
 */
import { startLineChild } from "./line-child.js";

/** A running engine child. */
export interface EngineChild {
  /** What the child printed when ready (versions, settings). */
  ready: Record<string, unknown>;
  /** One timed call (`warm`: on the first 16 texts, before timing). */
  call(warm?: boolean): Promise<{ ms: number; output: unknown }>;
  /** Ends the child; resolves to its peak RSS in MB. */
  close(): Promise<number>;
  /** Kills the child (after an error elsewhere, so the bench can exit). */
  kill(): void;
}

/** Starts `command args... workload.json` and waits for its ready line. */
export async function startEngine(command: string, args: string[], spec: object, cwd?: string): Promise<EngineChild> {
  // Engines' libraries may print log lines of their own on stdout: only JSON lines are replies.
  const child = startLineChild(command, args, spec, { ...(cwd && { cwd }), label: args.at(-1) ?? command, isReply: (line) => line.startsWith("{") });
  const ready = await child.next().catch((error: unknown) => {
    child.kill();
    throw error;
  });
  return {
    ready,
    call: (warm = false) => {
      child.send(warm ? "warm" : "run");
      return child.next() as Promise<{ ms: number; output: unknown }>;
    },
    close: async () => {
      child.send("quit");
      const last = await child.next();
      child.end();
      return Number(last["peakMb"]);
    },
    kill: () => child.kill(),
  };
}
