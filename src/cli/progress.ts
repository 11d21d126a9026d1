import { SingleBar, Presets } from "cli-progress";
import type { Progress } from "../types.js";

/** Inputs below this size finish too fast for a bar to help. */
const MIN_ITEMS = 64;

/** Cursor shown, line wrap on: what a bar that hides the cursor must give back. */
const RESTORE_TERMINAL = "\u001b[?25h\u001b[?7h";

/**
 * A time-left estimate that does not lie: none until a second has passed and some work is done
 * (cli-progress's first estimate reads "60h60m"), then the linear extrapolation.
 */
export function formatEta(done: number, total: number | undefined, elapsedMs: number): string {
  if (total === undefined || total <= 0 || done <= 0 || elapsedMs < 1000) return "ETA --";
  if (done >= total) return "ETA 0s";
  const seconds = Math.round(((total - done) * elapsedMs) / done / 1000);
  if (seconds < 60) return `ETA ${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `ETA ${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `ETA ${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** The bar's handle: a progress callback (absent when no bar is drawn) and `stop`. */
export interface ProgressHandle {
  /** Moves the bar; `done` counts input lines. */
  onProgress?: (p: Progress) => void;
  /** Removes the bar and restores the terminal. Safe to call more than once. */
  stop: () => void;
}

/**
 * A progress bar on `stream` (stderr) for long inputs, only when it is a terminal, so pipes, logs
 * and test output stay free of escape codes. `total` may be unknown (stdin): then a line count is
 * shown. The bar hides the cursor; Ctrl-C (SIGINT) or SIGTERM while it draws restores the cursor
 * and line wrap before the process ends with the signal's usual exit status.
 */
export function progressBar(
  total: number | undefined,
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressHandle {
  if (!stream.isTTY || (total !== undefined && total < MIN_ITEMS)) return { stop: () => undefined };
  const format = total === undefined ? `${label} {value} lines` : `${label} [{bar}] {value}/{total} {eta_text}`;
  const bar = new SingleBar({ stream, format, hideCursor: true, linewrap: false, etaBuffer: 50 }, Presets.shades_classic);
  const started = Date.now();
  bar.start(total ?? 0, 0, { eta_text: "ETA --" });
  let stopped = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    stop();
    // Re-raise so the exit status says which signal ended the process (130 for SIGINT).
    process.kill(process.pid, signal);
  };
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("exit", restore);
    bar.stop();
    stream.write(RESTORE_TERMINAL);
  };
  const restore = (): void => {
    stream.write(RESTORE_TERMINAL);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", restore);
  return {
    onProgress: (p) => {
      if (stopped) return;
      const done = total === undefined ? p.done : Math.min(p.done, total);
      bar.update(done, { eta_text: formatEta(done, total, Date.now() - started) });
    },
    stop,
  };
}
