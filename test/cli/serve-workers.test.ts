// `rerank-kit serve` runs one single-thread worker per core by default (bench/parallel.ts and the
// server bench measured why), and `--workers` / `--threads` set the pool.
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { defaultServeWorkers } from "../../src/cli/commands/serve.js";
import { CrossEncoderScorer } from "../../src/index.js";
import { modelDir } from "../local/helpers.js";
import { spawnCli } from "./run-cli.js";

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

/** Starts serve and resolves its URL and the startup line. */
async function serve(args: string[]): Promise<{ url: string; line: string }> {
  const child = spawnCli(["serve", "--port", "0", ...args]);
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /^rerank-kit: serving .* on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(err);
      if (m) resolve({ url: m[1]!, line: m[0] });
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe("rerank-kit serve worker pool", () => {
  it("defaults to one worker per core, at most 4", () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultServeWorkers(cores))).toEqual([1, 2, 3, 4, 4, 4]);
  });

  it("starts the default pool and answers concurrent requests as the in-process scorer", async () => {
    const dir = await modelDir("cross-encoder");
    const [{ url, line }, pinned] = await Promise.all([serve(["-m", dir]), serve(["-m", dir, "--workers", "1", "--threads", "1"])]);
    const n = defaultServeWorkers();
    expect(line).toContain(`(cross-encoder, ${n} worker${n === 1 ? "" : "s"})`);
    expect(pinned.line).toContain("(cross-encoder, 1 worker x 1 threads)");
    const local = await CrossEncoderScorer.fromPretrained(dir);
    try {
      const docs = ["paris is the capital of france", "berlin is in germany", "the weather is nice", "france"];
      const answers = await Promise.all(
        docs.map(async (d) => {
          const res = await fetch(`${url}/score`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ queries: "capital of france", documents: d }) });
          expect(res.status).toBe(200);
          return ((await res.json()) as { data: Array<{ score: number }> }).data[0]!.score;
        }),
      );
      const expected = await local.score("capital of france", docs);
      answers.forEach((a, i) => expect(a).toBeCloseTo(expected[i] as number, 6));
    } finally {
      await local.close();
    }
  });
});
