/**
 * Child process for memory-flat.test.ts (run with `--expose-gc`, so every RSS sample follows a
 * full collection and the JS heap's sawtooth does not read as growth): varied requests through
 * one in-process scorer (`library`) or through `createServer` over 127.0.0.1 (`server`), a
 * warm-up that starts with the largest shape, then the measured requests with an RSS sample every
 * 4. Prints one JSON line: the level after warm-up (median of the first three samples), the end
 * (median of the last three) and the samples.
 */
import { loadScorer } from "../../../src/index.js";
import { createServer } from "../../../src/server/index.js";

const [dir, path, warmupRequests, measuredRequests] = process.argv.slice(2) as [string, "library" | "server", string, string];
const WORDS = "the of and to in is was for on that with as by at from city world river school music history science energy market language".split(" ");
const QUERY = "what is the population of the capital city";

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Request `seed`: mostly small, every 5th large (32 documents), every 3rd with long documents. */
function request(seed: number): string[] {
  const next = random(seed);
  const count = seed % 5 === 0 ? 32 : 1 + (seed % 12);
  const words = seed % 3 === 0 ? 200 + (seed % 300) : 5 + (seed % 60);
  return Array.from({ length: count }, () =>
    Array.from({ length: Math.max(5, Math.round(words * (0.5 + next() / 2))) }, () => WORDS[Math.floor(next() * WORDS.length)]).join(" "),
  );
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const rssMb = (): number => {
  gc();
  return process.memoryUsage.rss() / 2 ** 20;
};

const scorer = await loadScorer(dir, { threads: 1 });
let send = (documents: string[]): Promise<unknown> => scorer.rerank(QUERY, documents);
const server = path === "server" ? createServer({ scorer }) : undefined;
if (server) {
  const { url } = await server.listen({ host: "127.0.0.1", port: 0 });
  send = async (documents) => {
    const response = await fetch(`${url}/rerank`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: QUERY, documents }) });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`/rerank answered ${response.status}`);
  };
}

// The largest shape first: the arena reaches its high-water mark inside the warm-up.
await send(Array.from({ length: 32 }, (_, i) => request(3 + 3 * i)[0] as string));
let seed = 1;
for (; seed <= Number(warmupRequests); seed++) await send(request(seed));
// Counted, not timed: a loaded machine makes the run slower, never the leak signal weaker.
const series: number[] = [rssMb()];
for (let i = 1; i <= Number(measuredRequests); i++) {
  await send(request(seed++));
  if (i % 4 === 0) series.push(rssMb());
}
await server?.close();
await scorer.close();
const median3 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[1] as number;
process.stdout.write(`${JSON.stringify({ level: median3(series.slice(0, 3)), end: median3(series.slice(-3)), series: series.map(Math.round) })}\n`);
