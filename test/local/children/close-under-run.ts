/**
 * Child of close-under-native-run.test.ts: stops a pool's worker again and again while it is
 * inside ONNX Runtime runs, with no grace (`cancelTimeoutMs: 0`), by `close()` or by cancelling
 * the call (the worker is then recycled). Terminating a thread under a native run aborts the
 * whole process, so this child either prints "survived N" or dies.
 * argv: model folder, "close" | "cancel", rounds.
 */
import { loadWorkerScorer } from "../../../src/index.js";

const [dir, mode, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 4);
const docs = Array.from({ length: 400 }, (_, i) => `document ${i} ` + "about rerankers and retrieval pipelines ".repeat(20 + (i % 7)));
let survived = 0;
const pool = mode === "cancel" ? await loadWorkerScorer(dir!, { threads: 1, maxBatchSize: 16, cancelTimeoutMs: 0 }) : undefined;
for (let round = 0; round < rounds; round++) {
  const scorer = pool ?? (await loadWorkerScorer(dir!, { threads: 1, maxBatchSize: 16, cancelTimeoutMs: 0 }));
  const controller = new AbortController();
  let progressed!: () => void;
  const firstBatch = new Promise<void>((r) => (progressed = r));
  const call = scorer.score("what is a reranker", docs, { signal: controller.signal, onProgress: () => progressed() }).catch(() => undefined);
  await firstBatch; // the worker is past its first run and into the next ones
  await new Promise((r) => setTimeout(r, 5 * round));
  if (mode === "cancel") {
    controller.abort();
    await call;
    await new Promise((r) => setTimeout(r, 50)); // the recycle timer (0 ms) fires: later calls go to the replacement
    // The recycled worker's replacement answers.
    const scores = await scorer.score("what is a reranker", docs.slice(0, 2));
    if (scores.length !== 2) throw new Error("no answer after the recycle");
  } else {
    await scorer.close();
    await call;
  }
  survived++;
}
await pool?.close();
process.stdout.write(`survived ${survived}\n`);
