import type { Command } from "commander";
import { addModelFlags, loadOptions, type ModelFlags } from "../model-options.js";
import { integer, port, positiveInteger } from "../parsers.js";

interface ServeFlags extends ModelFlags {
  host: string;
  port: number;
  apiKey?: string;
  servedModelName?: string[];
  workers: number;
  batching: boolean;
  maxBatchPairs?: number;
  batchWaitMs?: number;
  maxDocuments?: number;
  maxInFlight?: number;
  timeoutMs?: number;
  cors?: string[];
}

/** Registers `rerank-kit serve`: the vLLM score protocol over a local model in worker threads. */
export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("serve vLLM's /score, /rerank, /v1/embeddings and /pooling API over a local model")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("-p, --port <port>", "TCP port (0 = any free port)", port, 8000)
    .option("--api-key <key>", "require Authorization: Bearer <key> (env RERANK_KIT_API_KEY)")
    .option("--served-model-name <names...>", "model names clients may send (first is echoed)")
    .option("--workers <n>", "worker threads, each with its own copy of the model", positiveInteger, 1)
    .option("--no-batching", "score each request on its own (no dynamic batching)")
    .option("--max-batch-pairs <n>", "most pairs in one merged call", positiveInteger)
    .option("--batch-wait-ms <ms>", "longest wait for companions", integer)
    .option("--max-documents <n>", "most documents per request", positiveInteger)
    .option("--max-in-flight <n>", "requests admitted at once; beyond it 503", positiveInteger)
    .option("--timeout-ms <ms>", "per-request time limit", positiveInteger)
    .option("--cors <origins...>", "allow these CORS origins (* = any); off by default");
  addModelFlags(command).action(async (flags: ServeFlags) => {
    // Heavy modules load only when the command runs, so --help and flag errors stay fast.
    const { loadWorkerScorer } = await import("../../local/worker-pool/index.js");
    const { createServer } = await import("../../server/index.js");
    const scorer = await loadWorkerScorer(flags.model, { ...await loadOptions(flags), workers: flags.workers });
    const server = createServer({
      scorer,
      closeScorer: true,
      apiKey: flags.apiKey ?? process.env["RERANK_KIT_API_KEY"],
      ...(flags.servedModelName && { servedModelName: flags.servedModelName }),
      batching: flags.batching
        ? { ...(flags.maxBatchPairs && { maxBatchPairs: flags.maxBatchPairs }), ...(flags.batchWaitMs !== undefined && { maxWaitMs: flags.batchWaitMs }) }
        : false,
      concurrency: flags.workers,
      ...(flags.maxDocuments && { maxDocuments: flags.maxDocuments }),
      ...(flags.maxInFlight && { maxInFlight: flags.maxInFlight }),
      ...(flags.timeoutMs && { requestTimeoutMs: flags.timeoutMs }),
      ...(flags.cors && { cors: flags.cors.includes("*") ? true : flags.cors }),
    });
    let address;
    try {
      address = await server.listen({ host: flags.host, port: flags.port });
    } catch (error) {
      await scorer.close();
      throw error;
    }
    process.stderr.write(`rerank-kit: serving ${scorer.model} (${scorer.scoreType}) on ${address.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        process.stderr.write(`rerank-kit: ${signal}: finishing in-flight requests\n`);
        void server.close().then(resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  });
}
