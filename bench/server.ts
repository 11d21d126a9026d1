/**
 * Server benchmark: requests/s and p50/p99 latency of `/rerank` over HTTP at several
 * concurrencies, with and without dynamic batching, plus the overhead of HTTP and of the worker
 * thread against in-process calls. Small rerank requests (4 short documents) are where batching
 * matters: each one alone is too small to keep ONNX Runtime's threads busy. `serve`'s default
 * pool (single-thread workers) is held to one worker with all cores, the old default, at c=1
 * (where a lone request is split across the idle workers) and at c=16; for q8 weights that
 * default is the old one itself, and the per-core pool is printed as the reason.
 * `BENCH_SERVER_QUICK=1` runs a short version: 2 s rows, c=1 and c=16 only, 2 rounds, no overhead rows.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { loadScorer } from "../src/local/index.js";
import type { LoadScorerOptions } from "../src/local/options.js";
import type { Scorer, ScoreResponse } from "../src/types.js";
import { loadWorkerScorer, type WorkerScorer } from "../src/local/worker-pool/index.js";
import { defaultServeWorkers } from "../src/cli/commands/serve.js";
import { runPlannedSplit } from "../src/server/runtime/split-call.js";
import { createServer } from "../src/server/index.js";
import { recordLimit, recordTarget } from "./targets.js";
import { ratio } from "./measure.js";
import { makeWorkload } from "./workload.js";

/** Options of {@link benchServer}. */
export interface BenchServerOptions {
  /** A cross-encoder model folder. */
  modelDir: string;
  /** Weights to load. @default "q8" when `onnx/model_quantized.onnx` exists (the usual serving choice), else the loader's default */
  dtype?: LoadScorerOptions["dtype"];
  /** Seconds per measurement. @default 3 */
  seconds?: number;
  /** Names the model in the output. */
  label?: string;
  /** Only the rows the targets need, 2 s each. @default process.env.BENCH_SERVER_QUICK === "1" */
  quick?: boolean;
}

interface Row {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, bodies: string[], connections: number, seconds: number): Promise<Row> {
  let next = 0;
  const r = await autocannon({
    url: `${url}/rerank`,
    method: "POST",
    connections,
    duration: seconds,
    headers: { "content-type": "application/json" },
    // Every request carries its own documents: nothing can be shared or cached across requests.
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
  return { rps: r["2xx"] / r.duration, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts };
}

async function latencies(fn: () => Promise<unknown>, n: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * Where a split starts to pay (the coalescer's `minPartSize`): one lone call of n documents on
 * the pool, whole on one worker against two halves on two workers at once, median latency.
 * A split costs a message round trip and the parts' fixed costs; the ratio shows from which n
 * the second worker wins that back.
 */
async function splitSizes(pool: Pick<Scorer, "scoreWithUsage">, quick: boolean): Promise<void> {
  const { query, documents } = makeWorkload(32, 30, 90, 11);
  const parts: string[] = [];
  for (const n of quick ? [2, 4, 8] : [2, 4, 8, 16, 32]) {
    const docs = documents.slice(0, n);
    const half = Math.ceil(n / 2);
    const whole = await latencies(() => pool.scoreWithUsage(query, docs), quick ? 20 : 50);
    const split = await latencies(() => Promise.all([pool.scoreWithUsage(query, docs.slice(0, half)), pool.scoreWithUsage(query, docs.slice(half))]), quick ? 20 : 50);
    parts.push(`n=${n} ${(whole.p50 / split.p50).toFixed(2)}x (${whole.p50.toFixed(1)} -> ${split.p50.toFixed(1)} ms)`);
  }
  console.log(`lone call split in two halves vs whole, p50 latency on the pool: ${parts.join(", ")}`);
}

/**
 * What the exact split of a dynamically quantized model buys a large lone call: n documents whole
 * on one single-thread worker against the same call cut along its own micro-batches
 * (`runPlannedSplit`) over two workers, median latency, with the scores compared bit for bit.
 */
async function plannedSplitGain(pool: WorkerScorer, quick: boolean): Promise<void> {
  const n = 48;
  const { query, documents } = makeWorkload(n, 30, 90, 11);
  const queries = documents.map(() => query);
  const split = (): Promise<ScoreResponse> =>
    runPlannedSplit(pool, queries, documents, {}, 2, new AbortController().signal, (q, d, signal) => pool.scoreWithUsage(q, d, { signal }));
  const [whole, parts] = [await pool.scoreWithUsage(queries, documents), await split()];
  const differ = whole.scores.filter((x, i) => !Object.is(x, parts.scores[i])).length;
  const plan = await pool.planScore(queries, documents);
  const a = await latencies(() => pool.scoreWithUsage(queries, documents), quick ? 3 : 8);
  const b = await latencies(split, quick ? 3 : 8);
  console.log(
    `lone call of ${n} documents (${plan.batches.length} micro-batches) split along its micro-batches over 2 workers vs whole on one, p50: ` +
      `${(a.p50 / b.p50).toFixed(2)}x (${a.p50.toFixed(0)} -> ${b.p50.toFixed(0)} ms), ${differ} of ${n} scores differ`,
  );
}

/** Runs the server benchmark and prints a table plus the batching and overhead ratios. */
export async function benchServer(options: BenchServerOptions): Promise<void> {
  const quick = options.quick ?? process.env["BENCH_SERVER_QUICK"] === "1";
  const { modelDir, seconds = quick ? 2 : 3 } = options;
  const hasQuantized = existsSync(join(modelDir, "onnx", "model_quantized.onnx"));
  const dtype = options.dtype ?? (hasQuantized ? "q8" : undefined);
  const loadOptions: LoadScorerOptions = dtype ? { dtype } : {};
  const { query, documents: pool } = makeWorkload(4 * 64, 30, 90, 7);
  const bodies = Array.from({ length: 64 }, (_, i) => JSON.stringify({ query, documents: pool.slice(i * 4, i * 4 + 4) }));
  const documents = pool.slice(0, 4);
  const body = bodies[0] as string;
  console.log(`\n## server, ${options.label ?? modelDir} (/rerank, 4 docs of 30-90 words per request, ${seconds}s per row, ${dtype ?? "fp32"} weights)`);

  const scorer = await loadWorkerScorer(modelDir, loadOptions);
  const results = new Map<string, Row>();
  try {
    // Both servers run side by side and rows alternate, so background load hits both alike.
    const servers = [true, false].map((batching) => createServer({ scorer, batching, maxInFlight: 1024 }));
    const urls = await Promise.all(servers.map(async (s) => (await s.listen({ port: 0 })).url));
    await load(urls[0] as string, bodies, 8, 1); // warm-up
    for (const c of quick ? [1, 16] : [1, 8, 16, 64]) {
      for (const [i, batching] of [true, false].entries()) {
        const row = await load(urls[i] as string, bodies, c, seconds);
        results.set(`${batching}-${c}`, row);
        console.log(
          `batching ${batching ? "on " : "off"} c=${String(c).padEnd(2)}  ${row.rps.toFixed(1).padStart(7)} req/s  ` +
            `p50 ${row.p50.toFixed(1).padStart(7)} ms  p99 ${row.p99.toFixed(1).padStart(7)} ms  errors ${row.errors}`,
        );
      }
    }
    await Promise.all(servers.map((s) => s.close()));
    const on = results.get("true-16")!;
    const off = results.get("false-16")!;
    console.log(`dynamic batching at c=16: ${ratio(on.rps / off.rps, 2)} requests/s`);
    console.log(
      "  (batching removes per-call overhead; when each pair's compute dominates, as for MiniLM-sized\n" +
        "   models on 2 cores where ORT gains nothing from larger batches, expect about 1x)",
    );

    // Parallelism across requests: `serve`'s default pool, one single-thread worker per core,
    // against the single worker with all cores measured above. At c=1 the pool splits each
    // request across its idle workers when the weights allow an exact split (fp32 / fp16), and a
    // q8 cross-encoder's only along its own micro-batches. For q8 weights `serve`'s default is the
    // single worker itself (defaultServeWorkers): the per-core pool is measured anyway, as the
    // reason for that default and what `--workers <cores>` gives.
    const cores = availableParallelism();
    const oldDefault = defaultServeWorkers(cores, dtype) === 1 && cores > 1;
    const workers = Math.min(cores, 4);
    const threads = Math.max(1, Math.floor(cores / workers));
    const pool = await loadWorkerScorer(modelDir, { ...loadOptions, workers, threads });
    const splits = pool.batchInvariant
      ? "split across idle workers"
      : pool.microBatchSplit
        ? "split only along its micro-batches, and a 4-doc request is one: q8 answers depend on the batch"
        : "not split: its answers depend on the batch (q4 weights or a decoder)";
    // The old default and the pool alternate row by row over several rounds, so load from
    // elsewhere on a shared machine hits both alike; each ratio sums the rounds' requests.
    const rounds = quick ? 2 : 3;
    const totals = new Map<string, { requests: number; seconds: number; errors: number }>();
    try {
      const single = createServer({ scorer, maxInFlight: 1024 });
      const poolServer = createServer({ scorer: pool, concurrency: workers, maxInFlight: 1024 });
      const [singleUrl, poolUrl] = await Promise.all([single, poolServer].map(async (s) => (await s.listen({ port: 0 })).url));
      await load(poolUrl as string, bodies, 8, 1); // warm-up
      for (let round = 0; round < rounds; round++) {
        for (const c of [1, 16]) {
          for (const [name, url] of [["single", singleUrl], ["pool", poolUrl]] as const) {
            const row = await load(url as string, bodies, c, seconds);
            const t = totals.get(`${name}-${c}`) ?? { requests: 0, seconds: 0, errors: 0 };
            totals.set(`${name}-${c}`, { requests: t.requests + row.rps * seconds, seconds: t.seconds + seconds, errors: t.errors + row.errors });
            const shape = name === "pool" ? `pool ${workers}x${threads}` : `1x${cores}     `;
            console.log(
              `round ${round + 1} ${shape} c=${String(c).padEnd(2)}  ${row.rps.toFixed(1).padStart(7)} req/s  ` +
                `p50 ${row.p50.toFixed(1).padStart(7)} ms  p99 ${row.p99.toFixed(1).padStart(7)} ms  errors ${row.errors}`,
            );
          }
        }
      }
      await Promise.all([single.close(), poolServer.close()]);
      if (pool.batchInvariant) await splitSizes(pool, quick);
      else if (pool.microBatchSplit) await plannedSplitGain(pool, quick);
    } finally {
      await pool.close();
    }
    const rps = (key: string): number => {
      const t = totals.get(key)!;
      return t.requests / t.seconds;
    };
    const [single1, single16, pool1, pool16] = [rps("single-1"), rps("single-16"), rps("pool-1"), rps("pool-16")];
    const errors = totals.get("pool-1")!.errors + totals.get("pool-16")!.errors;
    const label = options.label ?? modelDir;
    console.log(
      `serve c=16 vs c=1, 1 worker x ${cores} threads (the old default): ${(single16 / single1).toFixed(2)}x ` +
        `(${single1.toFixed(1)} -> ${single16.toFixed(1)} req/s, ${rounds} alternated rounds)`,
    );
    console.log(
      `serve c=16 vs c=1, ${workers} single-thread workers (${oldDefault ? "--workers " + workers : "the default"}; c=1 ${splits}): ${(pool16 / pool1).toFixed(2)}x ` +
        `(${pool1.toFixed(1)} -> ${pool16.toFixed(1)} req/s), ${errors} errors${errors === 0 ? "" : " MISSED"}`,
    );
    // Splitting makes c=1 faster, so the pool's own c=16 / c=1 ratio falls: each concurrency is
    // held to the old default at the same concurrency instead.
    if (oldDefault) {
      // serve's default for these weights is the 1 x cores worker: the same shape, 1x by construction.
      const why = `(serve's default for ${dtype} weights is 1 worker x ${cores} threads itself; ${workers} single-thread workers: c=1 ${(pool1 / single1).toFixed(2)}x, c=16 ${(pool16 / single16).toFixed(2)}x)`;
      console.log(`serve's default pool for ${dtype} weights is the old default: ${why}`);
      recordTarget(`serve c=1, default pool / 1 worker x ${cores} threads, ${label}`, 1, 0.95, why);
      recordTarget(`serve c=16, default pool / 1 worker x ${cores} threads, ${label}`, 1, 1, "(the same shape)");
    } else {
      recordTarget(`serve c=1, default pool / 1 worker x ${cores} threads, ${label}`, pool1 / single1, 0.95, `(${splits})`);
      recordTarget(`serve c=16, default pool / 1 worker x ${cores} threads, ${label}`, pool16 / single16, 1);
    }
    // The target also asks for 0 errors: a pool that drops requests is not faster.
    recordLimit(`serve errors at c=1 and c=16, ${label}`, errors, 0, "errors");
    if (quick) return;

    // Overhead at concurrency 1: in process, through the worker thread, and over HTTP.
    const inProcess = await loadScorer(modelDir, loadOptions);
    const direct = await latencies(() => inProcess.rerank(query, documents), 50);
    await inProcess.close();
    const viaWorker = await latencies(() => scorer.rerank(query, documents), 50);
    const server = createServer({ scorer });
    const { url } = await server.listen({ port: 0 });
    const init = { method: "POST", headers: { "content-type": "application/json" }, body };
    const viaHttp = await latencies(async () => (await fetch(`${url}/rerank`, init)).json(), 50);
    await server.close();
    console.log(`p50 latency, c=1: in process ${direct.p50.toFixed(2)} ms | worker thread ${viaWorker.p50.toFixed(2)} ms | HTTP + worker ${viaHttp.p50.toFixed(2)} ms`);
    console.log(
      `overhead vs in process: worker +${(viaWorker.p50 - direct.p50).toFixed(2)} ms, HTTP +${(viaHttp.p50 - viaWorker.p50).toFixed(2)} ms ` +
        `(HTTP+worker / in process = ${(viaHttp.p50 / direct.p50).toFixed(2)}x)`,
    );
  } finally {
    await scorer.close();
  }
}
