import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.int.test.ts", "node_modules/**"],
    globalSetup: ["test/setup/global-setup.ts"],
    reporters: ["default", "./test/setup/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Inference uses both cores; running many heavy files at once only adds noise.
    maxWorkers: 2,
    // Type tests (*.test-d.ts) run through tsc as part of every run, so a wrong expectTypeOf fails.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "tsconfig.json" },
  },
});
