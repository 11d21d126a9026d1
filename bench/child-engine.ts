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
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
export function startEngine(command: string, args: string[], spec: object, cwd?: string): Promise<EngineChild> {
  const dir = mkdtempSync(join(tmpdir(), "rk-engine-"));
  const file = join(dir, "workload.json");
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn(command, [...args, file], { stdio: ["pipe", "pipe", "pipe"], cwd });
  let buffer = "";
  let err = "";
  const waiting: ((line: string) => void)[] = [];
  let failed: ((e: Error) => void) | undefined;
  child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  child.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith("{")) waiting.shift()?.(line);
    }
  });
  child.on("close", (code) => {
    rmSync(dir, { recursive: true, force: true });
    failed?.(new Error(`${args.at(-1) ?? command} exited with ${code}: ${err.trim().split("\n").pop() ?? ""}`));
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      failed = reject;
      waiting.push((line) => resolve(JSON.parse(line) as Record<string, unknown>));
    });
  return next().catch((error: unknown) => {
    child.kill();
    throw error;
  }).then((ready) => ({
    ready,
    call: (warm = false) => {
      child.stdin.write(warm ? "warm\n" : "run\n");
      return next() as Promise<{ ms: number; output: unknown }>;
    },
    close: async () => {
      child.stdin.write("quit\n");
      const last = await next();
      failed = undefined;
      child.stdin.end();
      return Number(last["peakMb"]);
    },
    kill: () => {
      failed = undefined;
      child.kill();
    },
  }));
}
