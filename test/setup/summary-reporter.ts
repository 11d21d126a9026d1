/**
 * Prints one plain closing line, `N passed, N failed` (and errors and skipped, if any), after
 * vitest's own summary, so CI logs state the count in a runner-independent form.
 *
 * A suite whose hook throws (`beforeAll`, `afterAll`) or a file that fails to import reports its
 * tests as skipped or has none at all; those count as failures here, and so do unhandled errors,
 * so the line never reads "0 failed" on a run vitest itself fails.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from "vitest/node";

/** Counts of one run, as the closing line states them. */
export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** Failed suites, modules and unhandled errors that are not a single failed test. */
  errors: number;
}

/** Tallies the outcome of a run, counting failed suites and errored files as failures. */
export function summarize(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError> = [],
  reason?: TestRunEndReason,
): RunSummary {
  const summary: RunSummary = { passed: 0, failed: 0, skipped: 0, errors: unhandledErrors.length };
  for (const module of testModules) {
    // A test left "skipped" inside a failed suite (e.g. its beforeAll threw) never ran: a failure.
    const brokenSuites = [...module.children.allSuites()].filter((s) => s.state() === "failed" && s.errors().length > 0);
    const moduleBroken = module.state() === "failed" && module.errors().length > 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === "passed") summary.passed++;
      else if (state === "failed") summary.failed++;
      else if (moduleBroken || brokenSuites.some((s) => isWithin(test.parent, s))) summary.failed++;
      else summary.skipped++;
    }
    summary.errors += brokenSuites.length + (moduleBroken ? 1 : 0);
    // A module that failed with no failed test and no recorded error still failed.
    if (module.state() === "failed" && !moduleBroken && brokenSuites.length === 0 && ![...module.children.allTests("failed")].length) {
      summary.errors++;
    }
  }
  if (reason === "failed" && summary.failed === 0 && summary.errors === 0) summary.errors = 1;
  return summary;
}

function isWithin(node: { type: string; parent?: unknown }, suite: unknown): boolean {
  let current: unknown = node;
  while (current && typeof current === "object") {
    if (current === suite) return true;
    const c = current as { type: string; parent?: unknown };
    if (c.type === "module") return false;
    current = c.parent;
  }
  return false;
}

/** The closing line: errors count toward `failed`, so a failed run never shows `0 failed`. */
export function formatSummary(s: RunSummary): string {
  const failed = s.failed + s.errors;
  const parts = [`${s.passed} passed`, `${failed} failed`];
  if (s.errors) parts.push(`(${s.errors} ${s.errors === 1 ? "suite or file error" : "suite or file errors"})`);
  if (s.skipped) parts.push(`${s.skipped} skipped`);
  return parts.join(", ").replace(", (", " (");
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    process.stdout.write(`\n${formatSummary(summarize(testModules, unhandledErrors, reason))}\n`);
  }
}
