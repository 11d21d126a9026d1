/**
 * Event-loop delay while the README's LangChain path scores: `RerankCompressor.fromModel(folder)`
 * (the model in a worker thread, the default) ranks 200 long documents, and
 * `perf_hooks.monitorEventLoopDelay` samples the main thread's loop. The in-process compressor
 * (`worker: false`) is measured the same way for comparison.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Document } from "@langchain/core/documents";
import { RerankCompressor } from "../adapters/langchain/index.js";
import { recordLimit } from "./targets.js";
import { makeWorkload } from "./workload.js";

const TARGET_P99_MS = 20;

async function delayWhileScoring(compressor: RerankCompressor, query: string, docs: Document[]): Promise<{ p50: number; p99: number; max: number; ms: number }> {
  await compressor.compressDocuments(docs.slice(0, 4), query); // warm-up
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const t0 = performance.now();
  await compressor.compressDocuments(docs, query);
  const ms = performance.now() - t0;
  histogram.disable();
  const toMs = (ns: number): number => ns / 1e6;
  return { p50: toMs(histogram.percentile(50)), p99: toMs(histogram.percentile(99)), max: toMs(histogram.max), ms };
}

/** Prints the main thread's event-loop delay p50/p99 with the p99 target, for a cross-encoder folder. */
export async function benchEventLoop(modelDir: string): Promise<void> {
  const { query, documents } = makeWorkload(200, 150, 300, 11);
  const docs = documents.map((pageContent) => new Document({ pageContent }));
  console.log(`\n## event loop while LangChain's RerankCompressor scores 200 docs of 150-300 words (monitorEventLoopDelay, 1 ms resolution)`);
  for (const worker of [true, false]) {
    const compressor = await RerankCompressor.fromModel(modelDir, { topN: 5, worker });
    try {
      const d = await delayWhileScoring(compressor, query, docs);
      const label = worker ? "fromModel(folder) (worker thread, default)" : "fromModel(folder, { worker: false }) (in process)";
      const verdict = worker ? `  target p99 <= ${TARGET_P99_MS} ms ${d.p99 <= TARGET_P99_MS ? "ok" : "MISSED"}` : "";
      if (worker) recordLimit("event-loop delay p99, RerankCompressor.fromModel (worker)", d.p99, TARGET_P99_MS, "ms");
      console.log(
        `${label.padEnd(52)} delay p50 ${d.p50.toFixed(1)} ms  p99 ${d.p99.toFixed(1)} ms  max ${d.max.toFixed(0)} ms  (call ${d.ms.toFixed(0)} ms)${verdict}`,
      );
    } finally {
      await compressor.close();
    }
  }
}
