import { spawn } from "node:child_process";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatEta, progressBar } from "../../src/cli/progress.js";

/** A terminal-like stream that records what the bar writes, so test output stays clean. */
function fakeTerminal(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(stream, { isTTY, columns: 80, rows: 24, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, text: () => chunks.join("") });
  return stream;
}

describe("progress bar", () => {
  it("stays silent when the stream is not a terminal", () => {
    const out = fakeTerminal(false);
    const bar = progressBar(10_000, "rerank", out);
    expect(bar.onProgress).toBeUndefined();
    bar.stop();
    expect(out.text()).toBe("");
  });

  it("stays silent for short inputs even on a terminal", () => {
    const bar = progressBar(10, "rerank", fakeTerminal(true));
    expect(bar.onProgress).toBeUndefined();
  });

  it("draws on its own stream, never on the real stderr, and restores the cursor on stop", () => {
    const out = fakeTerminal(true);
    const real = process.stderr.write;
    let leaked = "";
    process.stderr.write = ((s: string) => ((leaked += s), true)) as typeof process.stderr.write;
    try {
      const bar = progressBar(1000, "rerank", out);
      bar.onProgress?.({ done: 500, total: 1000 });
      bar.stop();
    } finally {
      process.stderr.write = real;
    }
    expect(leaked).toBe("");
    expect(out.text()).toContain("500/1000");
    expect(out.text().endsWith("\u001b[?25h\u001b[?7h")).toBe(true);
  });

  it("shows no ETA until a second of work was measured, then a sane one", () => {
    expect(formatEta(0, 1000, 0)).toBe("ETA --");
    expect(formatEta(5, 1000, 200)).toBe("ETA --");
    expect(formatEta(100, 1000, 2000)).toBe("ETA 18s");
    expect(formatEta(100, 10_000, 6000)).toBe("ETA 9m54s");
    expect(formatEta(1, 10_000, 1000)).toBe("ETA 2h46m");
    expect(formatEta(10, 10, 5000)).toBe("ETA 0s");
    expect(formatEta(5, undefined, 5000)).toBe("ETA --");
  });

  it("restores the cursor and line wrap when SIGINT arrives while the bar draws (in a pty)", async () => {
    const script = fileURLToPath(new URL("./draw-bar.ts", import.meta.url));
    // util-linux `script` gives the child a real pseudo-terminal.
    const child = spawn("script", ["-qfec", `${process.execPath} --import tsx ${script}`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const pid = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /PID (\d+) (\w+)/.exec(out);
        if (m) {
          clearInterval(timer);
          if (m[2] !== "drawing") reject(new Error("no terminal in the pty"));
          else resolve(Number(m[1]));
        }
      }, 20);
      child.once("exit", () => reject(new Error(`exited early: ${out}`)));
    });
    await new Promise((r) => setTimeout(r, 150));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(pid, "SIGINT");
    await exited;
    const hidden = out.lastIndexOf("\u001b[?25l");
    expect(hidden).toBeGreaterThanOrEqual(0);
    expect(out.lastIndexOf("\u001b[?25h")).toBeGreaterThan(hidden);
    expect(out.lastIndexOf("\u001b[?7h")).toBeGreaterThan(hidden);
  }, 30_000);
});
