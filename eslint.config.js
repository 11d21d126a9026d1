// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Modules of the pure core may not do I/O or reach outward (style.md, "dependencies point inward"). */
const pureCore = {
  patterns: [
    { group: ["node:*", "fs", "path", "os", "http", "worker_threads"], message: "scoring/ and batching/ are pure: no I/O." },
    { group: ["**/local/**", "**/remote/**", "**/server/**", "**/cli/**", "**/adapters/**"], message: "The core imports nothing outward." },
  ],
};

export default tseslint.config(
  { ignores: ["dist/**", "docs/**", "node_modules/**", "test/.models/**", "bench/.models/**", "coverage/**", ".scratch/**", ".stryker-tmp/**", "reports/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-empty": ["error", { allowEmptyCatch: false }],
    },
  },
  {
    files: ["src/scoring/**/*.ts", "src/batching/**/*.ts"],
    rules: { "no-restricted-imports": ["error", pureCore] },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/local/**", "src/cli/**", "src/server/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [{ name: "onnxruntime-node", message: "Only src/local loads onnxruntime-node (lazily)." }], patterns: [{ group: ["**/adapters/**"], message: "src/ never imports adapters/." }] },
      ],
    },
  },
  {
    files: ["src/remote/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/local/**", "**/server/**", "**/cli/**", "**/adapters/**"], message: "remote/ depends only on the core." }] }],
    },
  },
  {
    files: ["adapters/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/src/*/**"], message: "Adapters use src/ only through its public entry points (src/index.ts, src/remote/index.ts)." }] }],
    },
  },
);
