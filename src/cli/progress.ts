import { SingleBar, Presets } from "cli-progress";
import type { Progress } from "../types.js";

/** Inputs below this size finish too fast for a bar to help. */
const MIN_ITEMS = 64;

/**
 * A progress bar on stderr for long inputs, only when stderr is a terminal (so pipes and logs
 * stay clean). Returns the `onProgress` callback and a `stop` function; both are no-ops otherwise.
 */
export function progressBar(total: number, label: string): { onProgress?: (p: Progress) => void; stop: () => void } {
  if (!process.stderr.isTTY || total < MIN_ITEMS) return { stop: () => undefined };
  const bar = new SingleBar(
    { stream: process.stderr, format: `${label} [{bar}] {value}/{total} {eta_formatted}`, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    onProgress: (p) => bar.update(Math.min(p.done, total)),
    stop: () => bar.stop(),
  };
}
