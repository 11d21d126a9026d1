/**
 * A child process driven one JSON line at a time, the shape every bench helper process shares
 * (scripts/reference/st_bench.py, clip_bench.py, the engine children): the child gets a workload
 * JSON file as its last argument, prints a ready line once loaded, then answers each stdin line
 * with one JSON line on stdout.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running line-protocol child. */
export interface LineChild {
  /** The next JSON line the child prints; rejects when the child exits first. */
  next(): Promise<Record<string, unknown>>;
  /** Writes one command line to the child's stdin. */
  send(line: string): void;
  /** Ends stdin (after an optional last line) without waiting; a later exit is not an error. */
  end(line?: string): void;
  /** Kills the child; a later exit is not an error. */
  kill(): void;
}

/**
 * Starts `command ...args workload.json` (the workload written to a temp file removed on exit).
 * `isReply` picks which stdout lines are replies (others, such as library log lines, are skipped).
 */
export function startLineChild(
  command: string,
  args: string[],
  spec: object,
  { cwd, label, isReply = () => true }: { cwd?: string; label: string; isReply?: (line: string) => boolean },
): LineChild {
  const dir = mkdtempSync(join(tmpdir(), "rk-bench-"));
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
      if (isReply(line)) waiting.shift()?.(line);
    }
  });
  child.on("close", (code) => {
    rmSync(dir, { recursive: true, force: true });
    failed?.(new Error(`${label} exited with ${code}: ${err.trim().split("\n").pop() ?? ""}`));
  });
  return {
    next: () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        failed = reject;
        waiting.push((line) => resolve(JSON.parse(line) as Record<string, unknown>));
      }),
    send: (line) => void child.stdin.write(`${line}\n`),
    end: (line) => {
      failed = undefined;
      child.stdin.end(line === undefined ? undefined : `${line}\n`);
    },
    kill: () => {
      failed = undefined;
      child.kill();
    },
  };
}
