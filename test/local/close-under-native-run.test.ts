/**
 * A worker thread is never terminated under a native ONNX Runtime call. onnxruntime-node calls
 * back into the thread when a run ends; if the thread was terminated meanwhile, that callback
 * aborts the whole process (`terminate called after throwing an instance of 'Napi::Error'`). It
 * took `serve` down on SIGTERM with a request in flight, and on any timed-out request whose
 * worker was recycled. The child does it with no grace at all, several times; before the fence
 * it aborted in 3 of 3 runs in each mode.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { NativeCallFence, trackNativeCall } from "../../src/local/runtime/native-runs.js";
import { modelDir } from "./helpers.js";

const run = promisify(execFile);
const child = fileURLToPath(new URL("./children/close-under-run.ts", import.meta.url));

async function survive(mode: "close" | "cancel", rounds: number): Promise<string> {
  const dir = await modelDir("cross-encoder");
  const { stdout } = await run(process.execPath, ["--import", "tsx", child, dir, mode, String(rounds)], { timeout: 150_000 });
  return stdout.trim();
}

describe("stopping a worker inside a native run", () => {
  it("close() with no grace waits for the run instead of aborting the process", async () => {
    expect(await survive("close", 4)).toBe("survived 4");
  }, 160_000);

  it("a cancelled call's recycle waits for the run, and the replacement answers", async () => {
    expect(await survive("cancel", 8)).toBe("survived 8");
  }, 160_000);
});

describe("NativeCallFence", () => {
  it("drain waits for a call in flight, then refuses new ones", async () => {
    // In this thread the counter is private, so drive one through a fence's own buffer.
    const fence = new NativeCallFence();
    const { adoptNativeCallCounter } = await import("../../src/local/runtime/native-runs.js");
    adoptNativeCallCounter(fence.buffer);
    let finish!: () => void;
    const call = trackNativeCall(() => new Promise<void>((r) => (finish = r)));
    expect(fence.inFlight).toBe(1);
    let drained = false;
    const draining = fence.drain({ stuckMs: 60_000, maxMs: 60_000 }).then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 120));
    expect(drained).toBe(false);
    finish();
    await call;
    await draining;
    expect(fence.inFlight).toBe(0);
    await expect(trackNativeCall(async () => 1)).rejects.toThrow(/stopping/);
    expect(fence.inFlight).toBe(0);
  });

  it("drain gives up on a thread whose heartbeat stalls (stuck in synchronous work)", async () => {
    const fence = new NativeCallFence();
    const cells = new Int32Array(fence.buffer);
    Atomics.store(cells, 0, 1); // a call in flight in a thread that never beats
    const t0 = performance.now();
    await fence.drain({ stuckMs: 200, maxMs: 60_000 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
