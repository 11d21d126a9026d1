/**
 * RSS sampling and the flat-memory verdict shared by the library and `serve` memory sections
 * (#23 item 3): RSS levels off when the final sample is within 15 % of the level after the first
 * minute (the max over that minute), and the peak stays under a bound stated per model.
 */
import { readFileSync } from "node:fs";
import { recordLimit, recordTarget } from "./targets.js";

/** One RSS sample: minutes since the start, MB. */
export interface RssSample {
  t: number;
  mb: number;
}

/** The RSS of another process in MB, from /proc (Linux); undefined once it is gone. */
export function processRssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples `read()` every second until stopped. */
export function sampleRss(read: () => number | undefined): { samples: RssSample[]; stop(): void } {
  const samples: RssSample[] = [];
  const t0 = performance.now();
  const take = (): void => {
    const mb = read();
    if (mb !== undefined) samples.push({ t: (performance.now() - t0) / 60_000, mb });
  };
  take();
  const timer = setInterval(take, 1000);
  return { samples, stop: () => clearInterval(timer) };
}

/** Level after the first minute (or the first fifth of a shorter run), final and peak RSS. */
export interface RssSummary {
  /** Minutes the level is taken over. */
  warmup: number;
  level: number;
  final: number;
  peak: number;
  /** RSS at the end of every minute. */
  perMinute: number[];
}

/** Summarises a run of `minutes`. */
export function summariseRss(samples: readonly RssSample[], minutes: number): RssSummary {
  const warmup = Math.min(1, minutes / 5);
  const first = samples.filter((s) => s.t <= warmup).map((s) => s.mb);
  const level = Math.max(...(first.length > 0 ? first : [samples[0]?.mb ?? 0]));
  const final = samples.at(-1)?.mb ?? level;
  const peak = Math.max(...samples.map((s) => s.mb));
  const perMinute: number[] = [];
  for (let m = 1; m <= Math.ceil(minutes); m++) {
    const at = samples.filter((s) => s.t <= m).at(-1);
    if (at) perMinute.push(Math.round(at.mb));
  }
  return { warmup, level, final, peak, perMinute };
}

/** Prints the RSS line and records the two targets (levels off; peak under `boundMb`). */
export function recordRss(label: string, summary: RssSummary, boundMb: number): void {
  const { warmup, level, final, peak, perMinute } = summary;
  console.log(
    `  RSS level after ${warmup} min ${level.toFixed(0)} MB, final ${final.toFixed(0)} MB, peak ${peak.toFixed(0)} MB; ` +
      `per minute: ${perMinute.join(", ")} MB`,
  );
  recordTarget(`RSS levels off (${label}): level / final`, level / final, 0.87, `(final ${final.toFixed(0)} MB vs level ${level.toFixed(0)} MB; ok = final within 15 %)`);
  recordLimit(`peak RSS over the mixed workload (${label})`, Math.round(peak), boundMb, "MB");
}
