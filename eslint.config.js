// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Modules of the pure core may not do I/O or reach outward: dependencies point inward. */
const pureCore = {
  patterns: [
    { group: ["node:*", "fs", "path", "os", "http", "worker_threads"], message: "scoring/, batching/ and imaging/ are pure: no I/O." },
    { group: ["**/local/**", "**/remote/**", "**/server/**", "**/cli/**", "**/adapters/**"], message: "The core imports nothing outward." },
  ],
};

/**
 * Adapters reach src/ through the package's entry points (src/index.ts, src/remote/index.ts) and
 * src/internal.ts, the helpers the package shares with them but does not export.
 */
const adapterSrcPatterns = {
  group: ["**/src/*/**", "!**/src/remote/index.js"],
  message: "Adapters use src/ only through src/index.ts, src/remote/index.ts and src/internal.ts.",
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
    files: ["src/scoring/**/*.ts", "src/batching/**/*.ts", "src/imaging/**/*.ts"],
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
      "no-restricted-imports": ["error", { patterns: [adapterSrcPatterns] }],
    },
  },
  // Each framework adapter imports only its own framework and adapters/shared, so importing one
  // loads nothing of the others (test/package/dist-smoke.test.ts checks the built files).
  ...adapterBoundaries(),
);

/** One rule block per adapter folder: no other adapter, no other framework. */
function adapterBoundaries() {
  const frameworks = {
    langchain: ["@langchain/*"],
    "ai-sdk": ["@ai-sdk/*", "ai"],
    llamaindex: ["@llamaindex/*", "llamaindex"],
    mastra: ["@mastra/*"],
  };
  const adapterPatterns = adapterSrcPatterns;
  return Object.keys(frameworks).map((name) => {
    const others = Object.keys(frameworks).filter((other) => other !== name);
    return {
      files: [`adapters/${name}/**/*.ts`],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              adapterPatterns,
              { group: others.map((other) => `**/adapters/${other}/**`).concat(others.map((other) => `../${other}/**`)), message: `adapters/${name} imports no other adapter (only adapters/shared).` },
              { group: others.flatMap((other) => frameworks[other]), message: `adapters/${name} imports only its own framework.` },
            ],
          },
        ],
      },
    };
  }).concat([
    {
      files: ["adapters/shared/**/*.ts"],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              adapterPatterns,
              { group: ["../langchain/**", "../ai-sdk/**", "../llamaindex/**", "../mastra/**"], message: "adapters/shared serves every adapter and imports none." },
              { group: Object.values(frameworks).flat(), message: "adapters/shared imports no framework." },
            ],
          },
        ],
      },
    },
  ]);
}
