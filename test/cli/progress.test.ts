import { spawn } from "node:child_process";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { formatEta, progressBar } from "../../src/cli/progress.js";

/** Cursor shown and line wrap on, written by hand here (not imported) so a wrong constant fails. */
const RESTORE = "\u001b[?25h\u001b[?7h";

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

  it("rolls over to minutes at 60 s and to hours at 60 min, with two-digit seconds and minutes", () => {
    // (total - done) * elapsed / done: 1000 lines left at 100 lines per 6 s is exactly 60 s.
    expect(formatEta(100, 1100, 6000)).toBe("ETA 1m00s");
    expect(formatEta(1, 546, 1000)).toBe("ETA 9m05s");
    expect(formatEta(1, 3601, 1000)).toBe("ETA 1h00m");
    expect(formatEta(1, 3901, 1000)).toBe("ETA 1h05m");
  });

  it("shows no ETA for an empty total or before the first line is done, however long it has run, and 0s past the total", () => {
    expect(formatEta(5, 0, 5000)).toBe("ETA --");
    expect(formatEta(0, 1000, 5000)).toBe("ETA --");
    // More lines done than counted (the file grew after counting) is finished, not a negative time.
    expect(formatEta(20, 10, 5000)).toBe("ETA 0s");
  });

  it("draws from 64 lines on, the size where a bar starts to help", () => {
    const out = fakeTerminal(true);
    const bar = progressBar(64, "rerank", out);
    expect(bar.onProgress).toBeTypeOf("function");
    bar.stop();
    expect(out.text()).toContain("0/64");
  });

  it("hides the cursor and turns line wrap off while it draws, and shows no ETA before any work", () => {
    const out = fakeTerminal(true);
    const bar = progressBar(1000, "rerank", out);
    const drawn = out.text();
    bar.stop();
    expect(drawn).toContain("\u001b[?25l");
    expect(drawn).toContain("\u001b[?7l");
    expect(drawn).toMatch(/^.*rerank \[.*\] 0\/1000 ETA --/s);
  });

  it("counts lines when the total is unknown (standard input)", () => {
    const out = fakeTerminal(true);
    const bar = progressBar(undefined, "embed", out);
    bar.onProgress?.({ done: 7, total: 0 });
    bar.stop();
    expect(out.text()).toContain("embed 7 lines");
  });

  it("shows the time left from the rate measured since the bar started", () => {
    const now = vi.spyOn(Date, "now").mockReturnValue(1_000_000);
    try {
      const out = fakeTerminal(true);
      const bar = progressBar(1000, "rerank", out);
      now.mockReturnValue(1_002_000);
      // Half done in 2 s: 2 s left.
      bar.onProgress?.({ done: 500, total: 0 });
      bar.stop();
      expect(out.text()).toContain("500/1000 ETA 2s");
    } finally {
      now.mockRestore();
    }
  });

  it("stop restores the terminal once, however often it is called, and removes its signal and exit handlers", () => {
    const events = ["SIGINT", "SIGTERM", "exit"] as const;
    const before = events.map((e) => process.listenerCount(e));
    const out = fakeTerminal(true);
    const bar = progressBar(1000, "rerank", out);
    expect(events.map((e) => process.listenerCount(e))).toEqual(before.map((n) => n + 1));
    bar.stop();
    const once = out.text();
    expect(once.endsWith(RESTORE)).toBe(true);
    bar.stop();
    bar.onProgress?.({ done: 900, total: 0 });
    expect(out.text()).toBe(once);
    expect(events.map((e) => process.listenerCount(e))).toEqual(before);
  });

  it("gives the cursor back if the process exits while the bar draws", () => {
    const before = process.listeners("exit");
    const out = fakeTerminal(true);
    const bar = progressBar(1000, "rerank", out);
    const restore = process.listeners("exit").find((l) => !before.includes(l)) as (() => void) | undefined;
    expect(restore).toBeTypeOf("function");
    const drawn = out.text().length;
    restore?.();
    expect(out.text().slice(drawn)).toBe(RESTORE);
    bar.stop();
  });

  it("on SIGINT stops the bar, restores the terminal and raises the signal again for its exit status", () => {
    const kill = vi.spyOn(process, "kill").mockImplementation(() => true);
    try {
      const before = process.listeners("SIGINT");
      const out = fakeTerminal(true);
      progressBar(1000, "rerank", out);
      // Called directly: emitting SIGINT would also run the test runner's own handlers.
      const onSignal = process.listeners("SIGINT").find((l) => !before.includes(l)) as ((s: NodeJS.Signals) => void) | undefined;
      expect(onSignal).toBeTypeOf("function");
      onSignal?.("SIGINT");
      expect(kill).toHaveBeenCalledWith(process.pid, "SIGINT");
      expect(out.text().endsWith(RESTORE)).toBe(true);
      expect(process.listeners("SIGINT")).toEqual(before);
    } finally {
      kill.mockRestore();
    }
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
