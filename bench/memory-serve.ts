/**
 * #23 item 3 and #25's closing condition, `serve` half: `rerank-kit serve` started as a child
 * process on a free 127.0.0.1 port, fed #23's mixed requests (workload.ts `mixedRequest`) by a
 * few concurrent clients over every route the model answers (/rerank, /score, /v1/embeddings,
 * /pooling), for `minutes`. The server process's RSS (workers included) is sampled every second
 * from /proc; every 5xx and every failed request is counted. Targets: RSS levels off and stays
 * under the model's bound, and no 5xx (with a request time limit of 15 minutes: see TIMEOUT_FLAGS).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MemoryModel } from "./memory.js";
import { processRssMb, recordRss, sampleRss, summariseRss, type RssSummary } from "./memory-rss.js";
import { QUICK } from "./measure.js";
import { recordLimit } from "./targets.js";
import { mixedRequest } from "./workload.js";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.ts");
const ROUTES = ["/rerank", "/score", "/v1/embeddings", "/pooling"] as const;
type Route = (typeof ROUTES)[number];

/** Options of {@link benchServeMemory}. */
export interface ServeMemoryOptions {
  /** Extra `serve` flags (an LLM reranker's `--chat-template`, `--hf-overrides`, ...). */
  flags?: string[];
  /** Concurrent clients, each sending its next request when the last one is answered. @default 2 */
  clients?: number;
}

function body(route: Route, query: string, documents: string[]): string {
  // vLLM answers 400 to an input over the model's length unless asked to truncate (-1: to the
  // model's length); the mix has documents of 2000 words.
  const truncate_prompt_tokens = -1;
  if (route === "/rerank") return JSON.stringify({ query, documents, truncate_prompt_tokens });
  if (route === "/score") return JSON.stringify({ text_1: query, text_2: documents, truncate_prompt_tokens });
  return JSON.stringify({ input: documents, truncate_prompt_tokens });
}

/**
 * The bench measures memory, not latency: the largest requests of the mix (200 pairs of 512
 * tokens) can take minutes on two shared cores, and the default 60-s limit would answer them 504.
 */
const TIMEOUT_FLAGS = ["--timeout-ms", "900000"];

async function startServe(model: MemoryModel, flags: string[]): Promise<{ child: ChildProcess; url: string }> {
  const args = [...process.execArgv, CLI, "serve", "--model", model.dir, "--port", "0", ...TIMEOUT_FLAGS, ...flags];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      const found = / on (http:\/\/\S+)/.exec(log)?.[1];
      if (found) resolve(found);
    });
    child.once("exit", (code) => reject(new Error(`serve exited (${code}) before listening:\n${log}`)));
  });
  // Later stderr (the 5xx log lines) is shown as it comes: each one is a finding.
  child.stderr?.removeAllListeners("data");
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`  [serve] ${chunk.toString()}`));
  return { child, url };
}

const shown = new Set<string>();

/**
 * POSTs with node:http and no client-side time limit (fetch gives up waiting for headers after
 * 300 s, which the largest requests can exceed on two loaded cores).
 */
function post(url: string, route: Route, payload: string, quiet = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${route}`, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        // The first answer of each kind that is not a 200 is shown once: it says what went wrong.
        const kind = `${route} ${status}`;
        if (!quiet && status !== 200 && !shown.has(kind)) {
          shown.add(kind);
          console.log(`  first ${kind}: ${Buffer.concat(chunks).toString().slice(0, 300)}`);
        }
        resolve(status);
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** Runs the mixed requests through `serve` on `model` and records its three targets. */
export async function benchServeMemory(model: MemoryModel, minutes = QUICK ? 0.5 : 5, options: ServeMemoryOptions = {}): Promise<RssSummary> {
  const clients = options.clients ?? 2;
  const { child, url } = await startServe(model, options.flags ?? []);
  const pid = child.pid as number;
  try {
    // The routes this model answers: a small request to each; a 4xx means "not this family".
    const routes: Route[] = [];
    for (const route of ROUTES) if ((await post(url, route, body(route, "a query", ["a document"]), true)) === 200) routes.push(route);
    const limits = model.limits?.maxDocuments ? `1-${model.limits.maxDocuments}` : "1-200";
    console.log(
      `\n## Flat memory through serve: ${model.label}, mixed requests (${limits} docs, 5-2000 words) on ${routes.join(", ")}, ` +
        `${clients} clients, ${minutes} min, server RSS (workers included) sampled every second`,
    );
    const rss = sampleRss(() => processRssMb(pid));
    const statuses = new Map<number, number>();
    let failed = 0;
    let seed = 1;
    const t0 = performance.now();
    const client = async (): Promise<void> => {
      while (performance.now() - t0 < minutes * 60_000) {
        const s = seed++;
        const route = routes[s % routes.length] as Route;
        const { query, documents } = mixedRequest(s, model.limits);
        try {
          const status = await post(url, route, body(route, query, documents));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        } catch (error) {
          if (failed++ === 0) console.log(`  first failed request (${route}): ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    rss.stop();
    const counts = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`);
    const server5xx = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    console.log(`  ${seed - 1} requests (${counts.join(", ")}; ${failed} failed without an answer)`);
    const summary = summariseRss(rss.samples, minutes);
    recordRss(`${model.label}, serve`, summary, model.serveBoundMb);
    recordLimit(`5xx answers and failed requests (${model.label}, serve)`, server5xx + failed, 0, "");
    return summary;
  } finally {
    child.kill("SIGTERM");
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.exitCode !== null ? resolve([child.exitCode, null]) : child.once("exit", (c, s) => resolve([c, s])),
    );
    // A clean stop is part of the run: a native abort on shutdown is a finding too.
    console.log(`  serve stopped on SIGTERM: exit ${code ?? signal}`);
  }
}
