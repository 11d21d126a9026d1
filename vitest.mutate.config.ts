import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The suite as StrykerJS runs it (`npm run mutate`): per scope, the in-process test files that
 * exercise that folder. Tests that spawn a CLI or vitest subprocess, build dist/ or measure load
 * cannot see an in-process mutant, and type tests have no runtime, so they are never included.
 * The scores are therefore a lower bound for the whole suite.
 */
const TESTS: Record<string, string[]> = {
  scoring: ["test/scoring/**/*.test.ts"],
  // Model-backed parity files (cross-encoder.parity, truncation-options) also cover these two
  // folders but cost 15-30 s per mutant here; the unit files below cover every line on their own.
  batching: ["test/scoring/similarity.test.ts"],
  tokenization: ["test/local/tokenization.test.ts"],
  // behaviour.test.ts is left out: its bounded-queue timing does not hold under instrumentation.
  http: ["test/server/auth-routes.test.ts", "test/server/score.test.ts", "test/server/rerank.test.ts", "test/server/pooling.test.ts"],
  remote: ["test/remote/chunking.test.ts", "test/remote/retry.test.ts", "test/remote/faults.test.ts", "test/remote/vllm-scorer.test.ts"],
};
const scope = process.env["MUTATE_SCOPE"]?.replace(/^src\//, "").replace(/^(local|server)\//, "") ?? "scoring";

// Replaced, not merged: mergeConfig would append these globs to the full suite's.
export default defineConfig({
  ...base,
  test: { ...base.test, include: TESTS[scope] ?? [], typecheck: { enabled: false }, reporters: ["default"] },
});
