/** Runs `rerank-kit serve` on a tiny fixture model, lets a test stall it, then sends SIGTERM and times the exit. */
import type { Socket } from "node:net";
import { spawnCli } from "../cli/run-cli.js";
import { modelDir } from "../local/helpers.js";

export async function runCliUntil(
  extra: string[],
  stall: (url: string) => Promise<Socket[]>,
  model?: string,
): Promise<{ exitCode: number | null; tookMs: number; stderr: string }> {
  const child = spawnCli(["serve", "-m", model ?? (await modelDir("cross-encoder")), "--port", "0", "--threads", "1", ...extra]);
  let stderr = "";
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const sockets = await stall(url);
    await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const t0 = performance.now();
    child.kill("SIGTERM");
    const exitCode = await exited;
    sockets.forEach((s) => s.destroy());
    return { exitCode, tookMs: performance.now() - t0, stderr };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}
