// @ts-check
/**
 * StrykerJS mutation testing, run by `npm run mutate` (never by `npm test`).
 *
 * One folder per run keeps a run short on a shared machine:
 *   MUTATE_SCOPE=src/batching npm run mutate
 * Scopes: scoring, batching, tokenization, http, remote (the HTTP call path: chunk runner, retries,
 * backoff delay, transport with its timeouts, replica fail-over), templates (score templates, presets,
 * the bounded Jinja renderer), quantize (the int8 graph quantizer), split for a loaded machine into
 * quantize-graph (the graph rewrite) and quantize-model (the command: folder copy, parity report);
 * llm-reranker (LLM rerankers), split into llm-reranker-config (hf_overrides, token head, presets,
 * template file) and llm-reranker-load (scorer, head session, convert); cli-rerank-embed (the rerank and
 * embed commands), cli-commands (serve, convert, quantize), cli (the rest of src/cli: input
 * reading, flag parsers, progress, vLLM serve habits), server-runtime
 * (src/server/runtime: coalescer, strategies, slots, metrics), routes (src/server/routes), adapters
 * (adapters/), split for a loaded machine into adapters-ai-sdk (with ai-sdk/v4/index.ts, the V4
 * provider), adapters-langchain and adapters-llamaindex-mastra (with adapters/shared), worker-pool
 * (src/local/worker-pool's main-thread parts, over stand-in workers) and worker-pool-handle (the
 * thread handle, with real threads), and src/local/runtime split into runtime-proto (protobuf reader and
 * writer, weights on disk), runtime-rewrite (the encoder, LM-head and attention graph rewrites) and
 * runtime-session (sessions, batch plan and loop, graph inputs, native-run gate).
 * Incremental mode reuses earlier results, so a second run only re-tests changed code and tests.
 */
import process from "node:process";
const SCOPES = {
  scoring: ["src/scoring/**/*.ts"],
  batching: ["src/batching/**/*.ts"],
  tokenization: ["src/local/tokenization/**/*.ts"],
  http: ["src/server/http/**/*.ts"],
  remote: ["src/remote/run-chunks.ts", "src/remote/retry.ts", "src/remote/delay.ts", "src/remote/transport.ts", "src/remote/replica-pool.ts"],
  templates: ["src/templates/**/*.ts", "!src/templates/index.ts"],
  quantize: ["src/local/quantize/**/*.ts"],
  "cli-rerank-embed": ["src/cli/commands/rerank.ts", "src/cli/commands/embed.ts"],
  "cli-commands": ["src/cli/commands/*.ts", "!src/cli/commands/rerank.ts", "!src/cli/commands/embed.ts"],
  cli: ["src/cli/*.ts", "!src/cli/main.ts"],
  "server-runtime": ["src/server/runtime/**/*.ts"],
  routes: ["src/server/routes/**/*.ts"],
  // routes in two for a 2-core machine: the scoring routes (score, rerank, classify, chat-style
  // prompts, generative scoring) and the pooling routes (embeddings, pooling, tokenize, info, docs).
  "routes-score": ["src/server/routes/{score,rerank,scoring-options,score-inputs,generative-scoring,classify,classify-request,chat,render-request,prompts,invocations}.ts"],
  "routes-embed": ["src/server/routes/**/*.ts", "!src/server/routes/{score,rerank,scoring-options,score-inputs,generative-scoring,classify,classify-request,chat,render-request,prompts,invocations}.ts"],
  adapters: ["adapters/**/*.ts", "!adapters/**/index.ts"],
  "adapters-ai-sdk": ["adapters/ai-sdk/**/*.ts", "!adapters/ai-sdk/index.ts"],
  "adapters-langchain": ["adapters/langchain/**/*.ts", "!adapters/langchain/index.ts"],
  "adapters-llamaindex-mastra": ["adapters/{llamaindex,mastra,shared}/**/*.ts", "!adapters/**/index.ts"],
  // worker.ts runs only in a worker thread, which Stryker's mutant switch (a main-thread global)
  // never reaches; worker-handle.ts needs real threads, so it has a scope of its own.
  "worker-pool": ["src/local/worker-pool/**/*.ts", "!src/local/worker-pool/{index,worker,worker-handle}.ts"],
  "worker-pool-handle": ["src/local/worker-pool/worker-handle.ts"],
  "quantize-graph": ["src/local/quantize/quantize-graph.ts"],
  "quantize-model": ["src/local/quantize/quantize-model.ts"],
  "llm-reranker": ["src/local/llm-reranker/**/*.ts"],
  "llm-reranker-config": ["src/local/llm-reranker/{hf-overrides,presets,score-head,template-source}.ts"],
  "llm-reranker-load": ["src/local/llm-reranker/{llm-reranker,score-session,convert}.ts"],
  // src/local/runtime in three: the protobuf reader / writer and weight storage, the graph rewrites,
  // and the sessions with their batch loop.
  "runtime-proto": ["src/local/runtime/{onnx-model-parse,onnx-proto,onnx-writer,proto-fields,tensor-elements,weights-on-disk,int8-weights-u8}.ts"],
  "runtime-rewrite": ["src/local/runtime/{encoder-graph-rewrite,lm-head-rewrite,fused-attention,last-attended,open-rewritten-session}.ts"],
  "runtime-session": ["src/local/runtime/{onnx-session,run-batches,batch-loop,graph-inputs,native-runs,run-gate,onnx-runtime-load-error,open-encoder-session}.ts"],
};
// Module-level (static) mutants run every test file of the scope. cli's files spawn servers on real
// models (about 4 min for the list on 2 cores) and its 222 static mutants (choice lists, defaults,
// constants) would take hours, so there they are reported as ignored and left out of the score.
const IGNORE_STATIC = new Set(["cli", "cli-commands", "cli-rerank-embed"]);
const raw = (process.env.MUTATE_SCOPE ?? "scoring").replace(/^src\//, "").replace(/^local\//, "").replace(/^server\//, "");
const scope = /** @type {keyof typeof SCOPES} */ (raw);
if (!SCOPES[scope]) throw new Error(`MUTATE_SCOPE must be one of ${Object.keys(SCOPES).join(", ")}; got ${raw}`);

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  // related: false: with vitest's related-file search, a static mutant (no per-test filter) and the
  // dry run reached only the test files that import the mutated file directly (112 of
  // routes-score's 172 tests), and 24 of its static mutants survived that a listed test kills.
  vitest: { configFile: "vitest.mutate.config.ts", related: false },
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.mutate.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: SCOPES[scope],
  coverageAnalysis: "perTest",
  ignoreStatic: IGNORE_STATIC.has(scope),
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 1),
  incremental: true,
  incrementalFile: `reports/mutation/${scope}.incremental.json`,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: `reports/mutation/${scope}.json` },
  clearTextReporter: { allowColor: false, logTests: false },
  ignorePatterns: ["dist", "docs", "coverage", "reports", ".scratch", "bench/.models", ".stryker-tmp"],
  timeoutMS: 10_000,
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: `.stryker-tmp/${scope}`,
  cleanTempDir: "always",
};
