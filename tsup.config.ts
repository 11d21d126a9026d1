import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    remote: "src/remote/index.ts",
    server: "src/server/index.ts",
    langchain: "adapters/langchain/index.ts",
    "ai-sdk": "adapters/ai-sdk/index.ts",
    "ai-sdk-v4": "adapters/ai-sdk/v4/index.ts",
    llamaindex: "adapters/llamaindex/index.ts",
    mastra: "adapters/mastra/index.ts",
    cli: "src/cli/main.ts",
    // Loaded by path from worker_threads (src/local/worker-pool), so it must be its own file.
    worker: "src/local/worker-pool/worker.ts",
  },
  format: ["esm", "cjs"],
  target: "es2022",
  platform: "node",
  dts: true,
  sourcemap: true,
  clean: true,
  // The worker pool finds its worker file from import.meta.url; shims give CJS an equivalent.
  shims: true,
  // Shared chunks keep one copy of each class across entry points, so `instanceof` works
  // between `rerank-kit` and `rerank-kit/langchain`.
  splitting: true,
  // The frameworks are optional peers: each adapter entry imports only its own.
  external: ["onnxruntime-node", "sharp", "@langchain/core", "@ai-sdk/provider", "@llamaindex/core", "@mastra/core"],
  // p-limit is ESM-only; bundling it (a few dozen lines) keeps the CJS build independent of
  // Node's require(esm).
  noExternal: ["p-limit"],
});
