import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** "rerank-kit" and its subpaths resolve to the source, as tsconfig.json's paths say for tsc and tsx. */
const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const entryPoints: Record<string, string> = {
  "rerank-kit": "./src/index.ts",
  "rerank-kit/remote": "./src/remote/index.ts",
  "rerank-kit/server": "./src/server/index.ts",
  "rerank-kit/langchain": "./adapters/langchain/index.ts",
  "rerank-kit/ai-sdk": "./adapters/ai-sdk/index.ts",
  "rerank-kit/ai-sdk/v4": "./adapters/ai-sdk/v4/index.ts",
  "rerank-kit/llamaindex": "./adapters/llamaindex/index.ts",
  "rerank-kit/mastra": "./adapters/mastra/index.ts",
};

export default defineConfig({
  resolve: {
    alias: Object.entries(entryPoints).map(([name, path]) => ({ find: new RegExp(`^${name}$`), replacement: source(path) })),
  },
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
