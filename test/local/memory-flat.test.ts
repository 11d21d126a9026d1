/**
 * Flat memory, the bounded version of the bench's `memory` section (#23 item 3): varied requests
 * (1-32 documents of 5-500 words) through one in-process scorer and through `createServer` on
 * 127.0.0.1, on the small demo cross-encoder, each in a child process of its own (see
 * children/memory-loop.ts). RSS after a warm-up that reaches the largest shape must hold to the
 * end: ONNX Runtime's arena keeps its high-water mark, which is a plateau, while a leak (a buffer
 * kept per request, a session opened per call) climbs with every request.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { modelDir } from "./helpers.js";

const CHILD = fileURLToPath(new URL("./children/memory-loop.ts", import.meta.url));
/** Growth past the warm-up level that fails the test, MB (a flat run stays within a few MB). */
const TOLERANCE_MB = 20;
const WARMUP_REQUESTS = 12;
/** A leak of 1 MiB per request grows RSS by ~30 MB between the first and last samples. */
const MEASURED_REQUESTS = 40;

interface LoopResult {
  level: number;
  end: number;
  series: number[];
}

async function loop(dir: string, path: "library" | "server"): Promise<LoopResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--import", "tsx", CHILD, dir, path, String(WARMUP_REQUESTS), String(MEASURED_REQUESTS)], { maxBuffer: 1 << 22 });
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as LoopResult;
}

describe("memory stays flat under varied requests", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await modelDir("demo-cross-encoder");
  });

  it("through the library and through createServer: RSS after warm-up holds to the end", { timeout: 60_000 }, async () => {
    // Side by side: each child's RSS is its own, and the test takes half the time.
    const [library, server] = await Promise.all([loop(dir, "library"), loop(dir, "server")]);
    for (const [name, r] of [["library", library], ["server", server]] as const) {
      console.log(`${name}: level ${r.level.toFixed(1)} MB, end ${r.end.toFixed(1)} MB; every 4 requests ${r.series.join(" ")}`);
      expect(r.end - r.level, `${name}: RSS grew past its warm-up level`).toBeLessThan(TOLERANCE_MB);
    }
  });
});
