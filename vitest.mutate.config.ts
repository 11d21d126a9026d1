import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/** The in-process adapter test files, per framework (see `adapters` below). */
const ADAPTER_TESTS = {
  aiSdk: ["test/ai-sdk/ai-sdk.test.ts", "test/ai-sdk/call-mapping.test.ts"],
  langchain: ["test/langchain/{compressor,compressor-mapping,embeddings,long-documents}.test.ts"],
  llamaindexMastra: ["test/llamaindex/{postprocessor,node-mapping}.test.ts", "test/mastra/relevance-scorer.test.ts"],
  shared: ["test/adapters/local-loading.test.ts", "test/options/adapter-options.test.ts"],
};

/**
 * The route files' suite (`routes`, `routes-score`, `routes-embed`): the server files over fake
 * scorers and the tiny models that load in under a second, with vLLM's ported online tests and the
 * response budget (a few seconds each). The worker-backed files (worker-pool, split-serve,
 * local-models) and the SDK clients (sdk) exercise the same routes through slower paths.
 */
const ROUTE_TESTS = [
  "test/server/{auth-routes,behaviour,chat-template-budget,create-server-options,defaults,http-validation,http-errors}.test.ts",
  "test/server/{large-token-embed,llm-reranker,pooling,request-log,rerank,score,utf8-body,vllm-newest,embeddings-prompt}.test.ts",
  "test/server/{image-embed-serve,image-text-serve,image-embed-usage,generative-scoring,batching,embed-batching,sparse-serve}.test.ts",
  "test/server/vllm-conformance/tensor-bytes.test.ts",
  "test/server/classify-routes.test.ts",
  "test/server/chat-messages.test.ts",
  "test/server/prompt-inputs.test.ts",
  "test/server/invocations.test.ts",
  "test/server/response-budget.test.ts",
  "test/server/vllm-conformance/{classify,cohere-embed,embed,token-embed,scoring}-online.test.ts",
  "test/server/{image-embed-route,text-embedder-input,info-routes,embed-bytes-response}.test.ts",
  "test/server/cohere-embed-route.test.ts",
  "test/server/{token-embed-route,response-size-estimate,pooling-tasks-route,embed-sparse-tokenize-routes}.test.ts",
];

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
  batching: ["test/scoring/similarity.test.ts", "test/batching/share-batches.test.ts"],
  tokenization: ["test/local/tokenization.test.ts"],
  // http and remote: only their fast unit tests (no model, waits of milliseconds; the transport's fetch is
  // a test double), which is what a loaded 2-core machine can afford per mutant. The end-to-end
  // server and client tests (test/server/{score,rerank,pooling,behaviour}.test.ts,
  // test/remote/{chunking,faults,vllm-scorer,defaults}.test.ts) exercise the same code as well, so
  // these two scores are a lower bound.
  http: ["test/server/http-validation.test.ts", "test/server/http-errors.test.ts", "test/server/auth-routes.test.ts"],
  remote: ["test/remote/transport.test.ts", "test/remote/retry.test.ts"],
  templates: [
    "test/templates/**/*.test.ts",
    "test/remote/prompt-templates.test.ts",
    "test/local/score-template-option.test.ts",
  ],
  // cli and cli-commands: the in-process files (commands run against a recording fake model), plus
  // the files whose unit tests cover the scope. The files that spawn the CLI (cli, streaming,
  // serve-*) reach it only through a child process, which no mutant reaches, and their servers on
  // real models time out on a loaded machine; cli-mutants.test.ts repeats their unit checks.
  "cli-commands": ["test/cli/flag-table.test.ts", "test/cli/cli-mutants.test.ts"],
  "cli-rerank-embed": ["test/cli/flag-table.test.ts", "test/cli/cli-mutants.test.ts"],
  cli: [
    "test/cli/flag-table.test.ts", "test/cli/cli-mutants.test.ts", "test/cli/read-input.test.ts", "test/cli/api-key.test.ts",
    "test/cli/progress.test.ts",
    // Its unit tests call serve-vllm-flags in-process; its spawning tests cover no in-process code,
    // so Stryker runs them only in the dry run, never per mutant.
    "test/cli/serve-vllm-habits.test.ts",
  ],
  // server-runtime: the coalescer's unit file and the in-process server files over fake scorers
  // (no model, no worker thread). load.test.ts stays out: autocannon returns no latency figures
  // inside Stryker's runner, and a load round per mutant would cost minutes.
  "server-runtime": [
    "test/server/runtime/**/*.test.ts", "test/server/vllm-conformance/tensor-bytes.test.ts",
    "test/server/{batching,embed-batching,behaviour,score,rerank,pooling,large-token-embed,vllm-newest}.test.ts",
  ],
  // adapters: each framework's files over fakes (recording scorers and embedders, a recording
  // fetch for the AI SDK provider's server path, recording loaders for models given by id), and
  // the option table (test/options). The files on real models (ai-sdk/models, langchain/{consumers,
  // local-models,chunk-max-worker,long-document-windows,sparse-embeddings,embed-images},
  // llamaindex/{pipeline,multimodal-embedding}, mastra/relevance-scorer-models) load models or
  // start workers and servers in their hooks, seconds per mutant; they cover the same code.
  // Split per framework so that one run fits a loaded 2-core machine.
  adapters: [...ADAPTER_TESTS.aiSdk, ...ADAPTER_TESTS.langchain, ...ADAPTER_TESTS.llamaindexMastra, ...ADAPTER_TESTS.shared],
  "adapters-ai-sdk": [...ADAPTER_TESTS.aiSdk, ...ADAPTER_TESTS.shared],
  "adapters-langchain": [...ADAPTER_TESTS.langchain, ...ADAPTER_TESTS.shared],
  "adapters-llamaindex-mastra": [...ADAPTER_TESTS.llamaindexMastra, ...ADAPTER_TESTS.shared, "test/ai-sdk/call-mapping.test.ts"],
  // worker-pool: the main-thread units over stand-in workers (no thread starts), toWire's file and
  // startWorker's flags over a recording Worker class.
  // worker.ts runs only inside a worker thread, where Stryker's mutant switch (a global of the main
  // thread) never reaches, so no scope mutates it; worker-handle.ts (its own scope) starts real
  // threads, covered by test/server/worker-pool.test.ts and test/local/worker-option.test.ts.
  "worker-pool": [
    "test/local/worker-pool-units.test.ts", "test/local/worker-pool-start.test.ts", "test/local/worker-wire-args.test.ts",
    "test/local/worker-start-flags.test.ts",
  ],
  // quantize: the quick files (hand-built graphs, a 3-document parity sample). quantize.test.ts and
  // quantize-defaults.test.ts check the same code against the Python goldens at 10-30 s per mutant.
  quantize: ["test/local/quantize-graph.test.ts",
    "test/local/weights-on-disk-walk.test.ts", "test/local/quantize-report.test.ts", "test/local/quantize-model.test.ts", "test/local/quantize-model-graph-size.test.ts"],
  // Split so that a graph mutant runs only the hand-built graphs (the model tests cover it too, at
  // 20-30 s per mutant on a loaded 2-core machine).
  "quantize-graph": ["test/local/quantize-graph.test.ts"],
  "quantize-model": ["test/local/quantize-model.test.ts", "test/local/quantize-model-graph-size.test.ts", "test/local/quantize-report.test.ts"],
  // The model-backed files run the tiny causal LMs (a few seconds each); the worker and CLI tests
  // in them cannot see an in-process mutant, so Stryker runs them only in its first pass.
  "llm-reranker": [
    "test/local/llm-reranker-helpers.test.ts",
    "test/local/llm-reranker-next-token.test.ts",
    "test/local/convert-output.test.ts",
    "test/local/hf-overrides.test.ts",
    "test/templates/render-budget.test.ts",
    "test/local/llm-reranker-options.test.ts",
    "test/local/llm-reranker-head-precedence.test.ts",
    "test/local/llm-reranker.parity.test.ts",
    "test/local/prefix-reuse.test.ts",
    "test/local/gqa-reranker.parity.test.ts",
    "test/local/silent-scores.test.ts",
    "test/local/convert.test.ts",
    "test/local/score-template-option.test.ts",
    "test/server/generative-scoring.test.ts",
  ],
  routes: ROUTE_TESTS,
  "routes-score": ROUTE_TESTS,
  "routes-embed": ROUTE_TESTS,
  // worker-pool-handle: the files that start real worker threads on the tiny models.
  "worker-pool-handle": [
    "test/server/worker-pool.test.ts", "test/server/worker-capabilities.test.ts", "test/local/worker-option.test.ts",
    "test/faults/{worker-faults,request-timeout,thread-split}.test.ts", "test/local/close-during-run.test.ts",
  ],
  // src/local/runtime: the hand-built graphs of each part, plus the tiny decoders where a session runs.
  "runtime-proto": [
    "test/local/{onnx-proto,weights-on-disk,int8-weights-u8,lm-head-per-column}.test.ts",
    "test/local/quantize-graph.test.ts",
    "test/local/weights-on-disk-walk.test.ts",
  ],
  "runtime-rewrite": [
    "test/local/{encoder-graph-rewrite,encoder-graph-rewrite-inf,encoder-graph-rewrite-cases,lm-head-rewrite,lm-head-per-column,kv-cache-shape}.test.ts",
    "test/local/lm-head-rewrite-cases.test.ts",
    "test/local/gqa-reranker.parity.test.ts",
    "test/local/{last-attended,fused-attention,open-rewritten-session}.test.ts",
  ],
  "runtime-session": [
    "test/local/{decoder-graphs,kv-cache-shape,close-during-run,close-under-native-run,onnxruntime-load-error,prefix-reuse,int8-weights-u8}.test.ts",
    "test/batching/budgets.test.ts", "test/local/gqa-reranker.parity.test.ts", "test/local/gqa-embedder.parity.test.ts",
  ],
  "llm-reranker-config": ["test/local/llm-reranker-helpers.test.ts", "test/local/hf-overrides.test.ts", "test/templates/render-budget.test.ts"],
  "llm-reranker-load": [
    "test/local/llm-reranker-next-token.test.ts",
    "test/local/convert-output.test.ts",
    "test/local/llm-reranker-options.test.ts",
    "test/local/llm-reranker-head-precedence.test.ts",
    "test/local/llm-reranker.parity.test.ts",
    "test/local/prefix-reuse.test.ts",
    "test/local/silent-scores.test.ts",
    "test/local/convert.test.ts",
    // In-process: its merged decoder (an If the LM-head rewrite does not reach) falls back to full
    // logits (score-session.ts's catch) and reads right-padded rows at their mask's end (scorePairs).
    "test/local/gqa-reranker.parity.test.ts",
  ],
};
const scope = process.env["MUTATE_SCOPE"]?.replace(/^src\//, "").replace(/^(local|server)\//, "") ?? "scoring";

// Replaced, not merged: mergeConfig would append these globs to the full suite's.
export default defineConfig({
  ...base,
  test: { ...base.test, include: TESTS[scope] ?? [], typecheck: { enabled: false }, reporters: ["default"] },
});
