import { afterEach, describe, expect, it } from "vitest";
import { progressBar } from "../../src/cli/progress.js";

const tty = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");

afterEach(() => {
  if (tty) Object.defineProperty(process.stderr, "isTTY", tty);
  else delete (process.stderr as { isTTY?: boolean }).isTTY;
});

describe("progress bar", () => {
  it("stays silent when stderr is not a terminal", () => {
    Object.defineProperty(process.stderr, "isTTY", { value: false, configurable: true });
    const bar = progressBar(10_000, "rerank");
    expect(bar.onProgress).toBeUndefined();
    bar.stop();
  });

  it("stays silent for short inputs even on a terminal", () => {
    Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
    const bar = progressBar(10, "rerank");
    expect(bar.onProgress).toBeUndefined();
    bar.stop();
  });

  it("draws on a terminal for long inputs", () => {
    Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
    const bar = progressBar(1000, "rerank");
    expect(typeof bar.onProgress).toBe("function");
    bar.onProgress?.({ done: 500, total: 1000 });
    bar.stop();
  });
});
