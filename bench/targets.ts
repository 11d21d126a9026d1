/** Issue #13's targets as measured in this bench run, printed together at the end. */
import { ratio } from "./measure.js";

const rows: string[] = [];

/** Records one target: `value` is the measured ratio, `target` its threshold. */
export function recordTarget(name: string, value: number, target: number, note = ""): void {
  rows.push(`  ${name.padEnd(58)} ${ratio(value, target)}${note ? `  ${note}` : ""}`);
}

/** Records an upper limit (e.g. a latency): `value` must stay at or below `limit`. */
export function recordLimit(name: string, value: number, limit: number, unit: string, note = ""): void {
  const verdict = value <= limit ? "ok" : "MISSED";
  rows.push(`  ${name.padEnd(58)} ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit} (target <= ${limit} ${unit}) ${verdict}${note ? `  ${note}` : ""}`);
}

/** Records a target that could not be measured in this run, and why. */
export function skipTarget(name: string, reason: string): void {
  rows.push(`  ${name.padEnd(58)} skipped (${reason})`);
}

/** Prints every recorded target (nothing when none was recorded). */
export function printTargets(): void {
  if (rows.length === 0) return;
  console.log(`\n## #13 targets (this run)`);
  for (const r of rows) console.log(r);
}
