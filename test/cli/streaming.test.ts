/**
 * The CLI streams (issue 12 item 1): output for the first batch arrives while the input is still
 * open, so memory is bounded by the batch, not the file; and the stdin hint (item 14).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { modelDir } from "../local/helpers.js";
import { spawnCli } from "./run-cli.js";

describe("streaming CLI", () => {
  it("writes the first batch's lines before stdin is closed", async () => {
    const child = spawnCli(["embed", "-m", await modelDir("bi-encoder-mean"), "--threads", "1", "--batch-size", "2"]);
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stdin!.write("first line\nsecond line\nthird");
    const lines = await new Promise<string[]>((resolve, reject) => {
      const timer = setInterval(() => {
        const done = out.split("\n").filter(Boolean);
        if (done.length >= 2) {
          clearInterval(timer);
          resolve(done);
        }
      }, 20);
      child.once("exit", (code) => reject(new Error(`exited ${code} before streaming: ${out}`)));
    });
    // stdin is still open here: the third line is not even complete.
    expect(lines.map((l) => (JSON.parse(l) as { index: number }).index)).toEqual([0, 1]);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.stdin!.end(" line\n");
    expect(await exited).toBe(0);
    expect(out.trim().split("\n")).toHaveLength(3);
  }, 60_000);

  it("says it is reading from the terminal when stdin is a TTY and no --input is given (in a pty)", async () => {
    const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
    const cmd = `${process.execPath} --import tsx ${main} embed -m ${await modelDir("bi-encoder-mean")} --threads 1`;
    const child = spawn("script", ["-qfec", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (out.includes("reading texts from the terminal")) {
            clearInterval(timer);
            resolve();
          }
        }, 20);
        child.once("exit", () => reject(new Error(`exited without the hint: ${out}`)));
      });
      expect(out).toContain("end with Ctrl-D (or pass --input FILE)");
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);
});
