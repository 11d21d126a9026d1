/**
 * Remote client benchmarks, against a local node:http server that mimics vLLM's `/score`:
 * 1. the client's overhead against a bare `fetch` + `res.json()` of the same request to the same
 *    server (ratio of wall times; target <= 1.05);
 * 2. throughput for 1,000 documents split into requests of 50 at concurrency 1, 4 and 16, with a
 *    simulated server latency per request so that concurrency matters.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RemoteScorer } from "../src/remote/index.js";
import { ratio } from "./measure.js";

const LATENCY_MS = 20;

function startScoreServer(latencyMs: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text_2: string[] };
      const n = body.text_2.length;
      const text = JSON.stringify({
        id: "score-bench",
        object: "list",
        created: 1,
        model: "bench",
        data: Array.from({ length: n }, (_, index) => ({ index, object: "score", score: ((index * 7919) % 1000) / 1000 })),
        usage: { prompt_tokens: n * 20, total_tokens: n * 20, completion_tokens: 0 },
      });
      const send = () => {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      };
      if (latencyMs > 0) setTimeout(send, latencyMs);
      else send();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

async function timeMs(fn: () => Promise<unknown>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return performance.now() - t0;
}

/**
 * The client's own CPU cost per call, with `fetch` stubbed by a canned answer (no sockets), so
 * the difference is not drowned by network noise on a busy machine.
 */
async function cpuOverhead(query: string, docs: string[]): Promise<void> {
  const text = JSON.stringify({
    data: docs.map((_, index) => ({ index, object: "score", score: index / docs.length })),
    usage: { prompt_tokens: 1000, total_tokens: 1000 },
  });
  const stub = (async () => new Response(text, { status: 200 })) as typeof fetch;
  const scorer = new RemoteScorer({ baseURL: "http://stub", model: "bench", fetch: stub });
  const bare = async () => (await stub("http://stub/score", { method: "POST", body: JSON.stringify({ text_1: query, text_2: docs }) })).json();
  const client = () => scorer.score(query, docs);
  let b = 0;
  let c = 0;
  for (let round = 0; round < 2; round++) {
    b = await timeMs(bare, 3000);
    c = await timeMs(client, 3000);
  }
  console.log(`  client CPU per call with fetch stubbed: ${((c / 3000) * 1000).toFixed(0)} us vs ${((b / 3000) * 1000).toFixed(0)} us for a bare stubbed fetch + json()`);
}

/** Median ratio client/bare over interleaved rounds, and the median extra time per call. */
async function overheadRatio(url: string, query: string, docs: string[], rounds: number, calls: number): Promise<{ median: number; perCallUs: number }> {
  const scorer = new RemoteScorer({ baseURL: url, model: "bench", maxConcurrency: 1 });
  const bare = async () => {
    const res = await fetch(`${url}/score`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ model: "bench", text_1: query, text_2: docs }),
    });
    return res.json();
  };
  const client = () => scorer.score(query, docs);
  await timeMs(bare, 50);
  await timeMs(client, 50);
  const ratios: number[] = [];
  const extra: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let b = 0;
    let c = 0;
    for (let i = 0; i < calls; i++) {
      // Alternate which goes first so that drift and other load hit both alike.
      const order = i % 2 === 0 ? [bare, client] : [client, bare];
      for (const fn of order) {
        const t0 = performance.now();
        await fn();
        const dt = performance.now() - t0;
        if (fn === bare) b += dt;
        else c += dt;
      }
    }
    ratios.push(c / b);
    extra.push(((c - b) / calls) * 1000);
  }
  const mid = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  await scorer.close();
  return { median: mid(ratios), perCallUs: mid(extra) };
}

/** Prints the remote client's overhead ratio and its throughput at concurrency 1, 4 and 16. */
export async function benchRemote(): Promise<void> {
  console.log("\n== remote client (local node:http server mimicking vLLM /score) ==");
  const query = "what is the capital of france";
  const docs = Array.from({ length: 50 }, (_, i) => `document ${i} about capitals, rivers and cities of europe`);

  // 1. Overhead against a bare fetch of the same request: with an instant server (the client's
  // cost fully exposed) and with a 2 ms one (closer to a small model behind the server).
  for (const latencyMs of [0, 2]) {
    const server = await startScoreServer(latencyMs);
    try {
      const { median, perCallUs } = await overheadRatio(server.url, query, docs, latencyMs === 0 ? 11 : 5, latencyMs === 0 ? 200 : 60);
      console.log(
        `overhead vs bare fetch, server latency ${latencyMs} ms, 1 query x 50 docs, sequential, interleaved: ` +
          `${ratio(median, 1.05, false)} (client adds ${perCallUs.toFixed(0)} us per call)`,
      );
      if (latencyMs === 0) await cpuOverhead(query, docs);
    } finally {
      server.server.closeAllConnections();
      server.server.close();
    }
  }

  // 2. Throughput with a simulated per-request latency.
  const slow = await startScoreServer(LATENCY_MS);
  try {
    const many = Array.from({ length: 1000 }, (_, i) => `document ${i} about capitals, rivers and cities of europe`);
    console.log(`throughput, 1,000 docs in requests of 50 (20 requests), simulated server latency ${LATENCY_MS} ms/request:`);
    let base = 0;
    for (const c of [1, 4, 16]) {
      const scorer = new RemoteScorer({ baseURL: slow.url, model: "bench", maxConcurrency: c, maxDocumentsPerRequest: 50 });
      await scorer.rerank(query, many);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) times.push(await timeMs(() => scorer.rerank(query, many), 1));
      times.sort((a, b) => a - b);
      const ms = times[1] as number;
      if (c === 1) base = ms;
      const docsPerS = Math.round(1000 / (ms / 1000));
      console.log(`  concurrency ${String(c).padStart(2)}: ${ms.toFixed(0)} ms, ${docsPerS} docs/s, ${(base / ms).toFixed(2)}x vs concurrency 1`);
    }
  } finally {
    slow.server.closeAllConnections();
    slow.server.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) await benchRemote();
