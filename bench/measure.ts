/** Timing helpers for the benchmarks: warm-up, median of runs, peak RSS. */

/** Median wall time in ms of `runs` calls after `warmup` calls. */
export async function medianMs(fn: () => Promise<unknown>, runs = 3, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Formats a ratio with a target, e.g. `1.82x (target >= 1.7x) ok`. */
export function ratio(value: number, target: number, higherIsBetter = true): string {
  const ok = higherIsBetter ? value >= target : value <= target;
  // Four decimals when two would print the target itself for a miss (1.0997 is not 1.10).
  const shown = !ok && value.toFixed(2) === target.toFixed(2) ? value.toFixed(4) : value.toFixed(2);
  return `${shown}x (target ${higherIsBetter ? ">=" : "<="} ${target}x) ${ok ? "ok" : "MISSED"}`;
}

/**
 * `RERANK_KIT_BENCH_QUICK=1` shrinks the workloads of the sections that support it (a smoke check
 * that a section runs, e.g. on a busy machine; its ratios mean nothing).
 */
export const QUICK = process.env["RERANK_KIT_BENCH_QUICK"] === "1";

/** `n`, or a sixteenth of it (at least 16) in quick mode. */
export function sized(n: number): number {
  return QUICK ? Math.max(16, Math.round(n / 16)) : n;
}
